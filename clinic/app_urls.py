from django.urls import include, path

from clinic import views

app_name = "clinic"

urlpatterns = [
    path("", views.home, name="home"),
    path("clients/<int:client_id>/", views.client_detail, name="client"),
    path("", include("clinic.administration.urls")),
]
