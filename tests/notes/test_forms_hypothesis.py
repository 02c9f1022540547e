"""Arbitrary input into every notes form: long, non-Latin, control characters,
garbage dates.  Never a server error, never a half-saved record."""

from __future__ import annotations

from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notes.models import Addendum, NoteReturn, ProcessNote, Reflection, SessionNote

TEXT = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
    st.sampled_from(
        [
            "",
            "   ",
            "\x00null byte",
            "سلام، این یک یادداشت است",
            "这是一条很长的记录" * 3000,
            "ü" * 20_001,
            "<script>alert(1)</script>",
            "1" * 40,
        ]
    ),
)
WHEN = st.one_of(
    TEXT,
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    st.sampled_from(["0001-01-01T00:00", "9999-12-31T23:59", "2026-03-29T01:30"]),
)
NUMBER = st.one_of(TEXT, st.integers(-(10**12), 10**12).map(str))
FORMAT = st.one_of(st.sampled_from(["soap", "dap", "birp", "free"]), TEXT)
SLOW = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _ok(response) -> None:
    assert response.status_code in (200, 302), response.status_code


@SLOW
@given(
    note_format=FORMAT,
    session_at=WHEN,
    duration=NUMBER,
    modality=TEXT,
    sections=st.dictionaries(
        st.sampled_from(
            ["subjective", "objective", "assessment", "plan", "data", "free_text"]
        ),
        TEXT,
    ),
    discussed=st.lists(TEXT, max_size=3),
)
def test_the_new_note_form_never_fails(
    login,
    client,
    therapist,
    note_format,
    session_at,
    duration,
    modality,
    sections,
    discussed,
):
    before = SessionNote.objects.count()
    response = login(therapist).post(
        reverse("notes:note_create", args=[client.pk]),
        {
            "format": note_format,
            "session_at": session_at,
            "duration_minutes": duration,
            "modality": modality,
            "attendance": "attended",
            "discussed": discussed,
            **sections,
        },
    )
    _ok(response)
    assert SessionNote.objects.count() == before + (response.status_code == 302)


@SLOW
@given(plan=TEXT, session_at=WHEN, note_format=FORMAT)
def test_the_edit_form_never_fails(
    login, draft, therapist, plan, session_at, note_format
):
    draft.refresh_from_db()
    before = (draft.plan, draft.format, draft.session_at)
    response = login(therapist).post(
        reverse("notes:note_edit", args=[draft.pk]),
        {
            "format": note_format,
            "session_at": session_at,
            "duration_minutes": "50",
            "modality": "video",
            "attendance": "attended",
            "plan": plan,
        },
    )
    _ok(response)
    if response.status_code == 200:
        draft.refresh_from_db()
        assert (draft.plan, draft.format, draft.session_at) == before


@SLOW
@given(password=TEXT)
def test_signing_with_arbitrary_passwords_never_fails(
    login, draft, therapist, password
):
    _ok(
        login(therapist).post(
            reverse("notes:note_sign", args=[draft.pk]), {"password": password}
        )
    )
    draft.refresh_from_db()
    assert draft.signed_at is None


@SLOW
@given(text=TEXT, password=TEXT)
def test_the_addendum_form_never_fails(login, signed, therapist, text, password):
    response = login(therapist).post(
        reverse("notes:addendum_create", args=[signed.pk]),
        {"text": text, "password": password},
    )
    _ok(response)
    assert not Addendum.objects.exists()


@SLOW
@given(comment=TEXT, password=TEXT)
def test_the_cosign_and_return_forms_never_fail(
    login, awaiting, supervisor, comment, password
):
    http = login(supervisor)
    _ok(
        http.post(
            reverse("notes:note_cosign", args=[awaiting.pk]), {"password": password}
        )
    )
    before = NoteReturn.objects.count()
    response = http.post(
        reverse("notes:note_return", args=[awaiting.pk]), {"comment": comment}
    )
    _ok(response)
    if response.status_code == 200:
        assert NoteReturn.objects.count() == before


@SLOW
@given(text=TEXT, bring=st.sampled_from(["", "on", "garbage", "\x00"]))
def test_the_reflection_form_never_fails(login, client, therapist, text, bring):
    before = Reflection.objects.count()
    response = login(therapist).post(
        reverse("notes:reflection_create", args=[client.pk]),
        {"text": text, "bring_to_next_session": bring},
    )
    _ok(response)
    assert Reflection.objects.count() == before + (response.status_code == 302)


@SLOW
@given(text=TEXT)
def test_the_process_note_form_never_fails(login, client, therapist, text):
    before = ProcessNote.objects.count()
    response = login(therapist).post(
        reverse("notes:process_note_create", args=[client.pk]), {"text": text}
    )
    _ok(response)
    assert ProcessNote.objects.count() == before + (response.status_code == 302)


@SLOW
@given(choice=TEXT)
def test_the_preference_form_never_fails(login, therapist, choice):
    _ok(login(therapist).post(reverse("notes:preferences"), {"default_format": choice}))
