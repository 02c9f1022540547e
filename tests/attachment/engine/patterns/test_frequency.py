"""The rising-contact-frequency detector: its verdicts on typical histories,
and the CUSUM pinned to exact numbers, window edges and the week-by-week
statistics the evaluation reads.

The golden case is recomputed here from its definition (moment estimates, the
negative-binomial likelihood ratio, the best span of monitored weeks and the
exact binomial test), so any change in which weeks are read shows up.
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
    cusum,
    rising_contact_frequency,
    rising_contact_frequency_many,
    rising_statistics,
)
from tests.attachment.engine.patterns.helpers import (
    CLIENT_ID,
    DEFAULTS,
    FIRST_MONDAY,
    assert_presentable,
    monday_after,
    switched_off,
    weekly_series,
)

# These histories were built for the CUSUM at a budget of 0.5 false alarms a
# year; the default budget (a share of all eight detectors') is tested in
# test_thresholds.py and by the evaluation.
DEFAULTS = dataclasses.replace(
    DEFAULTS,
    rising_false_alarms_per_year=0.5,
)

STEADY_TWO_A_WEEK = [1, 3] * 31  # mean 2, variance 1: read as Poisson

# 41 baseline weeks (a little bursty), a guard week the baseline must not read,
# then eight monitored weeks with a rise over the last five.
BASELINE = [5, 1, 3, 0, 2, 4, 1, 2, 0, 3, 6, 1, 2, 2, 0, 4, 1, 3, 2, 1, 0]
BASELINE += [5, 2, 1, 3, 2, 0, 1, 4, 2, 3, 1, 2, 0, 2, 5, 1, 2, 3, 1, 2]
GUARD = [9]
MONITORED = [2, 1, 2, 6, 5, 7, 6, 8]
GOLDEN = BASELINE + GUARD + MONITORED


def _judge(counts, absent=None, thresholds=DEFAULTS):
    series = weekly_series(counts, therapist_absent=absent)
    return rising_contact_frequency(
        series, now=monday_after(series), thresholds=thresholds
    )


def _expected_cusum(baseline: list[int], monitored: list[int]):
    """Reference rate, dispersion, statistic and span from the definitions."""
    mean = sum(baseline) / len(baseline)
    var = sum((x - mean) ** 2 for x in baseline) / (len(baseline) - 1)
    phi = min(max((var - mean) / mean**2, 0.0), 2.0)
    r = 1 / phi
    a = math.log(2 * mean * (r + mean) / (mean * (r + 2 * mean)))
    b = r * math.log((r + 2 * mean) / (r + mean))
    spans = {span: sum(a * x - b for x in monitored[-span:]) for span in range(1, 9)}
    best = max(spans, key=lambda span: (spans[span], -span))
    return mean, phi, spans[best], best


# --- verdicts on typical histories ----------------------------------------------


def test_a_sustained_quadrupling_after_a_steady_year_is_red():
    series = weekly_series(STEADY_TWO_A_WEEK + [8, 8, 8, 8])
    finding = rising_contact_frequency(
        series, now=monday_after(series), thresholds=DEFAULTS
    )
    assert finding is not None
    assert finding.kind == Kind.RISING_CONTACT_FREQUENCY
    assert finding.tier == Tier.RED
    assert finding.evidence["rate_ratio_ci95"][0] > 2
    assert finding.evidence["baseline_rate_per_week"] == 2.0
    assert finding.evidence["recent_rate_per_week"] == 8.0
    assert finding.evidence["cusum"] >= finding.evidence["cusum_threshold"]
    assert finding.window_end == series.week_starts[-1] + dt.timedelta(days=6)
    assert_presentable(finding)


def test_a_modest_rise_is_yellow_when_the_ratio_could_still_be_below_two():
    series = weekly_series(STEADY_TWO_A_WEEK + [4, 5, 4, 4, 5])
    finding = rising_contact_frequency(
        series, now=monday_after(series), thresholds=DEFAULTS
    )
    assert finding is not None
    assert finding.tier == Tier.YELLOW
    assert finding.evidence["rate_ratio_ci95"][0] <= 2
    assert_presentable(finding)


def test_a_steady_client_is_not_flagged():
    series = weekly_series(STEADY_TWO_A_WEEK + [3, 1, 2])
    assert (
        rising_contact_frequency(series, now=monday_after(series), thresholds=DEFAULTS)
        is None
    )


def test_zero_to_two_contacts_never_flags():
    series = weekly_series([0] * 62 + [1, 1])
    assert (
        rising_contact_frequency(series, now=monday_after(series), thresholds=DEFAULTS)
        is None
    )


def test_a_silent_baseline_is_read_at_the_rate_floor():
    """After a silent year the baseline rate is taken as the floor, not zero, so
    three contacts in a week are no surge; five over two weeks are, unless the
    admin raises the floor."""
    one_week = weekly_series([0] * 62 + [0, 0, 3])
    assert (
        rising_contact_frequency(
            one_week, now=monday_after(one_week), thresholds=DEFAULTS
        )
        is None
    )
    two_weeks = weekly_series([0] * 62 + [0, 2, 3])
    finding = rising_contact_frequency(
        two_weeks, now=monday_after(two_weeks), thresholds=DEFAULTS
    )
    assert finding is not None
    assert finding.evidence["reference_rate_per_week"] == DEFAULTS.rising_rate_floor
    assert_presentable(finding)
    higher_floor = dataclasses.replace(DEFAULTS, rising_rate_floor=1.0)
    assert (
        rising_contact_frequency(
            two_weeks, now=monday_after(two_weeks), thresholds=higher_floor
        )
        is None
    )


def test_a_bursty_baseline_raises_the_bar_for_the_same_recent_weeks():
    recent = [5, 5, 5]
    steady = weekly_series(STEADY_TWO_A_WEEK + recent)
    bursty = weekly_series([0, 4] * 31 + recent)  # same mean, variance about 4
    assert rising_contact_frequency(
        steady, now=monday_after(steady), thresholds=DEFAULTS
    )
    assert (
        rising_contact_frequency(bursty, now=monday_after(bursty), thresholds=DEFAULTS)
        is None
    )


def test_too_short_a_history_is_not_judged():
    series = weekly_series([2] * 20 + [9, 9, 9])
    assert (
        rising_contact_frequency(series, now=monday_after(series), thresholds=DEFAULTS)
        is None
    )


def test_therapist_absence_weeks_stay_out_of_the_baseline():
    counts = [1, 3] * 32
    absent = [False] * len(counts)
    for week in range(20, 30):
        counts[week], absent[week] = 0, True
    marked = rising_statistics(np.array([counts]), np.array([absent]), DEFAULTS)
    unmarked = rising_statistics(np.array([counts]), None, DEFAULTS)
    assert marked.baseline_rate[0, -1] == pytest.approx(2.0)
    assert unmarked.baseline_rate[0, -1] < 1.7


def test_a_surge_while_the_therapist_is_away_is_left_to_the_absence_detector():
    counts = STEADY_TWO_A_WEEK + [8, 8, 8]
    away = [False] * 62 + [True] * 3
    series = weekly_series(counts, therapist_absent=away)
    assert (
        rising_contact_frequency(series, now=monday_after(series), thresholds=DEFAULTS)
        is None
    )
    unmarked = weekly_series(counts)
    assert rising_contact_frequency(
        unmarked, now=monday_after(unmarked), thresholds=DEFAULTS
    )


def test_weeks_after_now_are_ignored():
    series = weekly_series(STEADY_TWO_A_WEEK + [2, 2, 9, 9, 9])
    before_the_rise = monday_after(series) - dt.timedelta(weeks=3)
    assert (
        rising_contact_frequency(series, now=before_the_rise, thresholds=DEFAULTS)
        is None
    )
    assert rising_contact_frequency(
        series, now=monday_after(series), thresholds=DEFAULTS
    )


def test_rising_frequency_can_be_switched_off():
    series = weekly_series(STEADY_TWO_A_WEEK + [8, 8, 8, 8])
    assert (
        rising_contact_frequency(
            series, now=monday_after(series), thresholds=switched_off("rising")
        )
        is None
    )


# --- exact findings and window edges --------------------------------------------


def test_a_rise_reports_every_number_it_rests_on():
    series = weekly_series(GOLDEN)
    finding = rising_contact_frequency(
        series, now=monday_after(series), thresholds=DEFAULTS
    )
    mean, phi, statistic, span = _expected_cusum(BASELINE, MONITORED)
    assert span == 5
    inflation = np.interp(np.log(41), np.log([26, 52]), [4.5, 2.0])
    threshold = float(cusum.lookup_h(mean, phi, 52 / 0.5 * inflation)[0])
    share = 3 / (3 + 41)
    ci = stats.binomtest(21, 21 + 85).proportion_ci(0.95, method="exact")
    low, high = (p / (1 - p) * 41 / 3 for p in (ci.low, ci.high))
    p_value = stats.binomtest(21, 106, share, alternative="greater").pvalue
    ratio = 7.0 / (85 / 41)
    last = len(GOLDEN) - 1
    assert finding == Finding(
        kind=Kind.RISING_CONTACT_FREQUENCY,
        part=Part.NONE,
        tier=Tier.YELLOW,
        window_start=series.week_starts[last - 4],
        window_end=series.week_starts[last] + dt.timedelta(days=6),
        score=round(statistic / threshold, 3),
        evidence={
            "weeks": [d.isoformat() for d in series.week_starts],
            "client_initiated": GOLDEN,
            "therapist_absent": [False] * len(GOLDEN),
            "baseline_weeks": 41,
            "baseline_contacts": 85,
            "baseline_rate_per_week": round(85 / 41, 3),
            "reference_rate_per_week": round(mean, 3),
            "dispersion_phi": round(phi, 3),
            "recent_weeks": 3,
            "recent_contacts": 21,
            "recent_rate_per_week": 7.0,
            "rate_ratio": round(ratio, 3),
            "rate_ratio_ci95": [round(low, 3), round(high, 3)],
            "rate_ratio_p_value": round(p_value, 6),
            "cusum": round(statistic, 3),
            "cusum_threshold": round(threshold, 3),
            "cusum_rise_started": series.week_starts[last - 4].isoformat(),
        },
        explanation=(
            "Contacts from the client rose to about 7.0 a week in the 3 weeks to "
            "15 Dec (21 contacts), against a usual 2.1 a week; the rise began in "
            "the week of 11 Nov."
        ),
    )
    assert round(p_value, 7) != round(p_value, 6)
    assert round(statistic / threshold, 4) != round(statistic / threshold, 3)


def test_red_needs_the_lower_bound_strictly_above_the_red_ratio():
    low = _judge(GOLDEN).evidence["rate_ratio_ci95"][0]
    ci = stats.binomtest(21, 106).proportion_ci(0.95, method="exact")
    scale = 41 / 3
    exact_low = ci.low / (1 - ci.low) * scale
    assert round(exact_low, 3) == low
    at_bound = dataclasses.replace(DEFAULTS, rising_red_ratio=exact_low)
    assert _judge(GOLDEN, thresholds=at_bound).tier == Tier.YELLOW
    below = dataclasses.replace(DEFAULTS, rising_red_ratio=exact_low - 1e-9)
    assert _judge(GOLDEN, thresholds=below).tier == Tier.RED


def test_a_long_history_shows_the_last_sixty_one_weeks_and_reads_fifty_two():
    counts = [2] * 20 + GOLDEN
    finding = _judge(counts)
    assert len(finding.evidence["weeks"]) == 61
    assert (
        finding.evidence["weeks"][0] == weekly_series(counts).week_starts[9].isoformat()
    )
    assert finding.evidence["client_initiated"] == counts[9:]
    assert finding.evidence["therapist_absent"] == [False] * 61
    assert finding.evidence["baseline_weeks"] == 52
    assert finding.evidence["baseline_contacts"] == sum(counts[9:61])


def test_a_rise_after_a_silent_baseline_is_told_without_a_ratio():
    finding = _judge([0] * 62 + [0, 2, 3])
    assert finding.evidence["rate_ratio"] is None
    assert finding.evidence["baseline_contacts"] == 0
    assert finding.explanation == (
        "Contacts from the client rose to 5 in the 3 weeks to 30 Mar, after none "
        "in the weeks before; the rise began in the week of 17 Mar."
    )


def test_the_least_number_of_recent_contacts_is_enough():
    counts = [0] * 62 + [0, 2, 3]
    five = dataclasses.replace(DEFAULTS, rising_min_recent_contacts=5)
    assert _judge(counts, thresholds=five) is not None
    six = dataclasses.replace(DEFAULTS, rising_min_recent_contacts=6)
    assert _judge(counts, thresholds=six) is None


def test_twenty_six_baseline_weeks_are_enough_and_twenty_five_are_not():
    enough = [1, 3] * 13 + [2] + [2, 2, 2, 2, 9, 9, 9, 9]
    assert len(enough) == 26 + 1 + 8
    assert _judge(enough) is not None
    assert _judge(enough[1:]) is None


def test_weeks_away_in_the_baseline_can_leave_too_few_to_judge():
    counts = GOLDEN
    fifteen = [i < 15 for i in range(len(counts))]
    finding = _judge(counts, fifteen)
    assert finding.evidence["baseline_weeks"] == 26
    sixteen = [i < 16 for i in range(len(counts))]
    assert _judge(counts, sixteen) is None


def test_a_rise_in_the_last_week_alone_starts_in_that_week():
    counts = [2] * 60 + [2, 2, 2, 2, 2, 2, 2, 14]
    finding = _judge(counts)
    series = weekly_series(counts)
    assert finding.window_start == series.week_starts[-1]
    a, b = (float(v) for v in cusum.llr_coefficients(2.0, 0.0))
    assert finding.evidence["cusum"] == round(14 * a - b, 3)


def test_a_rise_longer_than_the_monitored_weeks_starts_at_their_first():
    # The guard week before the monitored ones is high too, and left out.
    counts = [2] * 61 + [8] * 9
    finding = _judge(counts)
    series = weekly_series(counts)
    assert finding.window_start == series.week_starts[-8]
    a, b = (float(v) for v in cusum.llr_coefficients(2.0, 0.0))
    assert finding.evidence["cusum"] == round(8 * (8 * a - b), 3)


def test_a_week_away_just_before_a_rise_does_not_move_its_start():
    counts = [2] * 60 + [2, 2, 2, 0, 8, 8, 8, 8]
    away = [False] * 63 + [True] + [False] * 4
    finding = _judge(counts, away)
    assert finding.window_start == weekly_series(counts).week_starts[-4]
    assert finding.evidence["therapist_absent"] == away[-61:]


def test_the_recent_rate_counts_only_the_weeks_the_therapist_was_there():
    counts = [2] * 60 + [2, 2, 2, 2, 2, 14, 0, 0]
    away = [False] * 66 + [True, True]
    finding = _judge(counts, away)
    assert finding.evidence["recent_weeks"] == 1
    assert finding.evidence["recent_rate_per_week"] == 14.0
    assert finding.evidence["rate_ratio"] == 7.0
    assert finding.explanation.startswith(
        "Contacts from the client rose to about 14.0 a week in the week to 20 Apr"
    )


def test_weeks_after_now_are_left_out_of_the_evidence():
    series = weekly_series(GOLDEN + [4, 4])
    now = monday_after(weekly_series(GOLDEN))
    finding = rising_contact_frequency(series, now=now, thresholds=DEFAULTS)
    assert finding.evidence["client_initiated"] == GOLDEN
    assert len(finding.evidence["weeks"]) == len(GOLDEN)
    assert len(finding.evidence["therapist_absent"]) == len(GOLDEN)


def test_no_complete_week_means_nothing_to_judge():
    series = weekly_series(GOLDEN)
    before_any = dt.datetime.combine(FIRST_MONDAY, dt.time(3), dt.UTC)
    assert rising_contact_frequency(series, now=before_any, thresholds=DEFAULTS) is None


def test_a_short_history_is_judged_without_numeric_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _judge([3]) is None
        full = rising_statistics(np.array([GOLDEN]), None, DEFAULTS)
    assert not full.alarm[0, :34].any()


# --- the statistics for every week ------------------------------------------------


def test_every_weeks_verdict_is_the_one_made_with_data_up_to_that_week():
    counts = np.array([GOLDEN + [3, 2]], dtype=float)
    absent = np.zeros_like(counts, dtype=bool)
    absent[0, [5, 44]] = True
    full = rising_statistics(counts, absent, DEFAULTS)
    n = counts.shape[1]
    assert full.statistic.shape == (1, n)
    # Week 5 is away, so the first week with 26 baseline weeks is week 35.
    assert full.evaluable[0].tolist() == [t >= 35 for t in range(n)]
    assert full.alarm[0].any()
    # Before the guard week there is no baseline yet: nothing is read from the
    # far end of the series, and the dispersion is taken as Poisson.
    assert full.baseline_weeks[0, :9].tolist() == [0.0] * 9
    assert full.baseline_count[0, :9].tolist() == [0.0] * 9
    assert full.baseline_weeks[0, 9] == 1
    assert full.dispersion[0, :10].tolist() == [0.0] * 10
    assert full.recent_count[0, :3].tolist() == [5.0, 6.0, 9.0]
    a, b = (float(v) for v in cusum.llr_coefficients(DEFAULTS.rising_rate_floor, 0.0))
    assert full.statistic[0, 0] == pytest.approx(5 * a - b, rel=1e-12)
    for week in range(34, n):
        alone = rising_statistics(
            counts[:, : week + 1], absent[:, : week + 1], DEFAULTS, last_week_only=True
        )
        assert alone.statistic.shape == (1, 1)
        for name in (
            "statistic",
            "threshold",
            "alarm",
            "start",
            "baseline_rate",
            "baseline_count",
            "baseline_weeks",
            "dispersion",
            "recent_count",
            "recent_weeks",
        ):
            assert getattr(full, name)[0, week] == getattr(alone, name)[0, 0], name


def test_the_start_of_a_rise_indexes_the_weeks():
    series = weekly_series(GOLDEN)
    result = rising_statistics(
        series.client_initiated[None, :], None, DEFAULTS, last_week_only=True
    )
    assert series.week_starts[result.start[0, -1]] == series.week_starts[-5]


def test_absence_marks_may_be_given_as_zeros_and_ones():
    counts = np.array([GOLDEN], dtype=float)
    marks = np.zeros(counts.shape, dtype=int)
    marks[0, :10] = 1
    as_ints = rising_statistics(counts, marks, DEFAULTS, last_week_only=True)
    as_bools = rising_statistics(
        counts, marks.astype(bool), DEFAULTS, last_week_only=True
    )
    assert as_ints.baseline_weeks[0, 0] == as_bools.baseline_weeks[0, 0] == 31


def test_the_dispersion_is_kept_between_zero_and_two():
    steady = rising_statistics(np.array([[1, 3] * 31]), None, DEFAULTS)
    assert steady.dispersion[0, -1] == 0.0
    bursty = rising_statistics(np.array([[0, 0, 0, 12] * 16]), None, DEFAULTS)
    assert bursty.dispersion[0, -1] == 2.0


def test_a_given_arl_inflation_replaces_the_calibrated_one():
    counts = np.array([GOLDEN], dtype=float)
    plain = rising_statistics(counts, None, DEFAULTS, arl_inflation=1.0)
    rate, phi = plain.baseline_rate[0, -1], plain.dispersion[0, -1]
    assert plain.threshold[0, -1] == pytest.approx(
        cusum.lookup_h(rate, phi, 104.0)[0], abs=1e-12
    )


# --- a whole clinic ---------------------------------------------------------------


def test_a_clinic_without_clients_has_no_findings():
    now = dt.datetime(2025, 1, 6, tzinfo=dt.UTC)
    assert rising_contact_frequency_many([], now=now, thresholds=DEFAULTS) == {}


def test_a_clinic_pass_leaves_out_the_same_weeks_away_as_the_single_one():
    # Many contacts while the therapist was away early in the baseline: read as
    # part of the baseline they would hide the rise.
    counts = [30] * 10 + GOLDEN[10:]
    away = [i < 10 for i in range(len(counts))]
    series = weekly_series(counts, therapist_absent=away)
    now = monday_after(series)
    single = rising_contact_frequency(series, now=now, thresholds=DEFAULTS)
    assert single is not None
    found = rising_contact_frequency_many([series], now=now, thresholds=DEFAULTS)
    assert found == {CLIENT_ID: single}


def test_a_whole_clinic_is_judged_in_one_pass_with_the_same_verdicts():
    rising = weekly_series(STEADY_TWO_A_WEEK + [8, 8, 8, 8])
    steady = dataclasses.replace(weekly_series([2] * 66), client_id=1)
    young = dataclasses.replace(weekly_series([2] * 30 + [9, 9, 9]), client_id=2)
    young = dataclasses.replace(
        young, week_starts=rising.week_starts[-len(young.week_starts) :]
    )
    now = monday_after(rising)
    found = rising_contact_frequency_many(
        [rising, steady, young], now=now, thresholds=DEFAULTS
    )
    assert set(found) == {CLIENT_ID}
    single = rising_contact_frequency(rising, now=now, thresholds=DEFAULTS)
    assert found[CLIENT_ID] == single
    assert (
        rising_contact_frequency_many(
            [rising], now=now, thresholds=switched_off("rising")
        )
        == {}
    )
