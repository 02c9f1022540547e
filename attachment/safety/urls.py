"""URLs of the safety plan, included by :mod:`attachment.urls` under its
namespace."""

from django.urls import path

from attachment.safety import views

plan = "clients/<int:client_id>/safety-plan/"

urlpatterns = [
    path(plan, views.safety_plan, name="safety_plan"),
    path(f"{plan}revise/", views.safety_plan_revise, name="safety_plan_revise"),
    path(
        f"{plan}v<int:version>/",
        views.safety_plan_version,
        name="safety_plan_version",
    ),
    path(
        f"{plan}v<int:version>/client-copy/",
        views.safety_plan_client_copy,
        name="safety_plan_client_copy",
    ),
]
