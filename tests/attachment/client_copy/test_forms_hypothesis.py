"""The copy's period form, fed valid dates and garbage: never a server
error; a valid period produces the copy (and its one export), anything else
comes back with the form's errors and produces nothing.  The refusals a
person can cause are said in plain words."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import event, given
from hypothesis import strategies as st

from attachment.client_copy.forms import ClientCopyForm
from attachment.client_copy.selectors import client_today
from clinic.models import AuditAction, AuditEvent
from tests.attachment.client_copy.conftest import copy_url
from tests.strategies import (
    FIXTURES_RESET,
    as_posted,
    assert_refused,
    dates,
    form_data,
    rolled_back,
    signed_in,
    valid_share,
)

FUTURE = "Choose a date up to today"
REVERSED = "The start date is after the end date"


def _form(client, data=None) -> ClientCopyForm:
    return ClientCopyForm(
        data,
        started_on=client.started_on,
        today=client_today(client, timezone.now()),
    )


@pytest.fixture
def submissions(client):
    """Half valid periods (both dates from the client's start to today, in
    either order), half with garbage in them."""
    today = client_today(client, timezone.now())
    past = dates(earliest=client.started_on - dt.timedelta(days=60), latest=today)
    return form_data(_form(client), valid={"starts_on": past, "ends_on": past})


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_any_query_gets_the_copy_or_the_forms_errors_never_a_500(
    client, therapist, submissions, data
):
    submitted = data.draw(submissions, label="query")
    bound = _form(client, as_posted(submitted))
    asked = ClientCopyForm.is_asked(as_posted(submitted))
    accepted = asked and bound.is_valid()
    event("copy" if accepted else "refused" if asked else "form only")

    response = signed_in(therapist)().get(copy_url(client), submitted)

    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT).count()
    if accepted:
        assert response.status_code == 200
        assert response.templates[0].name == "attachment/client_copy/copy.html"
        assert exports == 1
        return
    assert exports == 0
    assert response.templates[0].name == "attachment/client_copy/form_page.html"
    if asked:
        assert_refused(response, submitted)
    else:
        assert response.status_code == 200
        assert not response.context["form"].errors


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_period_of_past_dates_is_refused_only_when_reversed(client, data):
    today = client_today(client, timezone.now())
    past = dates(earliest=today - dt.timedelta(days=3000), latest=today)
    starts_on, ends_on = data.draw(past), data.draw(past)
    form = _form(client, {"starts_on": starts_on, "ends_on": ends_on})
    assert form.is_valid() == (starts_on <= ends_on)
    if starts_on > ends_on:
        assert REVERSED in form.errors["starts_on"][0]


@FIXTURES_RESET
@given(days=st.integers(1, 400_000))
@rolled_back
def test_a_date_after_today_is_refused(client, days):
    today = client_today(client, timezone.now())
    try:
        later = today + dt.timedelta(days=days)
    except OverflowError:
        later = dt.date.max
    form = _form(client, {"starts_on": today.isoformat(), "ends_on": later.isoformat()})
    assert not form.is_valid()
    assert FUTURE in form.errors["ends_on"][0]


def test_without_dates_the_form_offers_the_clients_start_to_today(client):
    form = _form(client)
    today = client_today(client, timezone.now())
    assert form.initial == {"starts_on": client.started_on, "ends_on": today}
    assert not form.is_bound


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "field", "words"),
    [
        ("2026-03-31", "2026-03-01", "starts_on", REVERSED),
        ("yesterday", "2026-03-01", "starts_on", "Enter a date"),
        ("2026-02-30", "2026-03-01", "starts_on", "Enter a date"),
        ("2026-03-01", "", "ends_on", "This field is required"),
        ("0001-01-01", "9999-12-31", "ends_on", FUTURE),
    ],
)
def test_the_refusals_say_what_to_change(
    login, therapist, client, starts_on, ends_on, field, words
):
    response = login(therapist).get(
        copy_url(client), {"starts_on": starts_on, "ends_on": ends_on}
    )
    assert response.status_code == 200
    assert words in response.context["form"].errors[field][0]
    assert "No copy was produced" in response.content.decode()


def test_a_period_from_the_first_day_of_the_calendar_is_a_copy(
    login, therapist, client
):
    today = client_today(client, timezone.now())
    response = login(therapist).get(
        copy_url(client), {"starts_on": "0001-01-01", "ends_on": today.isoformat()}
    )
    assert response.status_code == 200
    assert response.templates[0].name == "attachment/client_copy/copy.html"


def test_the_submissions_drawn_are_valid_about_half_the_time(client, submissions):
    share = valid_share(
        submissions,
        lambda submitted: (
            ClientCopyForm.is_asked(as_posted(submitted))
            and _form(client, as_posted(submitted)).is_valid()
        ),
    )
    assert 0.3 <= share <= 0.8, share
