"""URLs of the access report, included by :mod:`clinic.app_urls` under the
``clinic`` namespace."""

from django.urls import path

from clinic.access_report import views

urlpatterns = [
    path(
        "clients/<int:client_id>/access/",
        views.access_report,
        name="access_report",
    ),
    path(
        "clients/<int:client_id>/access/csv/",
        views.access_report_csv,
        name="access_report_csv",
    ),
    path("manage/access/", views.access_overview, name="access_overview"),
]
