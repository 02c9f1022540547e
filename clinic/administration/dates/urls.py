from django.urls import path

from clinic.administration.dates import views

urlpatterns = [path("manage/dates/", views.date_format, name="date_format")]
