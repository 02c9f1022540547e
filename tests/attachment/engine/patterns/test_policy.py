"""The policy-pattern and after-ending detectors: their verdicts, their exact
findings and the edges of their windows."""

from __future__ import annotations

import dataclasses
import datetime as dt

from scipy import stats

from attachment.engine.patterns import (
    ContactFacts,
    EndingFacts,
    Finding,
    Kind,
    Part,
    Tier,
    after_ending_contact,
    policy_pattern,
)
from tests.attachment.engine.patterns.helpers import (
    DEFAULTS,
    NOW,
    assert_presentable,
    switched_off,
)


def _at(when: dt.datetime, **facts: bool) -> ContactFacts:
    return ContactFacts(
        occurred_at=when, from_client=facts.pop("from_client", True), **facts
    )


def _ago(days: float, **facts: bool) -> ContactFacts:
    return _at(NOW - dt.timedelta(days=days), **facts)


# --- policy pattern ---------------------------------------------------------------


# The window's rules without the comparison with earlier weeks: three
# occasions flag when the client never slipped before.
THREE = dataclasses.replace(DEFAULTS, policy_min_count=3)


def test_a_policy_pattern_reports_every_number_it_rests_on():
    contacts = [
        _ago(9, outside_agreement=True),
        _ago(2, after_hours=True, over_weekly_limit=True),
        _ago(20, over_weekly_limit=True),
        _ago(19, over_weekly_limit=True),  # the same busy week: counted once
        _ago(5, after_hours=True),
        _ago(60, after_hours=True),  # the one slip in the 26 weeks before
        _ago(28 + 26 * 7 + 1, after_hours=True),  # before those weeks
    ]
    finding = policy_pattern(contacts, now=NOW, thresholds=DEFAULTS)
    p_value = stats.binomtest(4, 5, 4 / 30, alternative="greater").pvalue
    assert finding == Finding(
        kind=Kind.POLICY_PATTERN,
        part=Part.NONE,
        tier=Tier.YELLOW,
        window_start=dt.date(2025, 5, 13),
        window_end=dt.date(2025, 5, 31),
        score=1.0,
        evidence={
            "occasions_outside_policy": 4,
            "contacts_outside_policy": 5,
            "window_weeks": 4,
            "after_hours": 2,
            "outside_agreement": 1,
            "over_weekly_limit": 3,
            "busy_weeks_counted": 1,
            "earlier_occasions": 1,
            "earlier_weeks": 26,
            "rate_ratio": 26.0,
            "p_value": round(p_value, 6),
            "alpha": 0.02,
            "yellow_at": 4,
            "red_at": 6,
        },
        explanation=(
            "In the 19 days from 13 May to 31 May, contact from the client went "
            "beyond what was agreed 4 times (2 contacts outside contact hours, 1 "
            "on a channel or for a purpose not agreed, 1 week over the weekly "
            "number), against 1 in the 26 weeks before."
        ),
    )


def test_a_client_s_usual_slips_do_not_flag():
    """Four late messages in four weeks from a client who sends about one a
    week anyway is the client's usual, not a new pattern."""
    usual = [_ago(28 + 7 * w + 3, after_hours=True) for w in range(26)]
    window = [_ago(d, after_hours=True) for d in (2, 9, 16, 23)]
    assert policy_pattern(window + usual, now=NOW, thresholds=DEFAULTS) is None
    assert policy_pattern(window, now=NOW, thresholds=DEFAULTS) is not None


def test_the_comparison_must_be_significant_at_alpha():
    # 4 in the window against 4 in the 26 weeks before: p about 0.013
    window = [_ago(d, after_hours=True) for d in (2, 9, 16, 23)]
    earlier = [_ago(d, after_hours=True) for d in (40, 80, 120, 160)]
    p_value = stats.binomtest(4, 8, 4 / 30, alternative="greater").pvalue
    assert 0.01 < p_value < 0.02
    found = policy_pattern(window + earlier, now=NOW, thresholds=DEFAULTS)
    assert found is not None and found.evidence["p_value"] == round(p_value, 6)
    stricter = dataclasses.replace(DEFAULTS, policy_alpha=0.01)
    assert policy_pattern(window + earlier, now=NOW, thresholds=stricter) is None


def test_a_busy_week_over_the_weekly_number_counts_once():
    busy = [_ago(d, over_weekly_limit=True) for d in (15, 16, 17, 18)]
    late = [_ago(d, after_hours=True) for d in (2, 9)]
    assert policy_pattern(busy + late, now=NOW, thresholds=DEFAULTS) is None
    other_week = [_ago(8, over_weekly_limit=True)]
    found = policy_pattern(busy + late + other_week, now=NOW, thresholds=DEFAULTS)
    assert found is not None
    assert found.evidence["busy_weeks_counted"] == 2
    assert found.evidence["contacts_outside_policy"] == 7


def test_the_policy_window_includes_both_its_ends():
    start = NOW - dt.timedelta(weeks=4)
    contacts = [
        _at(start, after_hours=True),
        _at(NOW, after_hours=True),
        _ago(10, after_hours=True),
    ]
    finding = policy_pattern(contacts, now=NOW, thresholds=THREE)
    assert finding is not None
    assert finding.window_start == start.date()
    assert finding.window_end == NOW.date()
    earlier = [_at(start - dt.timedelta(seconds=1), after_hours=True), *contacts[1:]]
    assert policy_pattern(earlier, now=NOW, thresholds=THREE) is None


