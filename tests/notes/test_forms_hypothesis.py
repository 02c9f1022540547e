"""Submissions drawn from every notes form's own fields, about half of them
valid: a valid one is saved exactly as submitted, with its audit event; any
other comes back with the form's errors and writes nothing.  Never a server
error.

The people and the client are built once per test; each example builds the
note it works on and runs inside a savepoint that is rolled back afterwards,
so no example sees what another one wrote (the co-signature tests check that
they start from a note nobody has touched).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from hypothesis import event, given
from hypothesis import strategies as st

from clinic.models import Client, Role, User
from notes import selectors
from notes.agenda import AgendaItem
from notes.forms import (
    AddendumForm,
    NoteForm,
    PasswordConfirmForm,
    PreferenceForm,
    ReflectionForm,
    ReturnForm,
    TextForm,
)
from notes.models import (
    ALL_SECTIONS,
    FORMAT_SECTIONS,
    Addendum,
    NoteFormat,
    NotePreference,
    NoteReturn,
    NoteStatus,
    ProcessNote,
    Reflection,
    SessionNote,
)
from notes.signature_hashes import note_digest
from tests.factories import (
    TEST_PASSWORD,
    ClientFactory,
    ClinicFactory,
    SupervisionFactory,
)
from tests.notes.factories import SESSION_AT, ReflectionFactory, SessionNoteFactory
from tests.strategies import (
    FIXTURES_RESET,
    GARBAGE,
    as_posted,
    assert_refused,
    audit_writes,
    form_data,
    mixed_data,
    person,
    rolled_back,
    signed_in,
    valid_data,
    valid_share,
)

PASSWORD = {"password": st.just(TEST_PASSWORD)}
SIGNED_AT = SESSION_AT + dt.timedelta(hours=2)

# The forms that read nothing from the database: their submissions are drawn
# from strategies built once.
SIGNATURES = form_data(PasswordConfirmForm(submit_label="Sign"), valid=PASSWORD)
ADDENDA = form_data(AddendumForm(), valid=PASSWORD)
RETURNS = form_data(ReturnForm())
REFLECTIONS = form_data(ReflectionForm())
PROCESS_NOTES = form_data(TextForm())
PREFERENCES = form_data(PreferenceForm())


@dataclass
class World:
    therapist: User
    supervisor: User
    client: Client
    as_therapist: Callable[[], HttpClient]
    as_supervisor: Callable[[], HttpClient]


def _world(*, trainee: bool) -> World:
    clinic = ClinicFactory()
    therapist = person(clinic, Role.THERAPIST)
    supervisor = person(clinic, Role.THERAPIST, Role.SUPERVISOR)
    SupervisionFactory(
        clinic=clinic,
        supervisor=supervisor,
        supervisee=therapist,
        started_on=dt.date(2024, 1, 1),
        cosign_required=trainee,
    )
    client = ClientFactory(clinic=clinic, therapist=therapist)
    # An agenda item a note may take.  It was written after the session of
    # every note the examples build, so those notes never take it off the
    # agenda the note form was drawn for.
    ReflectionFactory(client=client)
    return World(
        therapist=therapist,
        supervisor=supervisor,
        client=client,
        as_therapist=signed_in(therapist),
        as_supervisor=signed_in(supervisor),
    )


@pytest.fixture
def world(db) -> World:
    return _world(trainee=False)


@pytest.fixture
def page(world) -> NotePage:
    return NotePage.of(world.client)


@pytest.fixture
def trainee(db) -> World:
    """The therapist's notes need the supervisor's co-signature."""
    return _world(trainee=True)


def _signed(world: World, status: str = NoteStatus.SIGNED) -> SessionNote:
    """A note as signing leaves it, inserted directly (as the demo seeder
    does): signing itself is the subject of its own test."""
    note = SessionNoteFactory.build(client=world.client)
    note.status, note.signed_by, note.signed_at = status, world.therapist, SIGNED_AT
    note.content_sha256 = note_digest(note)
    note.save()
    return note


def _outcome(accepted: bool) -> None:
    event("valid submission" if accepted else "invalid submission")


def _row(note: SessionNote) -> dict[str, Any]:
    return SessionNote.objects.filter(pk=note.pk).values().get()


# --- the note form -----------------------------------------------------------


@dataclass
class NotePage:
    """What the note pages build their form from, read once per test, and the
    submissions drawn for it."""

    client: Client
    agenda: list[AgendaItem]
    submissions: st.SearchStrategy[dict[str, Any]] = field(
        default=st.nothing(), repr=False
    )

    @classmethod
    def of(cls, client: Client) -> NotePage:
        page = cls(client=client, agenda=selectors.agenda_of(client=client))
        page.submissions = note_submissions(page)
        return page

    def form(self, data: dict | None = None) -> NoteForm:
        """The form for the format posted in ``data``, or the default."""
        posted = (data or {}).get("format")
        return self.form_for(
            posted if posted in NoteFormat.values else NoteFormat.SOAP, data
        )

    def form_for(self, note_format: str, data: dict | None = None) -> NoteForm:
        return NoteForm(
            data,
            note_format=note_format,
            zone=self.client.clinic.zone,
            now=timezone.now(),
            agenda_items=self.agenda,
        )


def note_submissions(page: NotePage) -> st.SearchStrategy[dict[str, Any]]:
    """The posted format chooses the sections the form has, so it is drawn
    first; then the rest of the form for that format, wholly valid or not."""
    formats = NoteFormat.values
    forms = {code: page.form_for(code) for code in formats}
    whole = {code: valid_data(form) for code, form in forms.items()}
    broken = {code: mixed_data(form) for code, form in forms.items()}

    def wholly_valid(posted: str) -> st.SearchStrategy[dict[str, Any]]:
        return whole[posted].map(lambda data: {**data, "format": posted})

    def with_garbage(posted: Any) -> st.SearchStrategy[dict[str, Any]]:
        fields = broken[page.form({"format": posted}).note_format]
        return fields.map(lambda data: {**data, "format": posted})

    return st.booleans().flatmap(
        lambda valid: (
            st.sampled_from(formats).flatmap(wholly_valid)
            if valid
            else st.one_of(st.sampled_from(formats), GARBAGE).flatmap(with_garbage)
        )
    )


def _assert_note_holds(note: SessionNote, submitted: dict, form: NoteForm) -> None:
    posted = as_posted(submitted)
    own = FORMAT_SECTIONS[form.note_format]
    assert note.format == form.note_format
    assert note.modality == posted["modality"]
    assert note.attendance == posted["attendance"]
    assert note.session_at == form.cleaned_data["session_at"]
    assert note.duration_minutes == form.cleaned_data["duration_minutes"]
    for name in ALL_SECTIONS:
        expected = posted.get(name, "").strip() if name in own else ""
        assert getattr(note, name) == expected, name
    assert note.risk_level == posted.get("risk_level", "")
    assert note.risk_summary == posted.get("risk_summary", "").strip()


def _brought_in(note: SessionNote | None) -> set[int]:
    return set(Reflection.objects.filter(brought_in=note).values_list("pk", flat=True))


def _ticked(submitted: dict) -> set[int]:
    keys = as_posted(submitted).getlist("discussed")
    return {int(key.partition(":")[2]) for key in keys}


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_new_note_holds_exactly_what_was_submitted_or_nothing(world, page, data):
    submitted = data.draw(page.submissions, label="submitted")
    form = page.form(as_posted(submitted))
    accepted = form.is_valid()
    _outcome(accepted)
    writes = audit_writes()

    response = world.as_therapist().post(
        reverse("notes:note_create", args=[world.client.pk]), submitted
    )

    if accepted:
        assert response.status_code == 302, response.status_code
        note = SessionNote.objects.get()
        assert (note.author, note.client, note.status) == (
            world.therapist,
            world.client,
            NoteStatus.DRAFT,
        )
        _assert_note_holds(note, submitted, form)
        assert _brought_in(note) == _ticked(submitted)
        assert audit_writes() == [
            *writes,
            ("create", "notes.sessionnote", note.pk, world.therapist.pk),
            *(
                ("update", "notes.reflection", pk, world.therapist.pk)
                for pk in sorted(_ticked(submitted))
            ),
        ]
    else:
        assert_refused(response, submitted)
        assert not SessionNote.objects.exists()
        assert not Reflection.objects.exclude(brought_in=None).exists()
        assert audit_writes() == writes


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_an_edited_draft_holds_exactly_what_was_submitted_or_stays_as_it_was(
    world, page, data
):
    draft = SessionNoteFactory(client=world.client)
    assert _row(draft)["status"] == NoteStatus.DRAFT
    before, writes = _row(draft), audit_writes()
    submitted = data.draw(page.submissions, label="submitted")
    form = page.form(as_posted(submitted))
    accepted = form.is_valid()
    _outcome(accepted)

    response = world.as_therapist().post(
        reverse("notes:note_edit", args=[draft.pk]), submitted
    )

    if accepted:
        assert response.status_code == 302, response.status_code
        draft.refresh_from_db()
        _assert_note_holds(draft, submitted, form)
        assert draft.status == NoteStatus.DRAFT
        assert audit_writes() == [
            *writes,
            ("update", "notes.sessionnote", draft.pk, world.therapist.pk),
            *(
                ("update", "notes.reflection", pk, world.therapist.pk)
                for pk in sorted(_ticked(submitted))
            ),
        ]
    else:
        assert_refused(response, submitted)
        assert _row(draft) == before
        assert audit_writes() == writes


def _denied(form, submitted: dict, note: SessionNote, actor) -> list[tuple]:
    """A well-formed POST with the wrong password is a refused re-entry:
    one denied event on the note (:mod:`clinic.reauth`)."""
    if form.is_valid() and submitted.get("password") != TEST_PASSWORD:
        return [("denied", "notes.sessionnote", note.pk, actor.pk)]
    return []


# --- signatures --------------------------------------------------------------


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_signing_locks_the_draft_with_the_right_password_and_nothing_else(world, data):
    draft = SessionNoteFactory(client=world.client)
    before, writes = _row(draft), audit_writes()
    submitted = data.draw(SIGNATURES)
    accepted = submitted.get("password") == TEST_PASSWORD
    _outcome(accepted)

    response = world.as_therapist().post(
        reverse("notes:note_sign", args=[draft.pk]), submitted
    )

    draft.refresh_from_db()
    if accepted:
        assert response.status_code == 302, response.status_code
        assert (draft.status, draft.signed_by) == (NoteStatus.SIGNED, world.therapist)
        assert draft.signed_at is not None and draft.content_sha256
        assert audit_writes() == [
            *writes,
            ("sign", "notes.sessionnote", draft.pk, world.therapist.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert _row(draft) == before
        sign_form = PasswordConfirmForm(as_posted(submitted), submit_label="Sign")
        assert audit_writes() == [
            *writes,
            *_denied(sign_form, submitted, draft, world.therapist),
        ]


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_an_addendum_is_signed_exactly_as_written_or_not_at_all(world, data):
    signed = _signed(world)
    writes = audit_writes()
    submitted = data.draw(ADDENDA)
    accepted = (
        AddendumForm(as_posted(submitted)).is_valid()
        and submitted.get("password") == TEST_PASSWORD
    )
    _outcome(accepted)

    response = world.as_therapist().post(
        reverse("notes:addendum_create", args=[signed.pk]), submitted
    )

    if accepted:
        assert response.status_code == 302, response.status_code
        addendum = Addendum.objects.get()
        assert (addendum.note, addendum.author) == (signed, world.therapist)
        assert addendum.text == submitted["text"].strip()
        assert audit_writes() == [
            *writes,
            ("sign", "notes.addendum", addendum.pk, world.therapist.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert not Addendum.objects.exists()
        assert audit_writes() == [
            *writes,
            *_denied(
                AddendumForm(as_posted(submitted)), submitted, signed, world.therapist
            ),
        ]


def _awaiting(world: World) -> SessionNote:
    """A trainee's signed note, and proof that this example starts from it
    alone: a note co-signed or returned by an earlier example fails here."""
    note = _signed(world, NoteStatus.AWAITING_COSIGN)
    assert list(SessionNote.objects.values_list("pk", "status")) == [
        (note.pk, NoteStatus.AWAITING_COSIGN)
    ]
    assert not NoteReturn.objects.exists()
    return note


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_co_signing_needs_the_supervisors_password_and_writes_nothing_else(
    trainee, data
):
    world = trainee
    note = _awaiting(world)
    before, writes = _row(note), audit_writes()
    submitted = data.draw(SIGNATURES)
    accepted = submitted.get("password") == TEST_PASSWORD
    _outcome(accepted)

    response = world.as_supervisor().post(
        reverse("notes:note_cosign", args=[note.pk]), submitted
    )

    note.refresh_from_db()
    if accepted:
        assert response.status_code == 302, response.status_code
        assert (note.status, note.cosigned_by) == (
            NoteStatus.COSIGNED,
            world.supervisor,
        )
        assert audit_writes() == [
            *writes,
            ("sign", "notes.sessionnote", note.pk, world.supervisor.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert _row(note) == before
        cosign_form = PasswordConfirmForm(as_posted(submitted), submit_label="Sign")
        assert audit_writes() == [
            *writes,
            *_denied(cosign_form, submitted, note, world.supervisor),
        ]


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_returned_note_carries_the_comment_as_written_or_stays_awaiting(
    trainee, data
):
    world = trainee
    note = _awaiting(world)
    before, writes = _row(note), audit_writes()
    submitted = data.draw(RETURNS)
    accepted = ReturnForm(as_posted(submitted)).is_valid()
    _outcome(accepted)

    response = world.as_supervisor().post(
        reverse("notes:note_return", args=[note.pk]), submitted
    )

    if accepted:
        assert response.status_code == 302, response.status_code
        returned = NoteReturn.objects.get()
        assert (returned.note, returned.returned_by) == (note, world.supervisor)
        assert returned.comment == submitted["comment"].strip()
        note.refresh_from_db()
        assert (note.status, note.signed_at) == (NoteStatus.DRAFT, None)
        assert audit_writes() == [
            *writes,
            ("create", "notes.notereturn", returned.pk, world.supervisor.pk),
            ("update", "notes.sessionnote", note.pk, world.supervisor.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert not NoteReturn.objects.exists()
        assert _row(note) == before
        assert audit_writes() == writes


# --- reflections, process notes, preferences ----------------------------------


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_reflection_is_saved_exactly_as_written_or_not_at_all(world, data):
    earlier = set(Reflection.objects.values_list("pk", flat=True))
    writes = audit_writes()
    submitted = data.draw(REFLECTIONS)
    form = ReflectionForm(as_posted(submitted))
    accepted = form.is_valid()
    _outcome(accepted)

    response = world.as_therapist().post(
        reverse("notes:reflection_create", args=[world.client.pk]), submitted
    )

    if accepted:
        assert response.status_code == 302, response.status_code
        reflection = Reflection.objects.exclude(pk__in=earlier).get()
        assert (reflection.client, reflection.author) == (
            world.client,
            world.therapist,
        )
        assert reflection.text == submitted["text"].strip()
        assert (
            reflection.bring_to_next_session
            == form.cleaned_data["bring_to_next_session"]
        )
        assert audit_writes() == [
            *writes,
            ("create", "notes.reflection", reflection.pk, world.therapist.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert set(Reflection.objects.values_list("pk", flat=True)) == earlier
        assert audit_writes() == writes


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_process_note_is_saved_exactly_as_written_or_not_at_all(world, data):
    writes = audit_writes()
    submitted = data.draw(PROCESS_NOTES)
    accepted = TextForm(as_posted(submitted)).is_valid()
    _outcome(accepted)

    response = world.as_therapist().post(
        reverse("notes:process_note_create", args=[world.client.pk]), submitted
    )

    if accepted:
        assert response.status_code == 302, response.status_code
        note = ProcessNote.objects.get()
        assert (note.client, note.author) == (world.client, world.therapist)
        assert note.text == submitted["text"].strip()
        assert audit_writes() == [
            *writes,
            ("create", "notes.processnote", note.pk, world.therapist.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert not ProcessNote.objects.exists()
        assert audit_writes() == writes


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_the_default_format_is_saved_as_chosen_or_not_at_all(world, data):
    writes = audit_writes()
    submitted = data.draw(PREFERENCES)
    accepted = PreferenceForm(as_posted(submitted)).is_valid()
    _outcome(accepted)

    response = world.as_therapist().post(reverse("notes:preferences"), submitted)

    if accepted:
        assert response.status_code == 302, response.status_code
        preference = NotePreference.objects.get()
        assert preference.user == world.therapist
        assert preference.default_format == submitted["default_format"]
        assert audit_writes() == [
            *writes,
            ("create", "notes.notepreference", preference.pk, world.therapist.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert not NotePreference.objects.exists()
        assert audit_writes() == writes


# --- how often the strategies make a valid submission -------------------------


def _with_right_password(submitted: dict) -> bool:
    return submitted.get("password") == TEST_PASSWORD


def test_the_submissions_drawn_for_each_notes_form_are_valid_about_half_the_time(
    page,
):
    shares = {
        "note": valid_share(
            page.submissions, lambda data: page.form(as_posted(data)).is_valid()
        ),
        "password": valid_share(SIGNATURES, _with_right_password),
        "addendum": valid_share(
            ADDENDA,
            lambda data: (
                AddendumForm(as_posted(data)).is_valid() and _with_right_password(data)
            ),
        ),
        "return": valid_share(
            RETURNS, lambda data: ReturnForm(as_posted(data)).is_valid()
        ),
        "reflection": valid_share(
            REFLECTIONS, lambda data: ReflectionForm(as_posted(data)).is_valid()
        ),
        "process note": valid_share(
            PROCESS_NOTES, lambda data: TextForm(as_posted(data)).is_valid()
        ),
        "preference": valid_share(
            PREFERENCES, lambda data: PreferenceForm(as_posted(data)).is_valid()
        ),
    }

    assert all(0.3 <= share <= 0.8 for share in shares.values()), shares
