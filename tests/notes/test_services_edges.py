"""The note services at their edges: who counts as author and supervisor, the
exact refusals shown to users, what each write records, and which agenda
items a note takes."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from clinic import access
from clinic.models import AuditEvent, Membership, Role
from clinic.refusals import Refused
from notes import agenda, services
from notes.models import NotePreference, NoteStatus, ProcessNote, Reflection
from notes.signature_hashes import text_digest
from tests.factories import ClientFactory, MembershipFactory, SupervisionFactory
from tests.notes.factories import ReflectionFactory, SessionNoteFactory

DAP = {
    "session_at": dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC),
    "duration_minutes": 50,
    "modality": "video",
    "attendance": "attended",
    "format": "dap",
    "data": "Talked about the week.",
    "assessment": "Steady.",
    "plan": "Continue.",
}


def denials(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "between.access"]


# --- messages shown to users ----------------------------------------------


def test_a_wrong_password_says_so_and_that_nothing_was_signed(draft, therapist, now):
    with pytest.raises(services.WrongPassword) as refused:
        services.note_sign(actor=therapist, note=draft, password="wrong", now=now)
    assert str(refused.value) == "The password is not correct. Nothing was signed."


def test_a_wrong_password_is_about_the_password_field(draft, therapist, now):
    with pytest.raises(services.WrongPassword) as refused:
        services.note_sign(actor=therapist, note=draft, password="", now=now)
    assert refused.value.field == "password"


@pytest.mark.parametrize(
    "refusal",
    [
        services.NoteRefused("Refused."),
        services.WrongPassword(),
        services.NoteLocked(),
        services.ReflectionKept(),
        agenda.SignedNoteRefused("Refused."),
    ],
    ids=lambda refusal: type(refusal).__name__,
)
def test_every_refusal_of_the_notes_is_shown_the_one_way(refusal):
    assert isinstance(refusal, Refused)
    assert refusal.message == str(refusal)


def test_editing_a_signed_note_points_to_the_addendum(signed, therapist, now):
    with pytest.raises(services.NoteLocked) as refused:
        services.note_update(
            actor=therapist, note=signed, values=DAP, discussed_keys=[], now=now
        )
    assert str(refused.value) == (
        "This note is signed and locked. Add an addendum to correct or extend it."
    )


# --- sections -------------------------------------------------------------


def test_a_section_left_out_of_the_form_is_stored_empty(client, therapist, now):
    note = services.note_create(
        actor=therapist,
        client=client,
        values={**DAP, "plan": None, "assessment": ""},
        discussed_keys=[],
        now=now,
    )
    note.refresh_from_db()
    assert (note.data, note.assessment, note.plan) == ("Talked about the week.", "", "")


# --- the author after a handover ------------------------------------------


@pytest.fixture
def handed_over(client, other_therapist):
    """``client`` now sees ``other_therapist``; ``therapist`` wrote the draft."""
    client.therapist = other_therapist
    client.save()
    return client


def test_the_new_therapist_may_not_sign_the_former_therapists_draft(
    draft, handed_over, other_therapist, password, now, caplog
):
    caplog.set_level(logging.WARNING, logger="between.access")
    with pytest.raises(PermissionDenied):
        services.note_sign(
            actor=other_therapist, note=draft, password=password, now=now
        )
    assert denials(caplog) == [
        f"access denied status=403 user={other_therapist.pk} "
        f"object=session-note id={draft.pk}"
    ]
    draft.refresh_from_db()
    assert draft.status == NoteStatus.DRAFT


def test_the_new_therapist_may_not_edit_the_former_therapists_draft(
    draft, handed_over, other_therapist, now
):
    with pytest.raises(PermissionDenied):
        services.note_update(
            actor=other_therapist, note=draft, values=DAP, discussed_keys=[], now=now
        )
    draft.refresh_from_db()
    assert draft.format == "soap"


def test_the_new_therapists_supervisor_may_not_cosign_the_former_therapists_note(
    awaiting, handed_over, unrelated_supervisor, password, now, caplog
):
    """They read the client through their supervisee, but did not supervise
    the note's author."""
    caplog.set_level(logging.WARNING, logger="between.access")
    for write in (
        lambda: services.note_cosign(
            actor=unrelated_supervisor, note=awaiting, password=password, now=now
        ),
        lambda: services.note_return(
            actor=unrelated_supervisor, note=awaiting, comment="No.", now=now
        ),
    ):
        with pytest.raises(PermissionDenied):
            write()
    assert denials(caplog) == 2 * [
        f"access denied status=403 user={unrelated_supervisor.pk} "
        f"object=session-note-cosign id={awaiting.pk}"
    ]
    awaiting.refresh_from_db()
    assert awaiting.status == NoteStatus.AWAITING_COSIGN


