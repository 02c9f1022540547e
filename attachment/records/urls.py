"""URLs of the between-session records, included by :mod:`attachment.urls`
under its namespace."""

from django.urls import path

from attachment.records import views

client = "clients/<int:client_id>/"

urlpatterns = [
    path(f"{client}timeline/", views.timeline, name="timeline"),
    path(f"{client}contacts/", views.contact_list, name="contact_list"),
    path(f"{client}contacts/new/", views.contact_new, name="contact_new"),
    path(
        f"{client}contacts/<int:contact_id>/edit/",
        views.contact_edit,
        name="contact_edit",
    ),
    path(f"{client}ruptures/", views.rupture_list, name="rupture_list"),
    path(f"{client}ruptures/new/", views.rupture_new, name="rupture_new"),
    path(
        f"{client}ruptures/<int:rupture_id>/",
        views.rupture_detail,
        name="rupture_detail",
    ),
    path(
        f"{client}ruptures/<int:rupture_id>/edit/",
        views.rupture_edit,
        name="rupture_edit",
    ),
    path(
        f"{client}ruptures/<int:rupture_id>/repair/",
        views.repair_new,
        name="repair_new",
    ),
    path(f"{client}observations/", views.observation_list, name="observation_list"),
    path(f"{client}observations/new/", views.observation_new, name="observation_new"),
    path(f"{client}measures/new/", views.measure_new, name="measure_new"),
    path(f"{client}plan/", views.plan, name="plan"),
    path(f"{client}plan/revise/", views.plan_revise, name="plan_revise"),
    path(f"{client}plan/v<int:version>/", views.plan_version, name="plan_version"),
]