def test_three_contacts_outside_policy_in_four_weeks_are_yellow_at_three():
    contacts = [
        _ago(2, after_hours=True),
        _ago(9, outside_agreement=True),
        _ago(20, over_weekly_limit=True),
    ]
    assert policy_pattern(contacts, now=NOW, thresholds=DEFAULTS) is None
    finding = policy_pattern(contacts, now=NOW, thresholds=THREE)
    assert finding is not None
    assert finding.tier == Tier.YELLOW
    assert finding.evidence["after_hours"] == 1
    assert finding.window_start == (NOW - dt.timedelta(days=20)).date()
    assert_presentable(finding)


def test_six_contacts_outside_policy_are_red():
    contacts = [_ago(d, after_hours=True) for d in (1, 3, 5, 8, 12, 15)]
    finding = policy_pattern(contacts, now=NOW, thresholds=DEFAULTS)
    assert finding is not None and finding.tier == Tier.RED


def test_policy_pattern_ignores_old_compliant_and_therapist_contacts():
    contacts = [
        _ago(2, after_hours=True),
        _ago(3, after_hours=True, from_client=False),
        _ago(4),
        _ago(40, after_hours=True),
        _ago(5, after_hours=True),
    ]
    assert policy_pattern(contacts, now=NOW, thresholds=THREE) is None


def test_policy_pattern_can_be_switched_off():
    contacts = [_ago(d, after_hours=True) for d in (1, 2, 3, 4, 5)]
    assert policy_pattern(contacts, now=NOW, thresholds=DEFAULTS) is not None
    assert policy_pattern(contacts, now=NOW, thresholds=switched_off("policy")) is None


# --- after ending -----------------------------------------------------------------

ENDED = EndingFacts(ended_on=dt.date(2025, 5, 1), after_ending_allowed=False)


def test_contact_after_ending_reports_every_number_it_rests_on():
    three = dataclasses.replace(
        DEFAULTS, after_ending_min_count=3, after_ending_red_count=5
    )
    contacts = [_ago(2), _ago(9), _ago(5), _ago(20)]
    finding = after_ending_contact(ENDED, contacts, now=NOW, thresholds=three)
    assert finding == Finding(
        kind=Kind.AFTER_ENDING_CONTACT,
        part=Part.NONE,
        tier=Tier.YELLOW,
        window_start=dt.date(2025, 5, 13),
        window_end=dt.date(2025, 5, 31),
        score=round(4 / 3, 3),
        evidence={
            "contacts_after_ending": 4,
            "ended_on": "2025-05-01",
            "days_since_ending": 32,
            "after_ending_allowed": False,
            "window_weeks": 12,
            "yellow_at": 3,
            "red_at": 5,
        },
        explanation=(
            "Therapy ended on 1 May (32 days ago); in the 19 days from 13 May to "
            "31 May the client made 4 contacts beyond what was agreed for after "
            "the ending."
        ),
    )


def test_the_day_after_ending_counts_from_its_first_moment_up_to_now():
    first_moment = dt.datetime(2025, 5, 2, tzinfo=dt.UTC)
    contacts = [_at(first_moment), _at(NOW)]
    finding = after_ending_contact(ENDED, contacts, now=NOW, thresholds=DEFAULTS)
    assert finding.evidence["contacts_after_ending"] == 2
    assert finding.window_start == dt.date(2025, 5, 2)
    assert finding.window_end == NOW.date()
    the_next_day = dt.datetime(2025, 5, 2, 18, 0, tzinfo=dt.UTC)
    assert after_ending_contact(
        ENDED, [_at(the_next_day)], now=NOW, thresholds=DEFAULTS
    )


def test_the_ending_day_is_read_in_the_scans_time_zone_and_the_contacts_own():
    # Still 1 May at the scan's midnight (UTC), though already 2 May in Sydney.
    sydney = dt.timezone(dt.timedelta(hours=10))
    early = _at(dt.datetime(2025, 5, 2, 5, 0, tzinfo=sydney))
    assert after_ending_contact(ENDED, [early], now=NOW, thresholds=DEFAULTS) is None
    # Already 2 May in UTC, though still 1 May where the contact was made.
    new_york = dt.timezone(dt.timedelta(hours=-5))
    late = _at(dt.datetime(2025, 5, 1, 23, 0, tzinfo=new_york))
    assert after_ending_contact(ENDED, [late], now=NOW, thresholds=DEFAULTS) is None


def test_a_contact_after_ending_is_yellow_and_three_are_red():
    one = after_ending_contact(ENDED, [_ago(5)], now=NOW, thresholds=DEFAULTS)
    assert one is not None and one.tier == Tier.YELLOW
    assert_presentable(one)
    three = [_ago(d) for d in (2, 5, 9)]
    assert (
        after_ending_contact(ENDED, three, now=NOW, thresholds=DEFAULTS).tier
        == Tier.RED
    )


def test_contacts_before_ending_or_from_the_therapist_do_not_count():
    contacts = [_ago(40), _ago(3, from_client=False)]
    assert after_ending_contact(ENDED, contacts, now=NOW, thresholds=DEFAULTS) is None


def test_where_the_policy_allows_it_only_contacts_over_the_limit_count():
    allowed = EndingFacts(ended_on=ENDED.ended_on, after_ending_allowed=True)
    assert (
        after_ending_contact(allowed, [_ago(5)], now=NOW, thresholds=DEFAULTS) is None
    )
    over = [_ago(5, over_weekly_limit=True)]
    assert after_ending_contact(allowed, over, now=NOW, thresholds=DEFAULTS)


def test_after_ending_contact_can_be_switched_off():
    off = switched_off("after_ending")
    assert after_ending_contact(ENDED, [_ago(5)], now=NOW, thresholds=off) is None
