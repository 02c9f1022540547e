"""Process notes are kept apart: only the author (and, where the clinic
allows it for training, a trainee's supervisor) ever sees one."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin as django_admin
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent
from notes import services
from notes.models import ProcessNote

SECRET = "PRIVATE-PROCESS-TEXT"


def _pages(world_client, note, signed):
    return [
        reverse("clinic:home"),
        reverse("clinic:client", args=[world_client.pk]),
        reverse("notes:client_notes", args=[world_client.pk]),
        reverse("notes:note", args=[signed.pk]),
        reverse("notes:cosign_queue"),
        reverse("notes:note_create", args=[world_client.pk]),
    ]


def test_the_author_reads_their_process_note_and_the_read_is_audited(
    login, process_note, therapist
):
    html = (
        login(therapist)
        .get(reverse("notes:process_note", args=[process_note.pk]))
        .content.decode()
    )
    assert SECRET in html
    assert AuditEvent.objects.filter(
        actor=therapist,
        action="read",
        object_type="notes.processnote",
        object_id=process_note.pk,
    ).exists()


@pytest.mark.parametrize(
    "who",
    ["other_therapist", "supervisor", "unrelated_supervisor", "admin", "outsider"],
)
def test_nobody_else_finds_a_process_note(request, login, process_note, client, who):
    http = login(request.getfixturevalue(who))
    for url in (
        reverse("notes:process_note", args=[process_note.pk]),
        reverse("notes:process_note_edit", args=[process_note.pk]),
        reverse("notes:process_notes", args=[client.pk]),
    ):
        response = http.get(url)
        assert response.status_code == 404
        assert SECRET not in response.content.decode()


@pytest.mark.parametrize("who", ["therapist", "supervisor", "other_therapist", "admin"])
def test_process_note_text_is_in_no_other_page(
    request, login, process_note, client, signed, who
):
    http = login(request.getfixturevalue(who))
    for url in _pages(client, process_note, signed):
        assert SECRET not in http.get(url).content.decode(), url


def test_the_list_of_process_notes_shows_dates_not_text(
    login, process_note, therapist, client
):
    html = (
        login(therapist)
        .get(reverse("notes:process_notes", args=[client.pk]))
        .content.decode()
    )
    assert reverse("notes:process_note", args=[process_note.pk]) in html
    assert SECRET not in html


def test_a_trainees_supervisor_reads_only_where_the_clinic_allows_it(
    login, process_note, supervisor, trainee_link, clinic
):
    url = reverse("notes:process_note", args=[process_note.pk])
    http = login(supervisor)
    assert http.get(url).status_code == 404
    clinic.supervisors_read_trainee_process_notes = True
    clinic.save()
    response = http.get(url)
    assert response.status_code == 200
    assert SECRET in response.content.decode()
    assert AuditEvent.objects.filter(
        actor=supervisor, action="read", object_id=process_note.pk
    ).exists()
    # Reading is not writing.
    assert (
        http.get(reverse("notes:process_note_edit", args=[process_note.pk])).status_code
        == 404
    )


def test_a_supervisor_without_a_cosign_link_never_reads_process_notes(
    login, process_note, supervisor, clinic
):
    clinic.supervisors_read_trainee_process_notes = True
    clinic.save()
    response = login(supervisor).get(
        reverse("notes:process_note", args=[process_note.pk])
    )
    assert response.status_code == 404


def test_the_operator_admin_shows_no_process_note_text(
    login, process_note, superuser, therapist
):
    services.process_note_update(
        actor=therapist,
        note=process_note,
        text=f"{SECRET} revised",
        now=timezone.now(),
    )
    assert ProcessNote not in django_admin.site._registry
    http = login(superuser)
    urls = [reverse("admin:index"), reverse("admin:app_list", args=["notes"])]
    for model in django_admin.site._registry:
        if model._meta.app_label in {"notes", "pghistory"}:
            urls.append(
                reverse(
                    f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
                )
            )
    for url in urls:
        response = http.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url


def test_process_note_history_records_edits_without_the_text(process_note, therapist):
    services.process_note_update(
        actor=therapist, note=process_note, text="Second thoughts.", now=timezone.now()
    )
    event_model = apps.get_model("notes", "ProcessNoteEvent")
    events = list(event_model.objects.filter(pgh_obj=process_note))
    assert {event.pgh_label for event in events} >= {"update"}
    assert not any(field.name == "text" for field in event_model._meta.fields)
