"""URLs of the between-sessions agreement, included by :mod:`attachment.urls`
under its namespace."""

from django.urls import path

from attachment.agreements import views

agreement = "clients/<int:client_id>/agreement/"
version = f"{agreement}v<int:version>/"

urlpatterns = [
    path(agreement, views.agreement, name="agreement"),
    path(f"{agreement}new/", views.agreement_new, name="agreement_new"),
    path(version, views.agreement_version, name="agreement_version"),
    path(f"{version}copy/", views.agreement_copy, name="agreement_copy"),
    path(
        f"{version}acknowledge/",
        views.agreement_acknowledge,
        name="agreement_acknowledge",
    ),
    path(f"{version}approve/", views.agreement_approve, name="agreement_approve"),
    path(
        "agreements/awaiting-approval/",
        views.agreement_approvals,
        name="agreement_approvals",
    ),
    path("agreements/client-notice/", views.client_notice, name="client_notice"),
]
