"""The database itself refuses to change a signed note: triggers and
constraints, tested with raw SQL and bulk updates that bypass the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction

from notes.models import Addendum, NoteFormat, NoteStatus, SessionNote
from notes.signature_hashes import addendum_digest
from tests.notes.factories import SessionNoteFactory

# A trigger's RAISE EXCEPTION reaches Django as ProgrammingError.
REFUSED = ProgrammingError


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_raw_update_of_a_signed_notes_content_raises_at_the_database(signed):
    with pytest.raises(REFUSED):
        _raw(
            "UPDATE notes_sessionnote SET plan = %s WHERE id = %s",
            ["rewritten", signed.pk],
        )
    signed.refresh_from_db()
    assert signed.plan == "Continue weekly."


def test_a_bulk_queryset_update_of_a_signed_note_raises(signed):
    with pytest.raises(REFUSED), transaction.atomic():
        SessionNote.objects.filter(pk=signed.pk).update(
            session_at=signed.session_at + dt.timedelta(hours=1)
        )
    with pytest.raises(REFUSED), transaction.atomic():
        SessionNote.objects.filter(pk=signed.pk).update(content_sha256="0" * 64)
    with pytest.raises(REFUSED), transaction.atomic():
        SessionNote.objects.filter(pk=signed.pk).update(signed_at=signed.signed_at)
        SessionNote.objects.filter(pk=signed.pk).update(
            signed_at=signed.signed_at + dt.timedelta(seconds=1)
        )


def test_a_draft_can_still_be_updated_in_bulk(draft):
    SessionNote.objects.filter(pk=draft.pk).update(plan="New plan.")
    draft.refresh_from_db()
    assert draft.plan == "New plan."


def test_a_signed_note_cannot_be_deleted(signed):
    with pytest.raises(REFUSED), transaction.atomic():
        SessionNote.objects.filter(pk=signed.pk).delete()
    assert SessionNote.objects.filter(pk=signed.pk).exists()


def test_a_signed_note_without_cosignature_cannot_be_reopened_at_the_database(signed):
    """Only a note awaiting co-signature may have its signature cleared."""
    assert signed.status == NoteStatus.SIGNED
    with pytest.raises(REFUSED), transaction.atomic():
        SessionNote.objects.filter(pk=signed.pk).update(
            signed_at=None, signed_by=None, content_sha256="", status="draft"
        )


def test_the_database_lets_an_awaiting_note_lose_its_whole_signature(awaiting):
    SessionNote.objects.filter(pk=awaiting.pk).update(
        signed_at=None, signed_by=None, content_sha256="", status="draft"
    )
    awaiting.refresh_from_db()
    assert awaiting.status == NoteStatus.DRAFT


def test_clearing_the_signature_cannot_smuggle_a_content_change(awaiting):
    with pytest.raises(REFUSED), transaction.atomic():
        SessionNote.objects.filter(pk=awaiting.pk).update(
            signed_at=None,
            signed_by=None,
            content_sha256="",
            status="draft",
            plan="changed on the way out",
        )


def test_a_partial_signature_clear_is_refused(awaiting):
    with pytest.raises(REFUSED), transaction.atomic():
        SessionNote.objects.filter(pk=awaiting.pk).update(
            signed_at=None, signed_by=None, content_sha256="", status="signed"
        )


def test_a_cosigned_note_keeps_its_signatures_forever(awaiting, supervisor, now):
    SessionNote.objects.filter(pk=awaiting.pk).update(
        cosigned_at=now, cosigned_by=supervisor, status="cosigned"
    )
    with pytest.raises(REFUSED), transaction.atomic():
        SessionNote.objects.filter(pk=awaiting.pk).update(
            signed_at=None,
            signed_by=None,
            content_sha256="",
            status="draft",
            cosigned_at=None,
            cosigned_by=None,
        )
    with pytest.raises(REFUSED), transaction.atomic():
        SessionNote.objects.filter(pk=awaiting.pk).update(
            cosigned_at=now + dt.timedelta(days=1)
        )


def test_a_note_that_needs_no_cosignature_cannot_be_cosigned_in_sql(
    signed, supervisor, now
):
    with pytest.raises(REFUSED), transaction.atomic():
        SessionNote.objects.filter(pk=signed.pk).update(
            cosigned_at=now, cosigned_by=supervisor, status="cosigned"
        )


def test_a_note_holds_only_its_formats_sections(client):
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionNoteFactory(client=client, format=NoteFormat.DAP, data="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionNoteFactory(
            client=client,
            format=NoteFormat.FREE,
            subjective="",
            objective="",
            assessment="",
            plan="",
            free_text="text",
            behaviour="leftover",
        )


def test_a_signed_note_must_have_every_section_of_its_format(client, therapist, now):
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionNoteFactory(
            client=client,
            objective="",
            status=NoteStatus.SIGNED,
            signed_at=now,
            signed_by=therapist,
            content_sha256="a" * 64,
        )


def test_a_signature_needs_its_hash_and_signer(client, now):
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionNoteFactory(client=client, status=NoteStatus.SIGNED, signed_at=now)


def test_addenda_are_append_only_at_the_database(signed, therapist, now):
    addendum = Addendum(note=signed, author=therapist, written_at=now, text="Late.")
    addendum.content_sha256 = addendum_digest(
        addendum, note_sha256=signed.content_sha256
    )
    addendum.save()
    with pytest.raises(REFUSED), transaction.atomic():
        Addendum.objects.filter(pk=addendum.pk).update(text="Changed.")
    with pytest.raises(REFUSED), transaction.atomic():
        Addendum.objects.filter(pk=addendum.pk).delete()


def test_the_database_refuses_an_addendum_on_a_draft(draft, therapist, now):
    with pytest.raises(REFUSED), transaction.atomic():
        Addendum.objects.create(
            note=draft,
            author=therapist,
            written_at=now,
            text="Sneaky.",
            content_sha256="b" * 64,
        )


def test_a_reflection_cannot_be_linked_to_a_signed_note_in_sql(signed, reflection):
    with pytest.raises(REFUSED), transaction.atomic():
        type(reflection).objects.filter(pk=reflection.pk).update(brought_in=signed)


def test_a_reflection_brought_into_a_draft_stays_once_it_is_signed(
    draft, reflection, therapist, password, now
):
    from notes import services

    type(reflection).objects.filter(pk=reflection.pk).update(brought_in=draft)
    services.note_sign(actor=therapist, note=draft, password=password, now=now)
    with pytest.raises(REFUSED), transaction.atomic():
        type(reflection).objects.filter(pk=reflection.pk).update(brought_in=None)
