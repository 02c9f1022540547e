"""URLs of the oversight pages, included by :mod:`attachment.urls` under its namespace."""

from django.urls import path

from attachment.oversight import views

urlpatterns = [
    path("overview/", views.overview, name="overview"),
    path("overview/clinic/", views.clinic_overview, name="clinic_overview"),
    path(
        "manage/detectors/",
        views.detector_settings,
        name="detector_settings",
    ),
    path(
        "manage/detectors/reset/",
        views.detector_settings_reset,
        name="detector_settings_reset",
    ),
]
