"""URLs of the staff page (``/manage/staff/...``) and of the welcome link
(``/welcome/...``), included by :mod:`clinic.administration.urls` under the
``clinic`` namespace."""

from django.urls import path

from clinic.administration.staff import views

urlpatterns = [
    path("manage/staff/", views.staff_list, name="staff_list"),
    path(
        "manage/clients/<int:client_id>/move/",
        views.client_move_propose,
        name="client_move_propose",
    ),
    path("manage/staff/invite/", views.staff_invite, name="staff_invite"),
    path("manage/staff/<int:user_id>/roles/", views.staff_roles, name="staff_roles"),
    path(
        "manage/staff/<int:user_id>/roles/revoke/",
        views.staff_role_revoke,
        name="staff_role_revoke",
    ),
    path(
        "manage/staff/<int:user_id>/clinical-lead/",
        views.clinical_lead_set,
        name="clinical_lead_set",
    ),
    path(
        "manage/staff/clinical-lead/clear/",
        views.clinical_lead_clear,
        name="clinical_lead_clear",
    ),
    path(
        "manage/staff/<int:user_id>/deactivate/",
        views.staff_deactivate,
        name="staff_deactivate",
    ),
    path(
        "manage/staff/<int:user_id>/reactivate/",
        views.staff_reactivate,
        name="staff_reactivate",
    ),
    path(
        "manage/staff/<int:user_id>/authenticator-reset/",
        views.staff_authenticator_reset,
        name="staff_authenticator_reset",
    ),
    path(
        "manage/staff/proposals/<int:proposal_id>/approve/",
        views.staff_proposal_approve,
        name="staff_proposal_approve",
    ),
    path(
        "manage/staff/proposals/<int:proposal_id>/decline/",
        views.staff_proposal_decline,
        name="staff_proposal_decline",
    ),
    path(
        "manage/staff/proposals/<int:proposal_id>/withdraw/",
        views.staff_proposal_withdraw,
        name="staff_proposal_withdraw",
    ),
    # Before the token's pattern, which would match its last part too.
    path(
        "welcome/link-needed/",
        views.enrolment_link_needed,
        name="enrolment_link_needed",
    ),
    path("welcome/<str:token>/", views.welcome, name="welcome"),
]
