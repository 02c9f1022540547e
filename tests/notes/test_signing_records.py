"""Signing, co-signing, returning and addenda, field by field: what each one
stores, the audit event it writes, and the exact refusal a user reads."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.exceptions import PermissionDenied

from clinic.models import AuditEvent
from notes import services
from notes.models import Addendum, NoteReturn, NoteStatus, SessionNote
from notes.signature_hashes import addendum_digest, note_digest
from tests.notes.factories import SESSION_AT, ReflectionFactory, SessionNoteFactory

DAP = {
    "session_at": dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC),
    "duration_minutes": 45,
    "modality": "video",
    "attendance": "attended",
    "format": "dap",
    "data": "Talked about the week.",
    "assessment": "Steady.",
    "plan": "Continue.",
}


def events(object_type: str) -> list[tuple]:
    """The events in the audit chain's order; their time is the database's."""
    return [
        (e.action, e.actor_id, e.object_id, e.client_id)
        for e in AuditEvent.objects.filter(object_type=object_type).order_by("seq")
    ]


def signed_by(note: SessionNote):
    note = SessionNote.objects.get(pk=note.pk)
    return (note.status, note.signed_by_id, note.signed_at, note.updated_at)


# --- drafts ----------------------------------------------------------------


def test_a_new_draft_is_stamped_with_its_author_and_time_and_audited(
    client, therapist, now
):
    reflection = ReflectionFactory(client=client)
    note = services.note_create(
        actor=therapist,
        client=client,
        values=DAP,
        discussed_keys=[f"reflection:{reflection.pk}"],
        now=now,
    )
    note = SessionNote.objects.get(pk=note.pk)
    assert (note.author_id, note.created_at, note.updated_at) == (
        therapist.pk,
        now,
        now,
    )
    assert (note.duration_minutes, note.modality, note.format) == (45, "video", "dap")
    assert events("notes.sessionnote") == [("create", therapist.pk, note.pk, client.pk)]
    reflection.refresh_from_db()
    assert reflection.brought_in_id == note.pk


def test_an_edit_is_stamped_audited_and_takes_agenda_items(
    draft, client, therapist, now
):
    reflection = ReflectionFactory(client=client)
    later = now + dt.timedelta(minutes=3)
    services.note_update(
        actor=therapist,
        note=draft,
        values=DAP,
        discussed_keys=[f"reflection:{reflection.pk}"],
        now=later,
    )
    note = SessionNote.objects.get(pk=draft.pk)
    assert (note.created_at, note.updated_at, note.data) == (
        SESSION_AT,
        later,
        "Talked about the week.",
    )
    assert events("notes.sessionnote") == [
        ("update", therapist.pk, draft.pk, draft.client_id)
    ]
    reflection.refresh_from_db()
    assert reflection.brought_in_id == draft.pk


# --- signing ---------------------------------------------------------------


def test_signing_stores_who_signed_when_and_audits_it(draft, therapist, password, now):
    services.note_sign(actor=therapist, note=draft, password=password, now=now)
    assert signed_by(draft) == (NoteStatus.SIGNED, therapist.pk, now, now)
    fresh = SessionNote.objects.get(pk=draft.pk)
    assert fresh.content_sha256 == note_digest(fresh)
    assert events("notes.sessionnote") == [
        ("sign", therapist.pk, draft.pk, draft.client_id)
    ]


def test_a_note_cannot_be_signed_twice(signed, therapist, password, now):
    with pytest.raises(services.NoteRefused) as refused:
        services.note_sign(
            actor=therapist,
            note=signed,
            password=password,
            now=now + dt.timedelta(hours=1),
        )
    assert str(refused.value) == "This note is already signed."
    assert signed_by(signed) == (NoteStatus.SIGNED, therapist.pk, now, now)


def test_an_incomplete_draft_names_every_empty_section(
    client, therapist, password, now
):
    draft = SessionNoteFactory(client=client, assessment=" ", plan="")
    with pytest.raises(services.NoteRefused) as refused:
        services.note_sign(actor=therapist, note=draft, password=password, now=now)
    assert str(refused.value) == (
        "Write every section before signing. Empty: Assessment, Plan."
    )
    assert signed_by(draft) == (NoteStatus.DRAFT, None, None, SESSION_AT)


def test_an_empty_password_signs_nothing(draft, therapist, now):
    with pytest.raises(services.WrongPassword):
        services.note_sign(actor=therapist, note=draft, password="", now=now)
    assert signed_by(draft) == (NoteStatus.DRAFT, None, None, SESSION_AT)
    assert not AuditEvent.objects.filter(action="sign").exists()


# --- co-signing ------------------------------------------------------------


def cosigned(note: SessionNote):
    note = SessionNote.objects.get(pk=note.pk)
    return (note.status, note.cosigned_by_id, note.cosigned_at, note.updated_at)


def test_a_cosignature_stores_who_and_when_and_is_audited(
    awaiting, supervisor, therapist, password, now
):
    later = now + dt.timedelta(hours=2)
    services.note_cosign(actor=supervisor, note=awaiting, password=password, now=later)
    assert cosigned(awaiting) == (NoteStatus.COSIGNED, supervisor.pk, later, later)
    # The author's signature stays as it was.
    assert signed_by(awaiting)[1:3] == (therapist.pk, now)
    assert events("notes.sessionnote") == [
        ("sign", therapist.pk, awaiting.pk, awaiting.client_id),
        ("sign", supervisor.pk, awaiting.pk, awaiting.client_id),
    ]


def test_a_note_not_awaiting_cosignature_is_refused_with_a_reason(
    signed, supervisor, password, now
):
    with pytest.raises(services.NoteRefused) as refused:
        services.note_cosign(actor=supervisor, note=signed, password=password, now=now)
    assert str(refused.value) == "This note is not awaiting co-signature."
    assert cosigned(signed) == (NoteStatus.SIGNED, None, None, now)


def test_a_cosignature_needs_a_password(awaiting, supervisor, now):
    with pytest.raises(services.WrongPassword):
        services.note_cosign(actor=supervisor, note=awaiting, password="", now=now)
    assert cosigned(awaiting) == (NoteStatus.AWAITING_COSIGN, None, None, now)


# --- returning -------------------------------------------------------------


def test_a_return_clears_the_signature_keeps_the_comment_and_is_audited(
    awaiting, supervisor, therapist, now
):
    later = now + dt.timedelta(hours=1)
    returned = services.note_return(
        actor=supervisor, note=awaiting, comment="  Add the risk review.\n", now=later
    )
    kept = NoteReturn.objects.get(pk=returned.pk)
    assert (kept.note_id, kept.returned_by_id, kept.returned_at, kept.comment) == (
        awaiting.pk,
        supervisor.pk,
        later,
        "Add the risk review.",
    )
    note = SessionNote.objects.get(pk=awaiting.pk)
    assert (note.status, note.signed_by_id, note.signed_at, note.content_sha256) == (
        NoteStatus.DRAFT,
        None,
        None,
        "",
    )
    assert note.updated_at == later
    assert events("notes.notereturn") == [("create", supervisor.pk, kept.pk, None)]
    assert events("notes.sessionnote")[-1] == (
        "update",
        supervisor.pk,
        awaiting.pk,
        awaiting.client_id,
    )


def test_a_refused_return_says_why(signed, supervisor, now):
    with pytest.raises(services.NoteRefused) as refused:
        services.note_return(actor=supervisor, note=signed, comment="No.", now=now)
    assert str(refused.value) == "Only a note awaiting co-signature can be returned."


# --- addenda ---------------------------------------------------------------


def test_an_addendum_is_stored_trimmed_signed_over_the_note_and_audited(
    signed, therapist, password, now
):
    later = now + dt.timedelta(days=1)
    addendum = services.addendum_add(
        actor=therapist,
        note=signed,
        text="  Late entry.  ",
        password=password,
        now=later,
    )
    kept = Addendum.objects.get(pk=addendum.pk)
    assert (kept.note_id, kept.author_id, kept.written_at, kept.text) == (
        signed.pk,
        therapist.pk,
        later,
        "Late entry.",
    )
    assert kept.content_sha256 == addendum_digest(
        kept, note_sha256=signed.content_sha256
    )
    assert events("notes.addendum") == [
        ("sign", therapist.pk, kept.pk, signed.client_id)
    ]


def test_an_addendum_on_a_draft_points_to_the_draft(draft, therapist, password, now):
    with pytest.raises(services.NoteRefused) as refused:
        services.addendum_add(
            actor=therapist, note=draft, text="x", password=password, now=now
        )
    assert str(refused.value) == (
        "Addenda go under a signed note. Edit the draft instead."
    )


def test_an_addendum_on_an_awaiting_note_points_to_the_return(
    awaiting, therapist, password, now
):
    with pytest.raises(services.NoteRefused) as refused:
        services.addendum_add(
            actor=therapist, note=awaiting, text="x", password=password, now=now
        )
    assert str(refused.value) == (
        "This note is awaiting co-signature: ask for it to be returned "
        "if it needs changes."
    )


def test_an_addendum_by_someone_else_is_refused_and_logged(
    signed, supervisor, password, now, caplog
):
    caplog.set_level(logging.WARNING, logger="between.access")
    with pytest.raises(PermissionDenied):
        services.addendum_add(
            actor=supervisor, note=signed, text="x", password=password, now=now
        )
    assert [r.getMessage() for r in caplog.records if r.name == "between.access"] == [
        f"access denied status=403 user={supervisor.pk} object=addendum id={signed.pk}"
    ]
    assert not Addendum.objects.exists()


def test_an_addendum_needs_a_password(signed, therapist, now):
    with pytest.raises(services.WrongPassword):
        services.addendum_add(
            actor=therapist, note=signed, text="x", password="", now=now
        )
    assert not Addendum.objects.exists()
