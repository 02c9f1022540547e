"""URLs of the oversight pages, included by :mod:`attachment.urls` under its namespace."""

from django.urls import path

from attachment.oversight import views as oversight_views

urlpatterns = [
    path("overview/", oversight_views.overview, name="overview"),
    path("overview/clinic/", oversight_views.clinic_overview, name="clinic_overview"),
    path(
        "manage/detectors/",
        oversight_views.detector_settings,
        name="detector_settings",
    ),
    path(
        "manage/detectors/reset/",
        oversight_views.detector_settings_reset,
        name="detector_settings_reset",
    ),
]
