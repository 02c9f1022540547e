"""The frame's form: clear errors for bad values, and garbage never hurts.

The hypothesis tests post arbitrary data through the clinic admin's real
pages: the answer is a form again (200) or a saved policy (302), never a 500,
and an answer of 200 leaves the database exactly as it was.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from clinic.administration.forms import ContactPolicyForm
from clinic.models import AuditEvent, Channel, Clinic, ContactPolicy
from clinic.policies import clinic_default_policy


def valid(**changes) -> dict:
    data = {
        "allowed_channels": ["text", "email"],
        "day0_start": "09:00",
        "day0_end": "17:00",
        "weekly_limit": "4",
        "response_window_hours": "24",
        "after_ending_allowed": "",
        "crisis_reply_minutes": "120",
        "crisis_lines": "Crisis line 0800 000 0000",
    }
    data.update(changes)
    return data


def test_a_valid_policy_form_gives_the_policy_values():
    form = ContactPolicyForm(valid(day2_start="08:30", day2_end="12:00"))
    assert form.is_valid(), form.errors
    assert form.policy_values() == {
        "allowed_channels": ["text", "email"],
        "contact_hours": {"0": ["09:00", "17:00"], "2": ["08:30", "12:00"]},
        "weekly_limit": 4,
        "response_window_hours": 24,
        "after_ending_allowed": False,
        "crisis_reply_minutes": 120,
    }
    assert form.crisis_lines_value() == "Crisis line 0800 000 0000"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"day0_end": "08:00"}, "day0_end", "Monday: the end must be after the start."),
        ({"day0_end": "09:00"}, "day0_end", "Monday: the end must be after the start."),
        (
            {"day0_start": "09:00:10", "day0_end": "09:00:50"},
            "day0_end",
            "Monday: the end must be after the start.",
        ),
        ({"day0_end": ""}, "day0_end", "Give both a start and an end, or neither."),
        (
            {"day0_start": "", "day1_end": "12:00"},
            "day1_start",
            "Give both a start and an end, or neither.",
        ),
        ({"day3_start": "25:00", "day3_end": "26:00"}, "day3_start", "valid time"),
        (
            {"weekly_limit": "-1"},
            "weekly_limit",
            "The weekly limit cannot be negative.",
        ),
        ({"weekly_limit": "201"}, "weekly_limit", "at most 200"),
        ({"weekly_limit": "three"}, "weekly_limit", "Enter a whole number."),
        (
            {"response_window_hours": "0"},
            "response_window_hours",
            "The response window must be at least 1 hour.",
        ),
        ({"response_window_hours": ""}, "response_window_hours", "required"),
        ({"allowed_channels": []}, "allowed_channels", "Choose at least one channel."),
        (
            {"crisis_reply_minutes": "4"},
            "crisis_reply_minutes",
            "Allow at least 5 minutes.",
        ),
        (
            {"crisis_reply_minutes": "1441"},
            "crisis_reply_minutes",
            "Allow at most 1440 minutes (a day).",
        ),
        ({"crisis_reply_minutes": ""}, "crisis_reply_minutes", "required"),
        (
            {"crisis_lines": "x" * 2001},
            "crisis_lines",
            "Keep the crisis lines to 2000 characters.",
        ),
        (
            {"allowed_channels": ["text", "pigeon"]},
            "allowed_channels",
            "“pigeon” is not a contact channel.",
        ),
    ],
)
def test_bad_values_get_a_clear_error_on_the_right_field(changes, field, message):
    form = ContactPolicyForm(valid(**changes))
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_the_form_starts_from_the_frame_and_the_clinics_crisis_lines(clinic):
    Clinic.objects.filter(pk=clinic.pk).update(crisis_lines="Line A\nLine B")
    policy = clinic_default_policy(clinic=clinic)
    ContactPolicy.objects.filter(pk=policy.pk).update(crisis_reply_minutes=30)
    policy = clinic_default_policy(clinic=clinic)

    initial = ContactPolicyForm.initial_from(policy)

    assert initial["crisis_reply_minutes"] == 30
    assert initial["crisis_lines"] == "Line A\nLine B"


def test_a_bad_post_on_the_page_saves_nothing_and_says_so(login, admin, clinic):
    before = ContactPolicyForm.initial_from(clinic_default_policy(clinic=clinic))
    response = login(admin).post(
        reverse("clinic:policy_default"), valid(weekly_limit="-3", day1_start="10:00")
    )
    assert response.status_code == 200
    assert b"Nothing was saved" in response.content
    assert b"The weekly limit cannot be negative." in response.content
    after = ContactPolicyForm.initial_from(clinic_default_policy(clinic=clinic))
    assert after == before
    assert not AuditEvent.objects.exists()


# Garbage -------------------------------------------------------------------

TIMES = st.one_of(
    st.sampled_from(["", "00:00", "09:00", "12:30", "17:00", "23:59", "9", "24:00"]),
    st.times().map(lambda t: t.isoformat()),
    st.text(max_size=12),
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["", "0", "1", "24", "200", "336", "337", "1e3", " 7 "]),
    st.text(max_size=10),
)
CHANNELS = st.lists(
    st.one_of(st.sampled_from(Channel.values), st.text(max_size=12)), max_size=5
)
TEXT = st.one_of(st.text(max_size=400), st.text(min_size=1990, max_size=2010))


def garbage() -> st.SearchStrategy[dict]:
    """A valid submission with any subset of its fields replaced by garbage
    (so that both answers, saved and refused, are exercised)."""
    fields: dict[str, st.SearchStrategy] = {
        "allowed_channels": CHANNELS,
        "weekly_limit": NUMBERS,
        "response_window_hours": NUMBERS,
        "after_ending_allowed": st.sampled_from(["", "on", "false", "1", "x"]),
        "crisis_reply_minutes": NUMBERS,
        "crisis_lines": TEXT,
    }
    for day in range(8):  # day7 does not exist: extra fields must be ignored
        fields[f"day{day}_start"] = TIMES
        fields[f"day{day}_end"] = TIMES
    base = valid()
    changes = st.fixed_dictionaries({}, optional=fields)
    return changes.map(lambda changed: {**base, **changed})


def snapshot() -> tuple:
    history = apps.get_model("clinic", "ContactPolicyEvent")
    return (
        sorted(ContactPolicy.objects.values_list("pk", "updated_at")),
        sorted(Clinic.objects.values_list("pk", "crisis_lines")),
        AuditEvent.objects.count(),
        history.objects.count(),
    )


GARBAGE_SETTINGS = hypothesis_settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def post_and_check(http, url: str, data: dict) -> None:
    before = snapshot()
    response = http.post(url, data)
    event(f"answered {response.status_code}")
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert snapshot() == before
    else:
        # The frame's event, and the clinic's when its crisis lines changed.
        crisis_lines_changed = snapshot()[1] != before[1]
        assert AuditEvent.objects.count() == before[2] + 1 + crisis_lines_changed


@GARBAGE_SETTINGS
@given(data=garbage())
def test_garbage_on_the_frame_page_never_breaks_it(login, admin, clinic, data):
    clinic_default_policy(clinic=clinic)
    post_and_check(login(admin), reverse("clinic:policy_default"), data)


@GARBAGE_SETTINGS
@given(data=garbage())
def test_garbage_never_gives_a_form_that_would_break_the_service(data):
    """Whatever the form accepts, the model accepts too (no 500 after is_valid)."""
    form = ContactPolicyForm(data)
    if form.is_valid():
        policy = ContactPolicy(**form.policy_values())
        policy.clean_fields(exclude=["clinic"])
        clinic = Clinic(crisis_lines=form.crisis_lines_value())
        clinic.clean_fields(exclude=["name", "slug", "timezone"])