# --- who is a current supervisor ------------------------------------------


def current(actor, supervisee, clinic, now) -> bool:
    return access.is_current_supervisor(
        actor, supervisee_id=supervisee.pk, clinic_id=clinic.pk, on=now.date()
    )


def test_a_supervisor_supervises_only_their_own_supervisees(
    clinic, supervisor, unrelated_supervisor, therapist, other_therapist, now
):
    assert current(supervisor, therapist, clinic, now) is True
    assert current(unrelated_supervisor, therapist, clinic, now) is False
    assert current(supervisor, other_therapist, clinic, now) is False


def test_a_link_without_the_supervisor_role_does_not_count(
    clinic, therapist, other_therapist, now
):
    SupervisionFactory(
        clinic=clinic,
        supervisor=other_therapist,
        supervisee=therapist,
        started_on=dt.date(2024, 1, 1),
    )
    assert current(other_therapist, therapist, clinic, now) is False


def test_a_link_counts_in_its_own_clinic_only(
    clinic, other_clinic, supervisor, other_therapist, now
):
    MembershipFactory(user=supervisor, clinic=other_clinic, role=Role.SUPERVISOR)
    MembershipFactory(user=other_therapist, clinic=other_clinic, role=Role.THERAPIST)
    SupervisionFactory(
        clinic=other_clinic,
        supervisor=supervisor,
        supervisee=other_therapist,
        started_on=dt.date(2024, 1, 1),
    )
    assert current(supervisor, other_therapist, other_clinic, now) is True
    assert current(supervisor, other_therapist, clinic, now) is False


# --- when a signature needs a co-signature --------------------------------


def test_a_supervised_therapist_who_is_no_trainee_signs_finally(
    draft, supervisor, therapist, password, now
):
    note = services.note_sign(actor=therapist, note=draft, password=password, now=now)
    assert note.status == NoteStatus.SIGNED


def test_a_trainee_whose_supervisor_lost_the_role_still_waits_for_a_cosignature(
    clinic, trainee_link, draft, supervisor, therapist, password, now
):
    """The obligation is the trainee's: the note waits for the supervisor the
    clinic names next instead of becoming final unsupervised."""
    Membership.objects.filter(
        user=supervisor, clinic=clinic, role=Role.SUPERVISOR
    ).delete()
    note = services.note_sign(actor=therapist, note=draft, password=password, now=now)
    assert note.status == NoteStatus.AWAITING_COSIGN


def test_a_trainee_whose_link_is_in_force_waits_for_the_cosignature(
    trainee_link, draft, therapist, password, now
):
    note = services.note_sign(actor=therapist, note=draft, password=password, now=now)
    assert note.status == NoteStatus.AWAITING_COSIGN


def test_another_trainee_of_the_same_supervisor_does_not_make_a_note_need_cosigning(
    clinic, draft, supervisor, therapist, other_therapist, password, now
):
    SupervisionFactory(
        clinic=clinic,
        supervisor=supervisor,
        supervisee=other_therapist,
        started_on=dt.date(2024, 1, 1),
        cosign_required=True,
    )
    note = services.note_sign(actor=therapist, note=draft, password=password, now=now)
    assert note.status == NoteStatus.SIGNED


def test_being_a_trainee_in_another_clinic_does_not_make_a_note_need_cosigning(
    other_clinic, draft, therapist, outsider, password, now
):
    SupervisionFactory(
        clinic=other_clinic,
        supervisor=outsider,
        supervisee=therapist,
        started_on=dt.date(2024, 1, 1),
        cosign_required=True,
    )
    note = services.note_sign(actor=therapist, note=draft, password=password, now=now)
    assert note.status == NoteStatus.SIGNED


