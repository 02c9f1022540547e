"""Signing, locking, addenda, co-signature and the agenda, through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from clinic.models import AuditEvent
from notes import agenda, selectors, services
from notes.models import Addendum, NoteReturn, NoteStatus, Reflection, SessionNote
from notes.signature_hashes import note_digest
from tests.database_roles import as_database_owner
from tests.notes.factories import ReflectionFactory, SessionNoteFactory

VALUES = {
    "session_at": dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC),
    "duration_minutes": 50,
    "modality": "video",
    "attendance": "attended",
    "format": "dap",
    "data": "Talked about the week.",
    "assessment": "Steady.",
    "plan": "Continue.",
    "risk_level": "none",
}


def test_a_therapist_writes_a_draft_in_the_chosen_format(client, therapist, now):
    note = services.note_create(
        actor=therapist, client=client, values=VALUES, discussed_keys=[], now=now
    )
    assert note.status == NoteStatus.DRAFT
    assert [name for name, _, _ in note.sections] == ["data", "assessment", "plan"]
    assert AuditEvent.objects.filter(
        action="create", object_type="notes.sessionnote", object_id=note.pk
    ).exists()


def test_switching_a_drafts_format_blanks_the_other_sections(draft, therapist, now):
    note = services.note_update(
        actor=therapist,
        note=draft,
        values={**VALUES, "subjective": "ignored"},
        discussed_keys=[],
        now=now,
    )
    note.refresh_from_db()
    assert note.format == "dap"
    assert note.subjective == ""
    assert note.objective == ""


def test_signing_stamps_the_signature_and_a_stable_hash(signed, therapist):
    assert signed.status == NoteStatus.SIGNED
    assert signed.signed_by == therapist
    assert len(signed.content_sha256) == 64
    fresh = SessionNote.objects.get(pk=signed.pk)
    assert note_digest(fresh) == signed.content_sha256
    assert selectors.note_hash_matches(fresh) is True
    assert AuditEvent.objects.filter(action="sign", object_id=signed.pk).exists()


def test_the_hash_covers_the_content(signed):
    signed.plan = "Something else."
    assert note_digest(signed) != signed.content_sha256


def test_a_hash_mismatch_is_reported_on_read_not_hidden(signed):
    with as_database_owner("notes_sessionnote"):
        SessionNote.objects.filter(pk=signed.pk).update(plan="Tampered.")
    fresh = SessionNote.objects.get(pk=signed.pk)
    integrity = selectors.note_integrity(fresh, [])
    assert integrity.note_ok is False
    assert not integrity.ok


def test_signing_with_a_wrong_password_changes_nothing(draft, therapist, now):
    with pytest.raises(services.WrongPassword):
        services.note_sign(actor=therapist, note=draft, password="nope", now=now)
    draft.refresh_from_db()
    assert draft.status == NoteStatus.DRAFT
    assert draft.signed_at is None


def test_an_incomplete_draft_cannot_be_signed(draft, therapist, password, now):
    SessionNote.objects.filter(pk=draft.pk).update(objective="")
    with pytest.raises(services.NoteRefused, match="Objective"):
        services.note_sign(actor=therapist, note=draft, password=password, now=now)


def test_the_service_refuses_to_edit_a_signed_note(signed, therapist, now):
    with pytest.raises(services.NoteLocked):
        services.note_update(
            actor=therapist, note=signed, values=VALUES, discussed_keys=[], now=now
        )
    signed.refresh_from_db()
    assert signed.format == "soap"


def test_only_the_author_signs(draft, supervisor, password, now):
    with pytest.raises(PermissionDenied):
        services.note_sign(actor=supervisor, note=draft, password=password, now=now)


def test_a_note_for_a_client_outside_the_caseload_is_404(
    client, other_therapist, outsider, now
):
    for stranger in (other_therapist, outsider):
        with pytest.raises(Http404):
            services.note_create(
                actor=stranger, client=client, values=VALUES, discussed_keys=[], now=now
            )
    assert not SessionNote.objects.exists()


def _addendum(note, actor, password, at, text="Late entry."):
    return services.addendum_add(
        actor=actor, note=note, text=text, password=password, now=at
    )


def test_addenda_are_signed_and_shown_in_order(signed, therapist, password, now):
    second = _addendum(signed, therapist, password, now + dt.timedelta(days=2), "B")
    first = _addendum(signed, therapist, password, now + dt.timedelta(days=1), "A")
    addenda = selectors.addenda_of(note=signed)
    assert [a.pk for a in addenda] == [first.pk, second.pk]
    assert selectors.note_integrity(signed, addenda).ok
    signed.refresh_from_db()
    assert signed.plan == "Continue weekly."


def test_an_addendum_on_a_draft_is_refused(draft, therapist, password, now):
    with pytest.raises(services.NoteRefused, match="signed note"):
        _addendum(draft, therapist, password, now)
    assert not Addendum.objects.exists()


def test_an_addendum_needs_the_password(signed, therapist, now):
    with pytest.raises(services.WrongPassword):
        _addendum(signed, therapist, "wrong", now)
    assert not Addendum.objects.exists()


def test_nobody_but_the_author_or_cosigner_adds_an_addendum(
    signed, supervisor, password, now
):
    with pytest.raises(PermissionDenied):
        _addendum(signed, supervisor, password, now)


def test_a_trainees_signed_note_awaits_cosignature(awaiting, supervisor, now):
    assert awaiting.status == NoteStatus.AWAITING_COSIGN
    queue = list(selectors.cosign_queue(actor=supervisor, on=now.date()))
    assert queue == [awaiting]


def test_the_supervisor_cosigns_with_the_password(awaiting, supervisor, password, now):
    note = services.note_cosign(
        actor=supervisor, note=awaiting, password=password, now=now
    )
    assert note.status == NoteStatus.COSIGNED
    assert note.cosigned_by == supervisor
    assert not list(selectors.cosign_queue(actor=supervisor, on=now.date()))
    assert selectors.note_hash_matches(SessionNote.objects.get(pk=note.pk))


def test_a_cosignature_with_a_wrong_password_changes_nothing(awaiting, supervisor, now):
    with pytest.raises(services.WrongPassword):
        services.note_cosign(actor=supervisor, note=awaiting, password="x", now=now)
    awaiting.refresh_from_db()
    assert awaiting.status == NoteStatus.AWAITING_COSIGN


def test_someone_who_is_not_the_current_supervisor_cannot_cosign(
    awaiting, unrelated_supervisor, other_therapist, trainee_link, password, now
):
    for stranger in (unrelated_supervisor, other_therapist):
        with pytest.raises(Http404):
            services.note_cosign(
                actor=stranger, note=awaiting, password=password, now=now
            )
    trainee_link.ended_on = now.date() - dt.timedelta(days=1)
    trainee_link.save()
    with pytest.raises(Http404):
        services.note_cosign(
            actor=trainee_link.supervisor, note=awaiting, password=password, now=now
        )
    awaiting.refresh_from_db()
    assert awaiting.status == NoteStatus.AWAITING_COSIGN


def test_the_author_cannot_cosign_their_own_note(awaiting, therapist, password, now):
    with pytest.raises(PermissionDenied):
        services.note_cosign(actor=therapist, note=awaiting, password=password, now=now)


def test_a_returned_note_goes_back_to_draft_and_the_return_is_kept(
    awaiting, supervisor, therapist, password, now
):
    services.note_return(
        actor=supervisor, note=awaiting, comment="Add the risk review.", now=now
    )
    awaiting.refresh_from_db()
    assert awaiting.status == NoteStatus.DRAFT
    assert awaiting.signed_at is None
    assert awaiting.content_sha256 == ""
    returned = NoteReturn.objects.get(note=awaiting)
    assert returned.returned_by == supervisor
    # The trainee revises and signs again; it is back in the queue.
    services.note_update(
        actor=therapist,
        note=awaiting,
        values={**VALUES, "format": "soap", "subjective": "S", "objective": "O"},
        discussed_keys=[],
        now=now,
    )
    again = services.note_sign(
        actor=therapist, note=awaiting, password=password, now=now
    )
    assert again.status == NoteStatus.AWAITING_COSIGN


def test_a_cosigned_note_cannot_be_returned(awaiting, supervisor, password, now):
    services.note_cosign(actor=supervisor, note=awaiting, password=password, now=now)
    with pytest.raises(services.NoteRefused):
        services.note_return(actor=supervisor, note=awaiting, comment="Late.", now=now)
    assert not NoteReturn.objects.exists()


def test_a_note_that_needed_no_cosignature_cannot_be_returned(signed, supervisor, now):
    with pytest.raises(services.NoteRefused):
        services.note_return(actor=supervisor, note=signed, comment="No.", now=now)


def test_the_cosigning_supervisor_may_add_an_addendum(
    awaiting, supervisor, password, now
):
    services.note_cosign(actor=supervisor, note=awaiting, password=password, now=now)
    addendum = _addendum(
        awaiting, supervisor, password, now, "Reviewed in supervision."
    )
    assert addendum.author == supervisor


def test_an_awaiting_note_takes_no_addendum(awaiting, therapist, password, now):
    with pytest.raises(services.NoteRefused, match="awaiting"):
        _addendum(awaiting, therapist, password, now)


def test_reflections_for_the_next_session_are_on_the_agenda_until_brought_in(
    client, therapist, now
):
    bring = ReflectionFactory(client=client)
    ReflectionFactory(client=client, bring_to_next_session=False)
    items = selectors.agenda_of(client=client)
    assert [item.key for item in items] == [f"reflection:{bring.pk}"]
    note = services.note_create(
        actor=therapist,
        client=client,
        values=VALUES,
        discussed_keys=[f"reflection:{bring.pk}"],
        now=now,
    )
    bring.refresh_from_db()
    assert bring.brought_in == note
    assert selectors.agenda_of(client=client) == []


def test_agenda_keys_of_another_client_are_ignored(client, therapist, clinic, now):
    from tests.factories import ClientFactory

    elsewhere = ReflectionFactory(
        client=ClientFactory(clinic=clinic, therapist=therapist)
    )
    services.note_create(
        actor=therapist,
        client=client,
        values=VALUES,
        discussed_keys=[f"reflection:{elsewhere.pk}"],
        now=now,
    )
    elsewhere.refresh_from_db()
    assert elsewhere.brought_in is None


def test_nothing_attaches_to_a_signed_note_through_the_agenda(signed, reflection):
    with pytest.raises(agenda.SignedNoteRefused):
        agenda.agenda_mark_discussed(note=signed, keys=[f"reflection:{reflection.pk}"])
    reflection.refresh_from_db()
    assert reflection.brought_in is None


def test_a_reflection_brought_in_is_kept_as_it_was(client, therapist, now):
    reflection = ReflectionFactory(
        client=client, brought_in=SessionNoteFactory(client=client)
    )
    with pytest.raises(services.NoteRefused):
        services.reflection_update(
            actor=therapist,
            reflection=reflection,
            text="new",
            bring_to_next_session=True,
            now=now,
        )
    assert Reflection.objects.get(pk=reflection.pk).text == reflection.text


def test_the_default_format_is_remembered(therapist, now):
    services.note_preference_set(actor=therapist, default_format="birp", now=now)
    assert selectors.default_format_of(user=therapist) == "birp"
