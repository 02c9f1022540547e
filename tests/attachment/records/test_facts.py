"""The policy facts of a contact, derived by a pure function (no database)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from attachment.models import NEVER_A_BREACH as MODELS_NEVER_A_BREACH
from attachment.models import ContactAgreement
from attachment.records.facts import (
    NEVER_A_BREACH,
    Period,
    derive_facts,
    over_limit_flags,
)
from clinic.models import ContactPolicy

LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = dt.UTC


def policy(**overrides) -> ContactPolicy:
    values = {
        "allowed_channels": ["text", "email", "phone"],
        "contact_hours": {str(day): ["09:00", "17:00"] for day in range(5)},
        "weekly_limit": 3,
        "after_ending_allowed": False,
    }
    return ContactPolicy(**{**values, **overrides})


def facts(occurred_at, **kwargs):
    arguments = {
        "occurred_at": occurred_at,
        "channel": "text",
        "direction": "from_client",
        "purpose": "",
        "responded_at": None,
        "terms": policy(),
        "hours_zone": LONDON,
        "zone": LONDON,
        "absences": [],
        "ended_on": None,
    }
    return derive_facts(**{**arguments, **kwargs})


def test_a_contact_in_working_hours_on_an_agreed_channel_carries_no_fact():
    result = facts(dt.datetime(2026, 1, 14, 11, 0, tzinfo=UTC))
    assert not result.after_hours
    assert not result.outside_agreement
    assert not result.during_absence
    assert not result.after_ending
    assert result.response_minutes is None


def test_an_evening_text_is_after_hours():
    assert facts(dt.datetime(2026, 1, 14, 21, 30, tzinfo=UTC)).after_hours


def test_a_weekday_without_contact_hours_is_after_hours_all_day():
    saturday_noon = dt.datetime(2026, 1, 17, 12, 0, tzinfo=UTC)
    assert facts(saturday_noon).after_hours


def test_the_end_of_the_contact_hours_is_itself_after_hours():
    assert facts(dt.datetime(2026, 1, 14, 17, 0, tzinfo=UTC)).after_hours
    assert not facts(dt.datetime(2026, 1, 14, 9, 0, tzinfo=UTC)).after_hours


def test_contact_hours_are_read_in_the_clinic_time_zone_in_summer():
    # 16:30 UTC is 17:30 in London in July (BST): after hours.
    assert facts(dt.datetime(2026, 7, 15, 16, 30, tzinfo=UTC)).after_hours
    # 08:30 UTC is 09:30 BST: inside the hours although 08:30 is not.
    assert not facts(dt.datetime(2026, 7, 15, 8, 30, tzinfo=UTC)).after_hours


def test_contact_hours_follow_the_clock_across_the_spring_change():
    # Clocks go forward on Sunday 29 March 2026; the Monday after, 08:15 UTC
    # is 09:15 local, inside the hours; the Friday before it was 08:15 local.
    assert not facts(dt.datetime(2026, 3, 30, 8, 15, tzinfo=UTC)).after_hours
    assert facts(dt.datetime(2026, 3, 27, 8, 15, tzinfo=UTC)).after_hours


def test_a_channel_not_in_the_policy_is_outside_it():
    assert facts(
        dt.datetime(2026, 1, 14, 11, tzinfo=UTC), channel="social"
    ).outside_agreement


def test_a_contact_on_a_day_of_the_therapists_absence_is_during_absence():
    away = [Period(dt.date(2026, 7, 1), dt.date(2026, 7, 14))]
    assert facts(dt.datetime(2026, 7, 14, 12, tzinfo=UTC), absences=away).during_absence
    assert not facts(
        dt.datetime(2026, 7, 15, 12, tzinfo=UTC), absences=away
    ).during_absence


def test_absence_dates_are_local_dates():
    away = [Period(dt.date(2026, 7, 1), dt.date(2026, 7, 14))]
    # 23:30 UTC on 30 June is 00:30 on 1 July in London: the absence has begun.
    late_on_the_eve = dt.datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert facts(late_on_the_eve, absences=away).during_absence
    assert not facts(
        late_on_the_eve, absences=away, zone=zoneinfo.ZoneInfo("UTC")
    ).during_absence


def test_a_contact_after_the_ending_date_is_after_ending():
    ended = dt.date(2026, 2, 1)
    assert not facts(
        dt.datetime(2026, 2, 1, 20, tzinfo=UTC), ended_on=ended
    ).after_ending
    assert facts(dt.datetime(2026, 2, 2, 9, tzinfo=UTC), ended_on=ended).after_ending


def test_the_ending_date_is_a_local_date():
    ended = dt.date(2026, 6, 1)
    # 23:15 UTC on 1 June is already 2 June in London.
    assert facts(
        dt.datetime(2026, 6, 1, 23, 15, tzinfo=UTC), ended_on=ended
    ).after_ending


def test_response_minutes_are_whole_minutes_to_the_answer():
    occurred = dt.datetime(2026, 1, 14, 11, 0, tzinfo=UTC)
    result = facts(
        occurred, responded_at=occurred + dt.timedelta(minutes=42, seconds=50)
    )
    assert result.response_minutes == 42
    assert not result.responded_after_hours


def test_a_reply_late_at_night_is_marked_after_hours():
    occurred = dt.datetime(2026, 1, 14, 21, 0, tzinfo=UTC)
    result = facts(occurred, responded_at=occurred + dt.timedelta(minutes=20))
    assert result.response_minutes == 20
    assert result.responded_after_hours


def test_a_therapist_contact_has_no_response_minutes():
    occurred = dt.datetime(2026, 1, 14, 11, 0, tzinfo=UTC)
    result = facts(
        occurred,
        direction="from_therapist",
        responded_at=occurred + dt.timedelta(hours=1),
    )
    assert result.response_minutes is None


def moments(*offsets_in_hours: float) -> list[dt.datetime]:
    start = dt.datetime(2026, 1, 5, 9, tzinfo=UTC)
    return [start + dt.timedelta(hours=hours) for hours in offsets_in_hours]


def test_the_contact_that_exceeds_the_limit_in_seven_days_is_over_it():
    assert over_limit_flags(
        moments(0, 24, 48, 72), [3] * len(moments(0, 24, 48, 72))
    ) == [False, False, False, True]


def test_contacts_seven_days_apart_leave_the_window():
    # The first contact is exactly 168 hours before the fourth: outside.
    assert (
        over_limit_flags(moments(0, 24, 48, 168), [3] * len(moments(0, 24, 48, 168)))
        == [False] * 4
    )
    assert (
        over_limit_flags(
            moments(0, 24, 48, 167.9), [3] * len(moments(0, 24, 48, 167.9))
        )[-1]
        is True
    )


def test_no_limit_means_never_over_it():
    assert (
        over_limit_flags(moments(0, 1, 2, 3, 4), [None] * len(moments(0, 1, 2, 3, 4)))
        == [False] * 5
    )


def test_every_contact_while_the_count_stays_above_the_limit_is_over_it():
    assert over_limit_flags(
        moments(0, 1, 2, 3, 4), [2] * len(moments(0, 1, 2, 3, 4))
    ) == [
        False,
        False,
        True,
        True,
        True,
    ]


@pytest.mark.parametrize("limit", [0, 1])
def test_a_limit_of_zero_makes_every_contact_over_it(limit):
    flags = over_limit_flags(moments(0, 200, 400), [limit] * len(moments(0, 200, 400)))
    assert flags == [limit == 0] * 3


# --- judged against an agreement: purposes, the client's zone, distress ------


def agreement(**overrides) -> ContactAgreement:
    values = {
        "allowed_channels": ["text", "phone"],
        "contact_hours": {str(day): ["09:00", "17:00"] for day in range(5)},
        "weekly_limit": 2,
        "purpose_rules": {"text": ["scheduling"]},
    }
    return ContactAgreement(**{**values, **overrides})


WEDNESDAY_NOON = dt.datetime(2026, 1, 14, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("purpose", ["distress", "crisis"])
def test_a_distress_or_crisis_contact_is_never_a_breach(purpose):
    late_saturday_email = dt.datetime(2026, 1, 17, 23, 0, tzinfo=UTC)
    result = facts(
        late_saturday_email, channel="email", purpose=purpose, terms=agreement()
    )
    assert not result.after_hours
    assert not result.outside_agreement
    # The same contact for another purpose breaks both terms.
    other = facts(
        late_saturday_email, channel="email", purpose="sharing", terms=agreement()
    )
    assert other.after_hours and other.outside_agreement


def test_a_purpose_rule_keeps_a_channel_to_its_purpose():
    terms = agreement()
    scheduling = facts(WEDNESDAY_NOON, purpose="scheduling", terms=terms)
    sharing = facts(WEDNESDAY_NOON, purpose="sharing", terms=terms)
    unrecorded = facts(WEDNESDAY_NOON, purpose="", terms=terms)
    assert not scheduling.outside_agreement
    assert sharing.outside_agreement
    assert not unrecorded.outside_agreement
    # The phone has no rule: any purpose keeps to it.
    assert not facts(
        WEDNESDAY_NOON, channel="phone", purpose="sharing", terms=terms
    ).outside_agreement


def test_the_hours_are_read_in_the_zone_of_the_terms():
    # 19:30 UTC on a Wednesday in January is 14:30 in New York: inside a
    # client's 9-to-5 there, after hours by London's clock.
    moment = dt.datetime(2026, 1, 14, 19, 30, tzinfo=UTC)
    new_york = zoneinfo.ZoneInfo("America/New_York")
    assert facts(moment, terms=agreement(), purpose="scheduling").after_hours
    assert not facts(
        moment, terms=agreement(), purpose="scheduling", hours_zone=new_york
    ).after_hours


def test_a_therapist_contact_is_never_outside_the_agreement_but_may_be_late():
    late = dt.datetime(2026, 1, 17, 23, 0, tzinfo=UTC)
    result = facts(late, direction="from_therapist", channel="social")
    assert not result.outside_agreement
    # Out of hours all the same: the therapist's availability is a fact.
    assert result.after_hours


def test_each_contact_is_measured_against_the_limit_in_force_at_it():
    # Four contacts in three days; the limit drops from 4 to 2 before the
    # third.  The third finds 3 in its week, over its limit of 2; the first
    # two, under a limit of 4, never are.
    series = moments(0, 24, 48, 72)
    assert over_limit_flags(series, [4, 4, 2, 2]) == [False, False, True, True]
    assert over_limit_flags(series, [4, 4, 4, 4]) == [False] * 4


def test_the_purposes_never_a_breach_are_the_models_own():
    assert NEVER_A_BREACH == MODELS_NEVER_A_BREACH
