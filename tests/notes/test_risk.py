"""The risk section of a session note: a draft may leave it open, signing
needs it, a level above none is described in a sentence (by the form, the
service and the database), a signed note's risk is locked, and the latest
level recorded reaches the caseload without a query per client."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.models import AuditAction, AuditEvent
from clinic.selectors import caseload_own
from notes import selectors, services
from notes.forms import RISK_LEVEL_NEEDED, RISK_SUMMARY_NEEDED, NoteForm
from notes.models import NoteStatus, RiskLevel, SessionNote
from tests.factories import ClientFactory
from tests.notes.factories import SESSION_AT, SessionNoteFactory

VALUES = {
    "session_at": dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC),
    "duration_minutes": 50,
    "modality": "video",
    "attendance": "attended",
    "format": "dap",
    "data": "Talked about the week.",
    "assessment": "Steady.",
    "plan": "Continue.",
}


def _form(data: dict, *, now: dt.datetime, zone) -> NoteForm:
    posted = {
        "format": "free",
        "session_at": "2026-03-09T10:00",
        "duration_minutes": "50",
        "modality": "in_person",
        "attendance": "attended",
        "free_text": "The session.",
        **data,
    }
    return NoteForm(posted, note_format="free", zone=zone, now=now, agenda_items=[])


# --- the form ------------------------------------------------------------------


def test_the_form_lets_a_draft_leave_the_risk_open(client, now):
    form = _form({}, now=now, zone=client.clinic.zone)
    assert form.is_valid(), form.errors
    values = form.note_values()
    assert (values["risk_level"], values["risk_summary"]) == ("", "")


@pytest.mark.parametrize("level", ["moderate", "high", "low"])
def test_the_form_asks_for_a_sentence_above_none(client, now, level):
    form = _form(
        {"risk_level": level, "risk_summary": "   "}, now=now, zone=client.clinic.zone
    )
    assert not form.is_valid()
    assert form.errors["risk_summary"] == [RISK_SUMMARY_NEEDED]


def test_the_form_takes_none_without_a_sentence(client, now):
    form = _form({"risk_level": "none"}, now=now, zone=client.clinic.zone)
    assert form.is_valid(), form.errors
    assert form.note_values()["risk_level"] == RiskLevel.NONE


def test_the_form_refuses_a_sentence_without_a_level(client, now):
    form = _form(
        {"risk_summary": "Some thoughts of self-harm."},
        now=now,
        zone=client.clinic.zone,
    )
    assert not form.is_valid()
    assert form.errors["risk_level"] == [RISK_LEVEL_NEEDED]


def test_the_form_refuses_an_unknown_level(client, now):
    form = _form(
        {"risk_level": "extreme", "risk_summary": "x"}, now=now, zone=client.clinic.zone
    )
    assert not form.is_valid()
    assert "risk_level" in form.errors


def test_the_note_form_shows_a_risk_fieldset(login, client, therapist):
    html = (
        login(therapist)
        .get(reverse("notes:note_create", args=[client.pk]))
        .content.decode()
    )
    assert "<legend>Risk</legend>" in html
    for level in RiskLevel.values:
        assert f'name="risk_level" value="{level}"' in html
    assert 'name="risk_summary"' in html


# --- the services --------------------------------------------------------------


def test_a_draft_without_risk_is_saved(client, therapist, now):
    note = services.note_create(
        actor=therapist, client=client, values=VALUES, discussed_keys=[], now=now
    )
    note.refresh_from_db()
    assert (note.status, note.risk_level, note.risk_summary) == (
        NoteStatus.DRAFT,
        "",
        "",
    )


def test_a_draft_keeps_the_risk_section_as_written(client, therapist, now):
    note = services.note_create(
        actor=therapist,
        client=client,
        values={
            **VALUES,
            "risk_level": "moderate",
            "risk_summary": "  Passive thoughts of not being here; plan reviewed. ",
        },
        discussed_keys=[],
        now=now,
    )
    note.refresh_from_db()
    assert note.risk_level == RiskLevel.MODERATE
    assert note.risk_summary == "Passive thoughts of not being here; plan reviewed."


def test_signing_without_a_risk_level_is_refused_and_changes_nothing(
    client, therapist, password, now
):
    draft = SessionNoteFactory(client=client, risk_level="")
    before = SessionNote.objects.filter(pk=draft.pk).values().get()
    events = AuditEvent.objects.count()

    with pytest.raises(services.RiskNotRecorded) as refused:
        services.note_sign(actor=therapist, note=draft, password=password, now=now)

    assert refused.value.field == "risk_level"
    assert isinstance(refused.value, services.NoteRefused)
    assert SessionNote.objects.filter(pk=draft.pk).values().get() == before
    assert AuditEvent.objects.count() == events


def test_signing_with_a_risk_level_signs_the_risk_section(
    client, therapist, password, now
):
    draft = SessionNoteFactory(
        client=client,
        risk_level="high",
        risk_summary="Plan and means; crisis team told.",
    )
    signed = services.note_sign(actor=therapist, note=draft, password=password, now=now)
    signed.refresh_from_db()
    assert signed.status == NoteStatus.SIGNED
    assert (signed.risk_level, signed.risk_summary) == (
        "high",
        "Plan and means; crisis team told.",
    )
    assert selectors.note_hash_matches(signed) is True


def test_the_service_refuses_moderate_without_a_sentence(draft, therapist, now):
    with pytest.raises(ValidationError):
        services.note_update(
            actor=therapist,
            note=draft,
            values={**VALUES, "risk_level": "moderate", "risk_summary": ""},
            discussed_keys=[],
            now=now,
        )
    draft.refresh_from_db()
    assert draft.risk_level == RiskLevel.NONE


def test_the_database_refuses_moderate_without_a_sentence(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionNote.objects.filter(pk=draft.pk).update(
            risk_level="moderate", risk_summary=" \n"
        )
    draft.refresh_from_db()
    assert draft.risk_level == RiskLevel.NONE


def test_the_database_refuses_a_sentence_without_a_level(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionNote.objects.filter(pk=draft.pk).update(
            risk_level="", risk_summary="Something."
        )


def test_a_signed_notes_risk_cannot_be_changed_at_the_database(signed):
    assert signed.risk_level == RiskLevel.NONE
    with pytest.raises(ProgrammingError), transaction.atomic():
        SessionNote.objects.filter(pk=signed.pk).update(
            risk_level="high", risk_summary="Rewritten later."
        )
    with (
        pytest.raises(ProgrammingError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE notes_sessionnote SET risk_level = '' WHERE id = %s", [signed.pk]
        )
    signed.refresh_from_db()
    assert (signed.risk_level, signed.risk_summary) == ("none", "")


# --- the pages -----------------------------------------------------------------


def test_the_sign_page_says_the_risk_is_missing_and_refuses(
    login, client, therapist, password
):
    draft = SessionNoteFactory(client=client, risk_level="")
    http = login(therapist)

    page = http.get(reverse("notes:note_sign", args=[draft.pk])).content.decode()
    assert "The risk level is not recorded yet." in page

    response = http.post(
        reverse("notes:note_sign", args=[draft.pk]), {"password": password}
    )
    assert response.status_code == 200
    assert "Record the risk level before signing" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == NoteStatus.DRAFT
    assert not AuditEvent.objects.filter(
        action=AuditAction.SIGN, object_id=draft.pk
    ).exists()


def test_a_moderate_risk_without_a_sentence_comes_back_with_the_error(
    login, client, therapist, draft
):
    response = login(therapist).post(
        reverse("notes:note_edit", args=[draft.pk]),
        {
            "format": "soap",
            "session_at": "2026-03-02T10:00",
            "duration_minutes": "50",
            "modality": "in_person",
            "attendance": "attended",
            "subjective": "S",
            "objective": "O",
            "assessment": "A",
            "plan": "P",
            "risk_level": "moderate",
            "risk_summary": "",
        },
    )
    assert response.status_code == 200
    assert RISK_SUMMARY_NEEDED in response.content.decode()
    draft.refresh_from_db()
    assert draft.risk_level == RiskLevel.NONE


def test_the_note_page_shows_the_risk_section(login, client, therapist, password, now):
    draft = SessionNoteFactory(
        client=client, risk_level="moderate", risk_summary="RISK-SENTENCE reviewed."
    )
    signed = services.note_sign(actor=therapist, note=draft, password=password, now=now)
    html = login(therapist).get(signed.get_absolute_url()).content.decode()
    assert (
        '<span class="badge text-bg-warning risk-badge">risk: moderate</span>' in html
    )
    assert "RISK-SENTENCE reviewed." in html


def test_a_note_signed_before_the_risk_section_says_so(login, client, therapist):
    note = SessionNoteFactory(client=client, risk_level="")
    SessionNote.objects.filter(pk=note.pk).update(
        status=NoteStatus.SIGNED,
        signed_at=SESSION_AT,
        signed_by=therapist,
        content_sha256="0" * 64,
    )
    html = login(therapist).get(note.get_absolute_url()).content.decode()
    assert "Not recorded: signed before notes had a risk section." in html


# --- the latest level ----------------------------------------------------------


def _note(client, *, days: int, level: str, summary: str = "Described.") -> SessionNote:
    return SessionNoteFactory(
        client=client,
        session_at=SESSION_AT + dt.timedelta(days=days),
        risk_level=level,
        risk_summary="" if level in ("", "none") else summary,
    )


def test_the_latest_risk_is_that_of_the_latest_session_with_a_level(client):
    assert selectors.latest_risk_of(client=client) is None
    high = _note(client, days=7, level="high")
    _note(client, days=0, level="low")  # written later, for an earlier session
    _note(client, days=9, level="")  # the latest session, no level recorded

    latest = selectors.latest_risk_of(client=client)

    assert latest is not None
    assert (latest.level, latest.session_at, latest.note_id) == (
        "high",
        high.session_at,
        high.pk,
    )
    assert latest.above_low


def test_the_caseload_shows_each_clients_latest_risk_without_a_query_per_client(
    clinic, therapist
):
    clients = [ClientFactory(clinic=clinic, therapist=therapist) for _ in range(5)]
    _note(clients[0], days=0, level="high")
    _note(clients[0], days=7, level="moderate")
    _note(clients[1], days=3, level="none")
    _note(clients[2], days=3, level="")

    with CaptureQueriesContext(connection) as one_client:
        list(caseload_own(user=therapist).filter(pk=clients[4].pk))
    with CaptureQueriesContext(connection) as every_client:
        rows = {row.pk: row for row in caseload_own(user=therapist)}

    assert len(every_client) == len(one_client)
    assert rows[clients[0].pk].latest_risk_level == "moderate"
    assert rows[clients[0].pk].latest_risk_at == SESSION_AT + dt.timedelta(days=7)
    assert rows[clients[1].pk].latest_risk_level == "none"
    assert rows[clients[2].pk].latest_risk_level is None
    assert rows[clients[3].pk].latest_risk_level is None


def test_the_caseload_table_has_a_risk_column_with_descriptive_badges(
    login, clinic, therapist
):
    high, moderate, low, unknown = (
        ClientFactory(clinic=clinic, therapist=therapist) for _ in range(4)
    )
    _note(high, days=1, level="high")
    _note(moderate, days=1, level="moderate")
    _note(low, days=1, level="low")

    html = login(therapist).get(reverse("clinic:home")).content.decode()

    assert '<th scope="col">Risk</th>' in html
    assert '<span class="badge text-bg-danger risk-badge">risk: high</span>' in html
    assert (
        '<span class="badge text-bg-warning risk-badge">risk: moderate</span>' in html
    )
    assert '<span class="badge text-bg-secondary risk-badge">risk: low</span>' in html
    assert html.count('<span class="text-muted">not recorded</span>') == 1
