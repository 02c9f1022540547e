"""Arbitrary input into every review form and the queue's filters: never a
server error, and invalid input never saves a step or a response."""

from __future__ import annotations

from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attachment.models import Flag, FlagResponse, FlagStatusChange
from tests.attachment.factories_review import FlagFactory

TEXT = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
    st.sampled_from(
        ["", "   ", "\x00null byte", "سلام", "这是" * 3000, "ü" * 20_001, "<b>x</b>"]
    ),
)
OUTCOME = st.one_of(st.sampled_from(["resolved", "dismissed", "open"]), TEXT)
SLOW = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _flag(client) -> Flag:
    return Flag.objects.filter(client=client).first() or FlagFactory(client=client)


@SLOW
@given(outcome=OUTCOME, reason=TEXT)
def test_the_close_form_never_fails(login, client, supervisor, outcome, reason):
    flag = _flag(client)
    before = FlagStatusChange.objects.count()

    response = login(supervisor).post(
        reverse("attachment:flag_close", args=[flag.pk]),
        {"outcome": outcome, "reason": reason},
    )

    assert response.status_code in (200, 302)
    valid = (
        outcome in ("resolved", "dismissed")
        and reason.strip()
        and "\x00" not in reason
        and len(reason.strip()) <= 500
    )
    if not valid:
        assert FlagStatusChange.objects.count() == before


@SLOW
@given(text=TEXT)
def test_the_response_form_never_fails(login, client, therapist, text):
    flag = _flag(client)
    before = FlagResponse.objects.count()

    response = login(therapist).post(
        reverse("attachment:flag_respond", args=[flag.pk]), {"text": text}
    )

    assert response.status_code in (200, 302)
    if not text.strip() or "\x00" in text or len(text.strip()) > 2000:
        assert FlagResponse.objects.count() == before


@SLOW
@given(junk=st.dictionaries(st.sampled_from(["save", "reason", "x"]), TEXT))
def test_the_field_less_steps_never_fail(login, client, supervisor, junk):
    flag = _flag(client)

    for name in ("attachment:flag_acknowledge", "attachment:flag_to_supervision"):
        response = login(supervisor).post(reverse(name, args=[flag.pk]), junk)
        assert response.status_code == 302


@SLOW
@given(
    query=st.dictionaries(
        st.sampled_from(
            [
                "therapist",
                "kind",
                "tier",
                "status",
                "detected_from",
                "detected_to",
                "page",
            ]
        ),
        TEXT,
    )
)
def test_the_queue_filters_never_fail(login, supervisor, query):
    response = login(supervisor).get(reverse("attachment:flag_queue"), query)

    assert response.status_code == 200
