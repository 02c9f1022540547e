from django.urls import path

from notes import process_note_views as views_private
from notes import views

app_name = "notes"

urlpatterns = [
    path("clients/<int:client_id>/", views.client_notes, name="client_notes"),
    path("clients/<int:client_id>/new/", views.note_create, name="note_create"),
    path("<int:note_id>/", views.note_detail, name="note"),
    path("<int:note_id>/edit/", views.note_edit, name="note_edit"),
    path("<int:note_id>/sign/", views.note_sign, name="note_sign"),
    path("<int:note_id>/cosign/", views.note_cosign, name="note_cosign"),
    path("<int:note_id>/return/", views.note_return, name="note_return"),
    path("<int:note_id>/addenda/new/", views.addendum_create, name="addendum_create"),
    path("cosign-queue/", views.cosign_queue, name="cosign_queue"),
    path("preferences/", views.preferences, name="preferences"),
    path(
        "clients/<int:client_id>/reflections/new/",
        views_private.reflection_create,
        name="reflection_create",
    ),
    path(
        "reflections/<int:reflection_id>/edit/",
        views_private.reflection_edit,
        name="reflection_edit",
    ),
    path(
        "clients/<int:client_id>/process-notes/",
        views_private.process_note_list,
        name="process_notes",
    ),
    path(
        "clients/<int:client_id>/process-notes/new/",
        views_private.process_note_create,
        name="process_note_create",
    ),
    path(
        "process-notes/<int:note_id>/",
        views_private.process_note_detail,
        name="process_note",
    ),
    path(
        "process-notes/<int:note_id>/edit/",
        views_private.process_note_edit,
        name="process_note_edit",
    ),
]