# --- who may add an addendum ----------------------------------------------


def test_only_the_author_or_cosigner_of_a_final_note_may_add_an_addendum(
    client, therapist, supervisor, other_therapist
):
    def allowed(actor, status, cosigned_by=None) -> bool:
        note = SessionNoteFactory.build(
            client=client, status=status, cosigned_by=cosigned_by
        )
        return services.can_add_addendum(actor=actor, note=note)

    assert allowed(therapist, NoteStatus.SIGNED) is True
    assert allowed(therapist, NoteStatus.COSIGNED, supervisor) is True
    assert allowed(supervisor, NoteStatus.COSIGNED, supervisor) is True
    assert allowed(other_therapist, NoteStatus.SIGNED) is False
    assert allowed(supervisor, NoteStatus.SIGNED) is False
    assert allowed(therapist, NoteStatus.DRAFT) is False
    assert allowed(therapist, NoteStatus.AWAITING_COSIGN) is False
    assert allowed(other_therapist, NoteStatus.DRAFT) is False


# --- preferences ----------------------------------------------------------


def test_setting_a_preference_records_its_creation_then_its_changes(therapist, now):
    services.note_preference_set(actor=therapist, default_format="birp", now=now)
    later = now + dt.timedelta(minutes=5)
    services.note_preference_set(actor=therapist, default_format="dap", now=later)
    preference = NotePreference.objects.get(user=therapist)
    assert preference.default_format == "dap"
    # The events' time is the database's own; their order is the chain's.
    events = AuditEvent.objects.filter(object_type="notes.notepreference").order_by(
        "seq"
    )
    assert [(e.action, e.actor_id, e.object_id) for e in events] == [
        ("create", therapist.pk, preference.pk),
        ("update", therapist.pk, preference.pk),
    ]


# --- reflections brought into a note --------------------------------------


def test_a_note_takes_only_the_named_open_reflections_of_its_own_client(
    client, clinic, therapist, draft
):
    wanted = ReflectionFactory(client=client)
    not_named = ReflectionFactory(client=client)
    not_for_sessions = ReflectionFactory(client=client, bring_to_next_session=False)
    earlier = SessionNoteFactory(client=client)
    already_brought = ReflectionFactory(client=client, brought_in=earlier)
    elsewhere = ReflectionFactory(
        client=ClientFactory(clinic=clinic, therapist=therapist)
    )
    draft.updated_at = draft.updated_at + dt.timedelta(hours=1)
    draft.save()

    count = services.reflections_mark_brought(
        note=draft,
        ids=[wanted.pk, not_for_sessions.pk, already_brought.pk, elsewhere.pk],
    )

    assert count == 1
    brought = dict(Reflection.objects.values_list("pk", "brought_in_id"))
    assert brought == {
        wanted.pk: draft.pk,
        not_named.pk: None,
        not_for_sessions.pk: None,
        already_brought.pk: earlier.pk,
        elsewhere.pk: None,
    }
    events = AuditEvent.objects.filter(object_type="notes.reflection")
    assert [(e.action, e.actor_id, e.object_id, e.client_id) for e in events] == [
        ("update", therapist.pk, wanted.pk, client.pk)
    ]


# --- process notes and reflections ----------------------------------------


def test_a_process_note_is_stored_trimmed_with_its_digest_and_audited(
    client, therapist, now
):
    note = services.process_note_create(
        actor=therapist, client=client, text="  First thoughts.\n", now=now
    )
    kept = ProcessNote.objects.get(pk=note.pk)
    assert (kept.author_id, kept.written_at, kept.updated_at, kept.text) == (
        therapist.pk,
        now,
        now,
        "First thoughts.",
    )
    assert kept.text_sha256 == text_digest("First thoughts.")
    later = now + dt.timedelta(hours=1)
    services.process_note_update(
        actor=therapist, note=kept, text=" Second thoughts. ", now=later
    )
    kept.refresh_from_db()
    assert (kept.written_at, kept.updated_at, kept.text) == (
        now,
        later,
        "Second thoughts.",
    )
    assert kept.text_sha256 == text_digest("Second thoughts.")
    assert [
        (e.action, e.actor_id, e.object_id, e.client_id)
        for e in AuditEvent.objects.filter(object_type="notes.processnote").order_by(
            "seq"
        )
    ] == [
        ("create", therapist.pk, kept.pk, client.pk),
        ("update", therapist.pk, kept.pk, client.pk),
    ]


