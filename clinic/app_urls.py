from django.urls import include, path

from clinic import views

app_name = "clinic"

urlpatterns = [
    path("", views.home, name="home"),
    path("clients/<int:client_id>/", views.client_detail, name="client"),
    path(
        "supervision/<int:link_id>/accept/",
        views.supervision_accept,
        name="supervision_accept",
    ),
    path(
        "supervision/<int:link_id>/decline/",
        views.supervision_decline,
        name="supervision_decline",
    ),
    path("", include("clinic.administration.urls")),
    path("", include("clinic.access_report.urls")),
]
