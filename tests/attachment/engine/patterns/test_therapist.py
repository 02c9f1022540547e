"""Therapist overextension and abrupt withdrawal: their verdicts on two steady
stretches of weeks, and their exact findings pinned to the edges of their
windows and to every significance and size boundary.

Expected p-values are recomputed here from the raw weekly numbers (the exact
binomial, Fisher's and Mann-Whitney tests), so a change in which weeks are read
or how a test is called shows up as a different number.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import warnings

import numpy as np
import pytest
from scipy import stats

from attachment.engine.patterns import (
    Finding,
    Kind,
    Part,
    Tier,
    WeeklySeries,
    abrupt_withdrawal,
    therapist_overextension,
)
from tests.attachment.engine.patterns.helpers import (
    DEFAULTS,
    FIRST_MONDAY,
    assert_presentable,
    monday_after,
    switched_off,
    weekly_series,
)

# These histories were built for three recent weeks, four contacts on each
# side and a 5 % test; the evaluated defaults are tested in test_thresholds.py.
DEFAULTS = dataclasses.replace(
    DEFAULTS,
    withdrawal_recent_weeks=3,
    withdrawal_min_contacts=4,
    withdrawal_alpha=0.05,
)

NAN = math.nan


def _weekly(**columns: list) -> WeeklySeries:
    n = len(columns["client_initiated"])
    return WeeklySeries.build(
        client_id=4242,
        week_starts=[FIRST_MONDAY + dt.timedelta(weeks=i) for i in range(n)],
        **columns,
    )


def _rate_p(recent: int, recent_weeks: int, before: int, before_weeks: int) -> float:
    share = recent_weeks / (recent_weeks + before_weeks)
    return stats.binomtest(recent, recent + before, share, alternative="greater").pvalue


# --- two steady stretches of weeks ------------------------------------------------


def _therapist_series(
    before: dict[str, float],
    recent: dict[str, float],
    before_weeks: int,
    recent_weeks: int,
) -> WeeklySeries:
    def column(key: str) -> list[float]:
        return [before[key]] * before_weeks + [recent[key]] * recent_weeks

    jitter = np.tile([0.9, 1.0, 1.1], before_weeks + recent_weeks)[
        : before_weeks + recent_weeks
    ]
    return weekly_series(
        [int(v) for v in column("client")],
        replied=column("replied"),
        therapist_initiated=column("initiated"),
        after_hours_replies=column("after_hours"),
        median_response_minutes=np.asarray(column("minutes")) * jitter,
    )


BEFORE = {"client": 3, "replied": 3, "initiated": 1, "after_hours": 0, "minutes": 240}


# --- overextension ----------------------------------------------------------------

# Four early weeks the windows must not read, twelve baseline weeks (the fourth
# one away) and six recent weeks (the first one away).
EARLY, BASELINE, RECENT = 4, 12, 6
AWAY = {EARLY + 3, EARLY + BASELINE}
MINUTES = (
    [1000.0] * EARLY
    + [200, 260, 240, 999, 230, 250, 210, NAN, 270, 220, 245, NAN]
    + [5, 60, 205, NAN, 50, 215]
)
AFTER_HOURS = [5] * EARLY + [0, 1, 0, 9, 0, 0, 1, 0, 0, 1, 0, 0] + [9, 2, 1, 2, 1, 1]
INITIATED = [9] * EARLY + [1, 1, 1, 9, 1, 1, 1, 1, 1, 1, 1, 1] + [9, 3, 2, 3, 2, 4]


def _overextended(**changes: list) -> WeeklySeries:
    n = EARLY + BASELINE + RECENT
    columns = {
        "client_initiated": [3] * n,
        "replied": [3] * n,
        "median_response_minutes": MINUTES,
        "after_hours_replies": AFTER_HOURS,
        "therapist_initiated": INITIATED,
        "therapist_absent": [i in AWAY for i in range(n)],
    }
    return _weekly(**{**columns, **changes})


BEFORE_MEDIANS = [200, 260, 240, 230, 250, 210, 270, 220, 245]
RECENT_MEDIANS = [60, 205, 50, 215]


def _faster_p(recent=RECENT_MEDIANS, before=BEFORE_MEDIANS) -> float:
    return stats.mannwhitneyu(recent, before, alternative="less").pvalue


def test_overextension_reports_every_number_it_rests_on():
    series = _overextended()
    finding = therapist_overextension(
        series, now=monday_after(series), thresholds=DEFAULTS
    )
    faster_p = _faster_p()
    after_hours_p = _rate_p(7, 5, 3, 11)
    initiated_p = _rate_p(14, 5, 11, 11)
    assert max(faster_p, after_hours_p, initiated_p) < 0.05
    assert finding == Finding(
        kind=Kind.THERAPIST_OVEREXTENSION,
        part=Part.NONE,
        tier=Tier.RED,
        window_start=series.week_starts[EARLY + BASELINE + 1],
        window_end=series.week_starts[-1] + dt.timedelta(days=6),
        score=3.0,
        evidence={
            "faster_replies": True,
            "more_after_hours_replies": True,
            "more_therapist_initiated": True,
            "baseline_weeks": 11,
            "recent_weeks": 5,
            "median_response_minutes_before": float(np.median(BEFORE_MEDIANS)),
            "median_response_minutes_recent": float(np.median(RECENT_MEDIANS)),
            "faster_replies_p_value": round(faster_p, 6),
            "after_hours_per_week_before": round(3 / 11, 3),
            "after_hours_per_week_recent": 1.4,
            "after_hours_p_value": round(after_hours_p, 6),
            "therapist_initiated_per_week_before": 1.0,
            "therapist_initiated_per_week_recent": 2.8,
            "therapist_initiated_p_value": round(initiated_p, 6),
            "during_own_absence": 0,
        },
        explanation=(
            "In the 5 weeks from 29 Apr to 2 Jun, compared with the 11 weeks "
            "before, the therapist was more available to this client: replies "
            "came faster (typically about 2 hours, against about 4 hours before); "
            "more replies were sent outside contact hours; the therapist started "
            "more contacts."
        ),
    )
    for p_value in (faster_p, after_hours_p, initiated_p):
        assert round(p_value, 7) != round(p_value, 6)


@pytest.mark.parametrize("signal", ["faster", "after_hours", "initiated"])
def test_each_overextension_signal_needs_a_p_value_below_alpha(signal):
    p_values = {
        "faster": _faster_p(),
        "after_hours": _rate_p(7, 5, 3, 11),
        "initiated": _rate_p(14, 5, 11, 11),
    }
    at_alpha = dataclasses.replace(
        DEFAULTS, overextension_alpha=p_values[signal], overextension_min_signals=1
    )
    series = _overextended()
    finding = therapist_overextension(
        series, now=monday_after(series), thresholds=at_alpha
    )
    key = {
        "faster": "faster_replies",
        "after_hours": "more_after_hours_replies",
        "initiated": "more_therapist_initiated",
    }[signal]
    below = sum(p < p_values[signal] for p in p_values.values())
    if below == 0:  # the strongest signal: nothing is left below alpha
        assert finding is None
        return
    assert finding.evidence[key] is False
    assert finding.score == float(below)
    assert finding.tier == Tier.YELLOW


def test_the_least_number_of_recent_actions_is_enough():
    # 15 replies and 14 contacts the therapist began in the five recent weeks.
    series = _overextended()
    enough = dataclasses.replace(DEFAULTS, overextension_min_actions=29)
    assert therapist_overextension(series, now=monday_after(series), thresholds=enough)
    more = dataclasses.replace(DEFAULTS, overextension_min_actions=30)
    assert (
        therapist_overextension(series, now=monday_after(series), thresholds=more)
        is None
    )


def test_three_weekly_medians_on_each_side_are_enough_for_the_reply_time_test():
    recent = [5, 60, 205, NAN, NAN, 215]
    series = _overextended(median_response_minutes=MINUTES[:-RECENT] + recent)
    finding = therapist_overextension(
        series, now=monday_after(series), thresholds=DEFAULTS
    )
    assert finding.evidence["faster_replies_p_value"] == round(
        _faster_p([60, 205, 215]), 6
    )
    before = [1000.0] * EARLY + [200, 260, NAN, 999] + [NAN] * 7 + [255]
    series = _overextended(median_response_minutes=before + MINUTES[-RECENT:])
    finding = therapist_overextension(
        series, now=monday_after(series), thresholds=DEFAULTS
    )
    assert finding.evidence["faster_replies_p_value"] == round(
        _faster_p(before=[200, 260, 255]), 6
    )


def test_two_weekly_medians_are_too_few_for_the_reply_time_test():
    recent = [5, 60, NAN, NAN, NAN, 40]
    series = _overextended(median_response_minutes=MINUTES[:-RECENT] + recent)
    finding = therapist_overextension(
        series, now=monday_after(series), thresholds=DEFAULTS
    )
    assert finding.evidence["faster_replies"] is False
    assert finding.evidence["faster_replies_p_value"] == 1.0
    assert finding.evidence["median_response_minutes_recent"] == 50.0
    before = [1000.0] * EARLY + [200, 260] + [NAN] * 10
    series = _overextended(median_response_minutes=before + MINUTES[-RECENT:])
    finding = therapist_overextension(
        series, now=monday_after(series), thresholds=DEFAULTS
    )
    assert finding.evidence["faster_replies_p_value"] == 1.0
    assert finding.evidence["median_response_minutes_before"] == 230.0


def test_weeks_without_any_reply_time_give_no_median_and_no_warning():
    n = EARLY + BASELINE + RECENT
    series = _overextended(median_response_minutes=[NAN] * n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        finding = therapist_overextension(
            series, now=monday_after(series), thresholds=DEFAULTS
        )
    assert finding.evidence["median_response_minutes_before"] is None
    assert finding.evidence["median_response_minutes_recent"] is None
    assert finding.tier == Tier.YELLOW


def _busy(
    before_weeks: int, recent_weeks: int, away: set[int] = frozenset()
) -> WeeklySeries:
    """A steady baseline, then many after-hours replies and contacts begun by the
    therapist; ``away`` marks weeks (counted from the start) as absent."""
    n = before_weeks + recent_weeks
    recent = [i >= before_weeks for i in range(n)]
    return _weekly(
        client_initiated=[3] * n,
        replied=[3] * n,
        after_hours_replies=[10 if r else 0 for r in recent],
        therapist_initiated=[10 if r else 1 for r in recent],
        therapist_absent=[i in away for i in range(n)],
    )


def test_a_history_shorter_than_both_windows_is_not_judged():
    assert therapist_overextension(
        _busy(12, 6), now=monday_after(_busy(12, 6)), thresholds=DEFAULTS
    )
    short = _busy(11, 6)
    assert (
        therapist_overextension(short, now=monday_after(short), thresholds=DEFAULTS)
        is None
    )


def test_one_present_recent_week_is_enough_and_none_is_not():
    one = _busy(12, 6, away={13, 14, 15, 16, 17})
    finding = therapist_overextension(one, now=monday_after(one), thresholds=DEFAULTS)
    assert finding.evidence["recent_weeks"] == 1
    assert finding.window_start == one.week_starts[12]
    assert finding.window_end == one.week_starts[17] + dt.timedelta(days=6)
    none = _busy(12, 6, away=set(range(12, 18)))
    assert (
        therapist_overextension(none, now=monday_after(none), thresholds=DEFAULTS)
        is None
    )


@pytest.mark.parametrize(
    ("baseline_weeks", "present", "judged"),
    [(12, 6, True), (12, 5, False), (13, 6, True)],
)
def test_at_least_half_the_baseline_weeks_must_be_present(
    baseline_weeks, present, judged
):
    thresholds = dataclasses.replace(
        DEFAULTS, overextension_baseline_weeks=baseline_weeks
    )
    series = _busy(baseline_weeks, 6, away=set(range(baseline_weeks - present)))
    finding = therapist_overextension(
        series, now=monday_after(series), thresholds=thresholds
    )
    assert (finding is not None) is judged


def test_a_therapist_doing_more_and_more_is_flagged():
    all_three = {**BEFORE, "initiated": 4, "after_hours": 3, "minutes": 30}
    series = _therapist_series(BEFORE, all_three, 12, 6)
    red = therapist_overextension(series, now=monday_after(series), thresholds=DEFAULTS)
    assert red is not None and red.tier == Tier.RED
    assert_presentable(red)
    two = {**BEFORE, "initiated": 4, "after_hours": 3}
    series = _therapist_series(BEFORE, two, 12, 6)
    yellow = therapist_overextension(
        series, now=monday_after(series), thresholds=DEFAULTS
    )
    assert yellow is not None and yellow.tier == Tier.YELLOW
    assert yellow.evidence["faster_replies"] is False


def test_steady_availability_or_too_little_work_is_not_overextension():
    steady = _therapist_series(BEFORE, BEFORE, 12, 6)
    assert (
        therapist_overextension(steady, now=monday_after(steady), thresholds=DEFAULTS)
        is None
    )
    quiet_before = {
        "client": 0,
        "replied": 0,
        "initiated": 0,
        "after_hours": 0,
        "minutes": np.nan,
    }
    quiet_recent = {**quiet_before, "initiated": 0.5, "after_hours": 0.5}
    quiet = _therapist_series(quiet_before, quiet_recent, 12, 6)
    assert (
        therapist_overextension(quiet, now=monday_after(quiet), thresholds=DEFAULTS)
        is None
    )
    busy = _therapist_series(
        BEFORE, {**BEFORE, "initiated": 4, "after_hours": 3}, 12, 6
    )
    assert (
        therapist_overextension(
            busy, now=monday_after(busy), thresholds=switched_off("overextension")
        )
        is None
    )


# --- abrupt withdrawal ------------------------------------------------------------

PRIOR_ASKED = [5, 6, 4, 5, 5, 6, 4, 5]
PRIOR_REPLIED = [5, 5, 4, 4, 5, 5, 4, 4]
PRIOR_MINUTES = [20, 25, 18, 22, NAN, 21, 19, 24]


def _withdrawn(
    recent_asked=(5, 6, 4),
    recent_replied=(2, 2, 3),
    recent_minutes=(70, 90, 65),
    prior_asked=PRIOR_ASKED,
    prior_replied=PRIOR_REPLIED,
    prior_minutes=PRIOR_MINUTES,
) -> WeeklySeries:
    """Two early weeks the windows must not read, eight prior weeks, three recent."""
    return _weekly(
        client_initiated=[5, 5, *prior_asked, *recent_asked],
        replied=[0, 0, *prior_replied, *recent_replied],
        median_response_minutes=[900, 900, *prior_minutes, *recent_minutes],
    )


def _fisher_p(answered_before, asked_before, answered_recent, asked_recent) -> float:
    table = [
        [answered_before, asked_before - answered_before],
        [answered_recent, asked_recent - answered_recent],
    ]
    return stats.fisher_exact(table, alternative="greater").pvalue


PRIOR_MEDIANS = [20, 25, 18, 22, 21, 19, 24]


def test_withdrawal_reports_every_number_it_rests_on():
    series = _withdrawn()
    finding = abrupt_withdrawal(series, now=monday_after(series), thresholds=DEFAULTS)
    fisher_p = _fisher_p(36, 40, 7, 15)
    slower_p = stats.mannwhitneyu(
        [70, 90, 65], PRIOR_MEDIANS, alternative="greater"
    ).pvalue
    assert finding == Finding(
        kind=Kind.ABRUPT_WITHDRAWAL,
        part=Part.NONE,
        tier=Tier.RED,
        window_start=series.week_starts[10],
        window_end=series.week_starts[12] + dt.timedelta(days=6),
        score=round(0.9 - 7 / 15, 3),
        evidence={
            "fewer_replies": True,
            "slower_replies": True,
            "prior_weeks": 8,
            "recent_weeks": 3,
            "reply_share_before": 0.9,
            "reply_share_recent": 0.467,
            "fisher_p_value": round(fisher_p, 6),
            "median_response_minutes_before": 21.0,
            "median_response_minutes_recent": 70.0,
            "slower_p_value": round(slower_p, 6),
        },
        explanation=(
            "In the 3 weeks from 11 Mar to 31 Mar, 7 of the client's 15 contacts "
            "were answered (47%), against 90% in the 8 weeks before, and replies "
            "took 1 hour 10 minutes against 21 minutes before."
        ),
    )
    assert finding.score == 0.433
    assert round(fisher_p, 6) != round(fisher_p, 7)
    assert round(slower_p, 6) != round(slower_p, 7)


def test_fewer_replies_alone_are_yellow_and_told_without_a_slowdown():
    series = _withdrawn(recent_minutes=(21, 19, 24))
    finding = abrupt_withdrawal(series, now=monday_after(series), thresholds=DEFAULTS)
    assert finding.tier == Tier.YELLOW
    assert finding.evidence["fewer_replies"] is True
    assert finding.evidence["slower_replies"] is False
    assert finding.explanation == (
        "In the 3 weeks from 11 Mar to 31 Mar, 7 of the client's 15 contacts were "
        "answered (47%), against 90% in the 8 weeks before."
    )


def test_the_least_number_of_contacts_on_each_side_is_enough():
    # Ten contacts before (all answered), twenty recent (three answered).
    series = _withdrawn(
        prior_asked=[1, 1, 2, 1, 1, 2, 1, 1],
        prior_replied=[1, 1, 2, 1, 1, 2, 1, 1],
        recent_asked=(7, 7, 6),
        recent_replied=(1, 1, 1),
    )
    ten = dataclasses.replace(DEFAULTS, withdrawal_min_contacts=10)
    assert abrupt_withdrawal(series, now=monday_after(series), thresholds=ten)
    eleven = dataclasses.replace(DEFAULTS, withdrawal_min_contacts=11)
    assert (
        abrupt_withdrawal(series, now=monday_after(series), thresholds=eleven) is None
    )
    fifteen = dataclasses.replace(DEFAULTS, withdrawal_min_contacts=15)
    standard = _withdrawn()  # 40 contacts before, 15 recent
    assert abrupt_withdrawal(standard, now=monday_after(standard), thresholds=fifteen)


def test_a_reply_share_exactly_at_the_high_mark_counts_as_high():
    series = _withdrawn(prior_replied=[4, 5, 3, 4, 4, 5, 3, 4])  # 32 of 40
    finding = abrupt_withdrawal(series, now=monday_after(series), thresholds=DEFAULTS)
    assert finding.evidence["reply_share_before"] == 0.8


def test_a_large_drop_in_few_contacts_is_not_significant():
    # Four of four answered, then two of four: half as many, p about 0.2.
    series = _withdrawn(
        prior_asked=[1, 0, 1, 0, 1, 0, 1, 0],
        prior_replied=[1, 0, 1, 0, 1, 0, 1, 0],
        recent_asked=(2, 1, 1),
        recent_replied=(1, 1, 0),
        recent_minutes=(20, 21, 22),
    )
    assert _fisher_p(4, 4, 2, 4) > 0.05
    assert (
        abrupt_withdrawal(series, now=monday_after(series), thresholds=DEFAULTS) is None
    )


def test_the_reply_share_test_is_one_sided():
    # Every contact answered recently, but replies much slower: the share test
    # asks only whether fewer were answered, so its p-value is near one.
    series = _withdrawn(recent_replied=(5, 6, 4))
    finding = abrupt_withdrawal(series, now=monday_after(series), thresholds=DEFAULTS)
    assert finding.evidence["fewer_replies"] is False
    assert finding.evidence["fisher_p_value"] == round(_fisher_p(36, 40, 15, 15), 6)
    two_sided = stats.fisher_exact([[36, 4], [15, 0]]).pvalue
    assert round(two_sided, 6) != finding.evidence["fisher_p_value"]


def test_a_history_as_long_as_half_the_windows_is_still_too_short():
    thresholds = dataclasses.replace(
        DEFAULTS, withdrawal_prior_weeks=9, withdrawal_recent_weeks=1
    )
    series = _weekly(
        client_initiated=[5, 5, 5, 5, 5],
        replied=[5, 5, 5, 5, 0],
        median_response_minutes=[20, 20, 20, 20, NAN],
    )
    assert (
        abrupt_withdrawal(series, now=monday_after(series), thresholds=thresholds)
        is None
    )


def test_a_significant_but_small_drop_is_not_a_sharp_one():
    series = _withdrawn(
        prior_asked=[12] * 8,
        prior_replied=[12] * 8,
        recent_asked=(33, 33, 34),
        recent_replied=(23, 23, 24),
        recent_minutes=(20, 21, 22),
    )
    assert _fisher_p(96, 96, 70, 100) < 0.001
    assert (
        abrupt_withdrawal(series, now=monday_after(series), thresholds=DEFAULTS) is None
    )


def test_a_drop_exactly_at_the_limit_is_sharp():
    series = _withdrawn(
        prior_asked=[5] * 8,
        prior_replied=[5] * 8,
        recent_asked=(10, 10, 10),
        recent_replied=(6, 6, 6),
        recent_minutes=(20, 21, 22),
    )
    finding = abrupt_withdrawal(series, now=monday_after(series), thresholds=DEFAULTS)
    assert finding.score == 0.4
    assert finding.evidence["fewer_replies"] is True


def test_the_fisher_p_value_must_be_below_alpha():
    series = _withdrawn(recent_minutes=(21, 19, 24))
    at_alpha = dataclasses.replace(DEFAULTS, withdrawal_alpha=_fisher_p(36, 40, 7, 15))
    assert (
        abrupt_withdrawal(series, now=monday_after(series), thresholds=at_alpha) is None
    )


def test_the_slowdown_p_value_must_be_below_alpha():
    series = _withdrawn()
    slower_p = stats.mannwhitneyu(
        [70, 90, 65], PRIOR_MEDIANS, alternative="greater"
    ).pvalue
    assert _fisher_p(36, 40, 7, 15) < slower_p
    at_alpha = dataclasses.replace(DEFAULTS, withdrawal_alpha=slower_p)
    finding = abrupt_withdrawal(series, now=monday_after(series), thresholds=at_alpha)
    assert finding.evidence["slower_replies"] is False
    assert finding.tier == Tier.YELLOW


def test_a_significant_slowdown_short_of_the_factor_is_not_slower():
    series = _withdrawn(recent_minutes=(40, 42, 44))
    finding = abrupt_withdrawal(series, now=monday_after(series), thresholds=DEFAULTS)
    assert finding.evidence["slower_p_value"] < 0.05
    assert finding.evidence["slower_replies"] is False
    assert finding.tier == Tier.YELLOW


def test_a_slowdown_of_exactly_the_factor_is_slower():
    series = _withdrawn(recent_minutes=(63, 70, 61))  # 3 x 21 = 63
    finding = abrupt_withdrawal(series, now=monday_after(series), thresholds=DEFAULTS)
    assert finding.evidence["median_response_minutes_recent"] == 63.0
    assert finding.tier == Tier.RED


def test_replies_under_a_minute_before_are_judged_against_one_minute():
    prior = [0.5, 0.4, 0.6, 0.5, NAN, 0.5, 0.4, 0.6]
    series = _withdrawn(prior_minutes=prior, recent_minutes=(4, 5, 4))
    finding = abrupt_withdrawal(series, now=monday_after(series), thresholds=DEFAULTS)
    assert finding.evidence["slower_replies"] is True


@pytest.mark.parametrize(
    ("recent_minutes", "prior_minutes", "expected"),
    [
        ((70, NAN, NAN), PRIOR_MINUTES, 1 / 8),
        ((70, 90, 65), [20, NAN, NAN, 22, NAN, 21, NAN, NAN], 1 / 20),
        ((70, 90, 65), [20, NAN, NAN, 22, NAN, NAN, NAN, NAN], 1.0),
        ((NAN, NAN, NAN), PRIOR_MINUTES, 1.0),
        ((70, 90, 65), [NAN] * 8, 1.0),
    ],
)
def test_the_slowdown_test_needs_one_recent_and_three_prior_medians(
    recent_minutes, prior_minutes, expected
):
    series = _withdrawn(recent_minutes=recent_minutes, prior_minutes=prior_minutes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        finding = abrupt_withdrawal(
            series, now=monday_after(series), thresholds=DEFAULTS
        )
    assert finding.evidence["slower_p_value"] == round(expected, 6)


AVAILABLE = {"client": 5, "replied": 5, "initiated": 1, "after_hours": 1, "minutes": 20}


def test_an_abrupt_cutback_after_high_availability_is_flagged():
    both = {**AVAILABLE, "replied": 1, "minutes": 600}
    series = _therapist_series(AVAILABLE, both, 8, 3)
    red = abrupt_withdrawal(series, now=monday_after(series), thresholds=DEFAULTS)
    assert red is not None and red.tier == Tier.RED
    assert_presentable(red)
    fewer = {**AVAILABLE, "replied": 1}
    series = _therapist_series(AVAILABLE, fewer, 8, 3)
    yellow = abrupt_withdrawal(series, now=monday_after(series), thresholds=DEFAULTS)
    assert yellow is not None and yellow.tier == Tier.YELLOW


def test_no_withdrawal_without_prior_high_availability_or_a_real_drop():
    steady = _therapist_series(AVAILABLE, AVAILABLE, 8, 3)
    assert (
        abrupt_withdrawal(steady, now=monday_after(steady), thresholds=DEFAULTS) is None
    )
    sparse_before = {**AVAILABLE, "replied": 2}
    series = _therapist_series(sparse_before, {**AVAILABLE, "replied": 0}, 8, 3)
    assert (
        abrupt_withdrawal(series, now=monday_after(series), thresholds=DEFAULTS) is None
    )
    few = _therapist_series(AVAILABLE, {**AVAILABLE, "client": 1, "replied": 0}, 8, 3)
    assert abrupt_withdrawal(few, now=monday_after(few), thresholds=DEFAULTS) is None
    cut = _therapist_series(AVAILABLE, {**AVAILABLE, "replied": 1}, 8, 3)
    assert (
        abrupt_withdrawal(
            cut, now=monday_after(cut), thresholds=switched_off("withdrawal")
        )
        is None
    )


def test_withdrawal_during_the_therapists_absence_is_not_withdrawal():
    cut = _therapist_series(AVAILABLE, {**AVAILABLE, "replied": 0}, 8, 3)
    away = dataclasses.replace(cut, therapist_absent=np.array([False] * 8 + [True] * 3))
    assert abrupt_withdrawal(away, now=monday_after(away), thresholds=DEFAULTS) is None