def test_nobody_else_finds_a_process_note_to_edit(
    process_note, handed_over, other_therapist, now, caplog
):
    caplog.set_level(logging.WARNING, logger="between.access")
    with pytest.raises(Http404):
        services.process_note_update(
            actor=other_therapist, note=process_note, text="Mine now.", now=now
        )
    assert denials(caplog) == [
        f"access denied status=404 user={other_therapist.pk} "
        f"object=process-note id={process_note.pk}"
    ]
    process_note.refresh_from_db()
    assert process_note.text.startswith("PRIVATE-PROCESS-TEXT")


def test_a_reflection_is_stored_trimmed_and_its_edits_audited(client, therapist, now):
    reflection = services.reflection_create(
        actor=therapist,
        client=client,
        text=" Bring up the letter. ",
        bring_to_next_session=True,
        now=now,
    )
    kept = Reflection.objects.get(pk=reflection.pk)
    assert (kept.author_id, kept.written_at, kept.text, kept.bring_to_next_session) == (
        therapist.pk,
        now,
        "Bring up the letter.",
        True,
    )
    later = now + dt.timedelta(hours=1)
    services.reflection_update(
        actor=therapist,
        reflection=kept,
        text=" Leave the letter. ",
        bring_to_next_session=False,
        now=later,
    )
    kept.refresh_from_db()
    assert (kept.written_at, kept.text, kept.bring_to_next_session) == (
        now,
        "Leave the letter.",
        False,
    )
    assert [
        (e.action, e.actor_id, e.object_id, e.client_id)
        for e in AuditEvent.objects.filter(object_type="notes.reflection").order_by(
            "seq"
        )
    ] == [
        ("create", therapist.pk, kept.pk, client.pk),
        ("update", therapist.pk, kept.pk, client.pk),
    ]


def test_a_reflection_brought_in_says_it_is_kept(client, therapist, now):
    reflection = ReflectionFactory(
        client=client, brought_in=SessionNoteFactory(client=client)
    )
    with pytest.raises(services.NoteRefused) as refused:
        services.reflection_update(
            actor=therapist,
            reflection=reflection,
            text="new",
            bring_to_next_session=True,
            now=now,
        )
    assert str(refused.value) == (
        "This reflection was brought into a session and is kept as it was."
    )


def test_the_new_therapist_may_not_edit_the_former_therapists_reflection(
    reflection, handed_over, other_therapist, now, caplog
):
    caplog.set_level(logging.WARNING, logger="between.access")
    with pytest.raises(PermissionDenied):
        services.reflection_update(
            actor=other_therapist,
            reflection=reflection,
            text="Mine now.",
            bring_to_next_session=False,
            now=now,
        )
    assert denials(caplog) == [
        f"access denied status=403 user={other_therapist.pk} "
        f"object=reflection id={reflection.pk}"
    ]


def test_a_supervisor_who_reads_the_client_is_told_no_rather_than_not_found(
    client, supervisor, process_note, reflection, now
):
    """The supervisor knows the client through their supervisee, so a
    write is refused as forbidden, not hidden as missing."""
    for write in (
        lambda: services.process_note_create(
            actor=supervisor, client=client, text="Mine.", now=now
        ),
        lambda: services.reflection_create(
            actor=supervisor,
            client=client,
            text="Mine.",
            bring_to_next_session=False,
            now=now,
        ),
        lambda: services.reflection_update(
            actor=supervisor,
            reflection=reflection,
            text="Mine.",
            bring_to_next_session=False,
            now=now,
        ),
    ):
        with pytest.raises(PermissionDenied):
            write()
    process_note.author = supervisor
    process_note.save()
    with pytest.raises(PermissionDenied):
        services.process_note_update(
            actor=supervisor, note=process_note, text="Mine.", now=now
        )
