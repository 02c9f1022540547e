"""A refusal (``clinic.access.not_found`` / ``forbidden``) made while a request
runs leaves a ``denied`` audit event, ids only, even though the 404 or 403
rolls back the request's transaction; a 404 that nobody decided leaves none.

The tests that depend on the rollback run with real transactions, so that the
request's own transaction commits or rolls back as it does in production.
"""

from __future__ import annotations

import logging

import pytest
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.test import RequestFactory
from django.urls import reverse

from clinic import access
from clinic.audit import chain_check
from clinic.middleware import RefusalAuditMiddleware
from clinic.models import AuditAction, AuditEvent
from notes.models import SessionNote
from tests.notes.factories import SessionNoteFactory

# One past the largest id an audit row (a bigint) can hold.
TOO_LARGE_AN_ID = 2**63


def denied_events() -> list[dict]:
    rows = (
        AuditEvent.objects.filter(action=AuditAction.DENIED)
        .order_by("seq")
        .values("actor_id", "object_type", "object_id", "client_id", "clinic_id", "ip")
    )
    return [dict(row) for row in rows]


def denied(actor, object_type: str, object_id: int | None, clinic) -> dict:
    return {
        "actor_id": actor.pk,
        "object_type": object_type,
        "object_id": object_id,
        "client_id": None,
        "clinic_id": clinic.pk if clinic is not None else None,
        "ip": "127.0.0.1",
    }


def assert_the_chain_verifies(directory, *, rows: int) -> None:
    report = chain_check(directory=directory)
    assert report.ok, report.check.broken
    assert report.length == rows


@pytest.mark.django_db(transaction=True)
def test_another_therapists_client_answers_404_and_leaves_one_denied_event(
    login, client, other_therapist, clinic, tmp_path
):
    response = login(other_therapist).get(reverse("clinic:client", args=[client.pk]))

    assert response.status_code == 404
    assert denied_events() == [denied(other_therapist, "client", client.pk, clinic)]
    assert AuditEvent.objects.count() == 1
    assert_the_chain_verifies(tmp_path, rows=1)


@pytest.mark.django_db(transaction=True)
def test_the_event_outlives_the_rollback_of_what_the_request_wrote(
    login, client, therapist, clinic, tmp_path
):
    # The co-signature page audits the read of the note, then refuses the
    # note's own author, who supervises nobody: the 403 rolls the read back.
    note: SessionNote = SessionNoteFactory.create(client=client, author=therapist)
    http = login(therapist)

    response = http.get(reverse("notes:note_cosign", args=[note.pk]))

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.READ).exists()
    assert denied_events() == [
        denied(therapist, "session-note-cosign", note.pk, clinic)
    ]
    # The same read, not refused, is kept: the page did write one.
    assert http.get(reverse("notes:note", args=[note.pk])).status_code == 200
    actions = AuditEvent.objects.order_by("seq").values_list("action", flat=True)
    assert list(actions) == [AuditAction.DENIED, AuditAction.READ]
    assert_the_chain_verifies(tmp_path, rows=2)


@pytest.mark.parametrize(
    ("who", "url_name"),
    [
        ("admin", "clinic:client"),  # an admin opening a clinical page
        ("supervisor", "notes:note_create"),  # a supervisor trying to write
    ],
)
def test_a_403_leaves_a_denied_event(
    request, login, client, clinic, who, url_name, tmp_path
):
    person = request.getfixturevalue(who)

    response = login(person).get(reverse(url_name, args=[client.pk]))

    assert response.status_code == 403
    assert denied_events() == [denied(person, "client", client.pk, clinic)]
    assert_the_chain_verifies(tmp_path, rows=1)


def test_an_unknown_url_leaves_no_event(login, other_therapist):
    response = login(other_therapist).get("/clients/not-a-page/")

    assert response.status_code == 404
    assert not AuditEvent.objects.exists()


def test_a_permitted_page_leaves_no_denied_event(login, client, therapist):
    response = login(therapist).get(reverse("clinic:client", args=[client.pk]))

    assert response.status_code == 200
    assert denied_events() == []
    assert AuditEvent.objects.filter(action=AuditAction.READ).count() == 1


def test_an_id_too_large_to_store_is_audited_without_it(login, other_therapist, clinic):
    response = login(other_therapist).get(
        reverse("clinic:client", args=[TOO_LARGE_AN_ID])
    )

    assert response.status_code == 404
    assert denied_events() == [denied(other_therapist, "client", None, clinic)]


def test_a_person_of_no_clinic_is_audited_with_no_clinic(login, client, outsider):
    outsider.memberships.all().delete()

    response = login(outsider).get(reverse("clinic:client", args=[client.pk]))

    assert response.status_code == 404
    assert denied_events() == [denied(outsider, "client", client.pk, None)]


def test_every_refusal_of_a_request_is_audited_and_an_id_that_is_none_as_none(
    therapist, clinic, tmp_path
):
    def refusing_view(request: HttpRequest) -> HttpResponse:
        access.forbidden(therapist, "clinic-admin", None)
        access.not_found(therapist, "coping-plan-version", "v2")
        access.not_found(therapist, "flag", True)
        return HttpResponseNotFound()

    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1")
    request.user = therapist

    response = RefusalAuditMiddleware(refusing_view)(request)

    assert response.status_code == 404
    assert denied_events() == [
        denied(therapist, "clinic-admin", None, clinic),
        denied(therapist, "coping-plan-version", None, clinic),
        denied(therapist, "flag", None, clinic),
    ]
    assert_the_chain_verifies(tmp_path, rows=3)


def test_a_refusal_outside_a_request_is_only_logged(
    caplog, login, client, other_therapist, therapist
):
    caplog.set_level(logging.WARNING, logger="between.access")
    # A request before it has ended: its collection does not linger.
    login(other_therapist).get(reverse("clinic:client", args=[client.pk]))

    refusal = access.not_found(therapist, "client", "no-id")

    assert isinstance(refusal, Exception)
    assert [r.getMessage() for r in caplog.records if r.name == "between.access"][
        -1
    ] == f"access denied status=404 user={therapist.pk} object=client id=no-id"
    assert [event["actor_id"] for event in denied_events()] == [other_therapist.pk]
