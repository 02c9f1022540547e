"""The absence-surge detector's two parts: their verdicts, and every number
pinned to exact values and boundaries.

Expected rates and intervals are worked out here from the inputs (the interval
straight from the binomial, not through the detector's own helper), so a
change to any number the supervisor reads shows up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from scipy import stats

from attachment.engine.patterns import (
    AbsenceContactCounts,
    AbsenceFacts,
    Finding,
    Kind,
    ObservationFacts,
    Part,
    Tier,
    absence_ahead,
    absence_surge,
)
from attachment.engine.patterns.absence import MIN_DAYS_AWAY
from tests.attachment.engine.patterns.helpers import (
    DEFAULTS,
    NOW,
    assert_presentable,
    switched_off,
)

TODAY = NOW.date()


def _away(starts_on: dt.date, ends_on: dt.date = dt.date(2025, 6, 8)) -> AbsenceFacts:
    return AbsenceFacts(starts_on=starts_on, ends_on=ends_on, has_cover=True)


def _counts(
    during: int,
    baseline: int,
    baseline_days: int,
    absence: AbsenceFacts | None = None,
) -> AbsenceContactCounts:
    return AbsenceContactCounts(
        absence=absence or _away(dt.date(2025, 5, 19)),
        during=during,
        baseline=baseline,
        baseline_days=baseline_days,
    )


def _exact_interval(during, days, baseline, baseline_days):
    """Clopper-Pearson bounds of the recent share, turned into rate ratios."""
    total = during + baseline
    ci = stats.binomtest(during, total).proportion_ci(0.95, method="exact")
    scale = baseline_days / days
    return ci.low / (1 - ci.low) * scale, ci.high / (1 - ci.high) * scale


def _one_sided_p(during, days, baseline, baseline_days):
    share = days / (days + baseline_days)
    return stats.binomtest(
        during, during + baseline, share, alternative="greater"
    ).pvalue


# --- during the absence -----------------------------------------------------------


def test_a_surge_during_an_absence_reports_every_number_it_rests_on():
    # Away since 19 May, so 15 days by 2 June; usually 12 contacts in 84 days.
    finding = absence_surge(_counts(7, 12, 84), now=NOW, thresholds=DEFAULTS)
    low, high = _exact_interval(7, 15, 12, 84)
    p_value = _one_sided_p(7, 15, 12, 84)
    assert finding == Finding(
        kind=Kind.ABSENCE_SURGE,
        part=Part.DURING_ABSENCE,
        tier=Tier.YELLOW,
        window_start=dt.date(2025, 5, 19),
        window_end=TODAY,
        score=round(low, 3),
        evidence={
            "part": "during_absence",
            "absence_starts_on": "2025-05-19",
            "absence_ends_on": "2025-06-08",
            "has_cover": True,
            "days_absent_so_far": 15,
            "contacts_during_absence": 7,
            "contacts_answered_by_cover": 0,
            "contacts_counted": 7,
            "baseline_contacts": 12,
            "baseline_days": 84,
            "rate_per_week_during": round(7 / 15 * 7, 3),
            "rate_per_week_usual": 1.0,
            "rate_ratio": round((7 / 15) / (12 / 84), 3),
            "rate_ratio_ci95": [round(low, 3), round(high, 3)],
            "p_value": round(p_value, 6),
        },
        explanation=(
            "In the 15 days from 19 May to 2 Jun, while the therapist was away, the "
            "client made 7 contacts, about 3.3 a week against a usual 1.0 a week."
        ),
    )
    # Inputs whose fourth decimals are not zero, so the rounding shows.
    assert round(low, 4) != round(low, 3)
    assert round(p_value, 7) != round(p_value, 6)


def test_an_absence_that_is_over_is_counted_to_its_last_day():
    over = _away(dt.date(2025, 5, 1), ends_on=dt.date(2025, 5, 14))
    finding = absence_surge(_counts(12, 12, 84, over), now=NOW, thresholds=DEFAULTS)
    assert finding.window_end == dt.date(2025, 5, 14)
    assert finding.evidence["days_absent_so_far"] == 14
    assert finding.evidence["rate_per_week_during"] == 6.0


def test_an_absence_is_not_judged_before_its_seventh_day():
    # 3 contacts on the first day against one a week would be a surge, but a
    # day or two of a busy client is not yet one.
    today = _away(TODAY)
    assert absence_surge(_counts(3, 4, 28, today), now=NOW, thresholds=DEFAULTS) is None
    sixth = _away(TODAY - dt.timedelta(days=5))
    assert absence_surge(_counts(9, 4, 28, sixth), now=NOW, thresholds=DEFAULTS) is None


def test_an_absence_is_judged_from_its_seventh_day():
    seventh = _away(TODAY - dt.timedelta(days=MIN_DAYS_AWAY - 1))
    finding = absence_surge(_counts(9, 4, 28, seventh), now=NOW, thresholds=DEFAULTS)
    assert finding is not None
    assert finding.evidence["days_absent_so_far"] == 7
    assert finding.evidence["rate_per_week_during"] == 9.0
    assert finding.evidence["rate_per_week_usual"] == 1.0
    assert finding.tier == Tier.RED


def test_a_shorter_absence_is_judged_on_its_last_day():
    three_days = _away(TODAY - dt.timedelta(days=2), TODAY)
    finding = absence_surge(_counts(6, 4, 28, three_days), now=NOW, thresholds=DEFAULTS)
    assert finding is not None
    assert finding.evidence["days_absent_so_far"] == 3
    not_yet = _away(TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1))
    assert (
        absence_surge(_counts(6, 4, 28, not_yet), now=NOW, thresholds=DEFAULTS) is None
    )


def test_an_absence_that_has_not_started_has_no_surge():
    tomorrow = _away(TODAY + dt.timedelta(days=1))
    assert (
        absence_surge(_counts(10, 12, 84, tomorrow), now=NOW, thresholds=DEFAULTS)
        is None
    )


def test_four_weeks_of_baseline_are_enough_and_fewer_days_are_not():
    assert absence_surge(_counts(9, 4, 28), now=NOW, thresholds=DEFAULTS) is not None
    assert absence_surge(_counts(9, 4, 27), now=NOW, thresholds=DEFAULTS) is None


def test_the_least_number_of_contacts_is_enough():
    at_least = dataclasses.replace(DEFAULTS, absence_min_contacts=3)
    today = _away(TODAY - dt.timedelta(days=2), TODAY)
    assert absence_surge(_counts(3, 4, 28, today), now=NOW, thresholds=at_least)
    more = dataclasses.replace(DEFAULTS, absence_min_contacts=4)
    assert absence_surge(_counts(3, 4, 28, today), now=NOW, thresholds=more) is None


def test_a_significant_rise_below_the_ratio_is_not_a_surge():
    # 25 contacts in 15 days against one a day: clearly more (p about 0.02),
    # but only 1.7 times as many.
    assert _one_sided_p(25, 15, 84, 84) < 0.05
    assert absence_surge(_counts(25, 84, 84), now=NOW, thresholds=DEFAULTS) is None


def test_a_large_but_uncertain_ratio_is_not_a_surge():
    # One contact in two days after none in 38: infinitely many times the usual
    # rate, yet a one-sided p of exactly 0.05, which is not below 5%.
    yesterday = _away(TODAY - dt.timedelta(days=1))
    one = dataclasses.replace(DEFAULTS, absence_min_contacts=1)
    assert _one_sided_p(1, 2, 0, 38) == 0.05
    assert absence_surge(_counts(1, 0, 38, yesterday), now=NOW, thresholds=one) is None


def test_a_ratio_exactly_at_the_minimum_counts():
    # 15 contacts in 15 days against 42 in 84: exactly twice the usual rate.
    finding = absence_surge(_counts(15, 42, 84), now=NOW, thresholds=DEFAULTS)
    assert finding is not None
    assert finding.evidence["rate_ratio"] == 2.0


def test_red_needs_the_lower_bound_strictly_above_the_red_ratio():
    low, _ = _exact_interval(16, 15, 12, 84)
    at_bound = dataclasses.replace(DEFAULTS, absence_red_ratio=low)
    finding = absence_surge(_counts(16, 12, 84), now=NOW, thresholds=at_bound)
    assert finding.tier == Tier.YELLOW
    below = dataclasses.replace(DEFAULTS, absence_red_ratio=low - 1e-9)
    assert (
        absence_surge(_counts(16, 12, 84), now=NOW, thresholds=below).tier == Tier.RED
    )


def test_contact_well_above_the_usual_rate_during_an_absence_is_flagged():
    # 15 days away so far; usually one contact a week.
    yellow = absence_surge(_counts(7, 12, 84), now=NOW, thresholds=DEFAULTS)
    assert yellow is not None
    assert yellow.part == Part.DURING_ABSENCE
    assert yellow.tier == Tier.YELLOW
    assert yellow.window_start == dt.date(2025, 5, 19)
    assert_presentable(yellow)
    red = absence_surge(_counts(16, 12, 84), now=NOW, thresholds=DEFAULTS)
    assert red is not None and red.tier == Tier.RED


def test_usual_contact_during_an_absence_is_not_flagged():
    assert absence_surge(_counts(3, 12, 84), now=NOW, thresholds=DEFAULTS) is None


def test_absence_surge_needs_a_few_contacts_and_a_baseline():
    assert absence_surge(_counts(2, 0, 84), now=NOW, thresholds=DEFAULTS) is None
    assert absence_surge(_counts(9, 12, 14), now=NOW, thresholds=DEFAULTS) is None


def test_absence_surge_can_be_switched_off():
    assert (
        absence_surge(_counts(16, 12, 84), now=NOW, thresholds=switched_off("absence"))
        is None
    )


# --- ahead of an absence ----------------------------------------------------------

PLANNED = AbsenceFacts(
    starts_on=dt.date(2025, 6, 12), ends_on=dt.date(2025, 6, 26), has_cover=True
)


def _fear(day: dt.date, intensity: int = 3) -> ObservationFacts:
    return ObservationFacts(day, intensity=intensity, fear_of_abandonment=True)


FEARFUL = [_fear(dt.date(2025, 5, 20))]


def test_the_prompt_ahead_of_an_absence_reports_every_number_it_rests_on():
    # Given newest first: the window still starts at the oldest observation.
    observations = [
        _fear(dt.date(2025, 5, 28), intensity=3),
        _fear(dt.date(2025, 5, 10), intensity=4),
        ObservationFacts(dt.date(2025, 5, 1), intensity=4),  # no fear marked
    ]
    finding = absence_ahead(PLANNED, observations, now=NOW, thresholds=DEFAULTS)
    assert finding == Finding(
        kind=Kind.ABSENCE_SURGE,
        part=Part.AHEAD_OF_ABSENCE,
        tier=Tier.YELLOW,
        window_start=dt.date(2025, 5, 10),
        window_end=dt.date(2025, 6, 11),
        score=2.0,
        evidence={
            "part": "ahead_of_absence",
            "absence_starts_on": "2025-06-12",
            "absence_ends_on": "2025-06-26",
            "days_until_absence": 10,
            "has_cover": True,
            "high_intensity_observations": 2,
            "highest_intensity": 4,
            "observation_weeks": 8,
        },
        explanation=(
            "The therapist is away from 12 Jun (in 10 days) and 2 observations "
            "since 10 May noted a strong fear of being left; check the cover plan "
            "with the client."
        ),
    )


def test_without_cover_the_prompt_is_red_and_says_so():
    uncovered = dataclasses.replace(PLANNED, has_cover=False)
    finding = absence_ahead(
        uncovered, [_fear(dt.date(2025, 5, 28))], now=NOW, thresholds=DEFAULTS
    )
    assert finding.tier == Tier.RED
    assert finding.evidence["has_cover"] is False
    assert finding.explanation == (
        "The therapist is away from 12 Jun (in 10 days) and 1 observation since "
        "28 May noted a strong fear of being left; no covering therapist is "
        "arranged yet."
    )


@pytest.mark.parametrize(
    ("days_ahead", "prompted"), [(0, False), (1, True), (21, True), (22, False)]
)
def test_the_prompt_comes_from_the_day_before_up_to_the_lookahead(days_ahead, prompted):
    starts = TODAY + dt.timedelta(days=days_ahead)
    absence = dataclasses.replace(
        PLANNED, starts_on=starts, ends_on=starts + dt.timedelta(days=7)
    )
    finding = absence_ahead(
        absence, [_fear(TODAY - dt.timedelta(days=3))], now=NOW, thresholds=DEFAULTS
    )
    assert (finding is not None) is prompted


def test_observations_count_from_after_the_window_start_up_to_today():
    window_start = TODAY - dt.timedelta(weeks=8)
    assert (
        absence_ahead(PLANNED, [_fear(window_start)], now=NOW, thresholds=DEFAULTS)
        is None
    )
    inside = absence_ahead(
        PLANNED,
        [_fear(window_start + dt.timedelta(days=1)), _fear(TODAY)],
        now=NOW,
        thresholds=DEFAULTS,
    )
    assert inside.window_start == window_start + dt.timedelta(days=1)
    assert inside.score == 2.0
    tomorrow = absence_ahead(
        PLANNED, [_fear(TODAY + dt.timedelta(days=1))], now=NOW, thresholds=DEFAULTS
    )
    assert tomorrow is None


def test_fear_of_abandonment_before_a_planned_absence_prompts_cover():
    finding = absence_ahead(PLANNED, FEARFUL, now=NOW, thresholds=DEFAULTS)
    assert finding is not None
    assert finding.part == Part.AHEAD_OF_ABSENCE
    assert finding.tier == Tier.YELLOW
    assert_presentable(finding)
    uncovered = dataclasses.replace(PLANNED, has_cover=False)
    assert (
        absence_ahead(uncovered, FEARFUL, now=NOW, thresholds=DEFAULTS).tier == Tier.RED
    )


def test_no_prompt_when_the_absence_is_far_off_or_the_fear_mild():
    later = dataclasses.replace(
        PLANNED, starts_on=dt.date(2025, 8, 1), ends_on=dt.date(2025, 8, 9)
    )
    assert absence_ahead(later, FEARFUL, now=NOW, thresholds=DEFAULTS) is None
    mild = [dataclasses.replace(FEARFUL[0], intensity=2)]
    assert absence_ahead(PLANNED, mild, now=NOW, thresholds=DEFAULTS) is None
    assert (
        absence_ahead(PLANNED, FEARFUL, now=NOW, thresholds=switched_off("absence"))
        is None
    )
