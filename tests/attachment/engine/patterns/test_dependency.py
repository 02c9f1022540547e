"""The dependency-escalation detector's two parts: their verdicts, and their
exact findings pinned to significance boundaries and window edges."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import statistics

import pytest
from scipy import stats

from attachment.engine.patterns import (
    Finding,
    Kind,
    MeasureFacts,
    ObservationFacts,
    Part,
    Tier,
    dependency_measure_rise,
    dependency_trend,
)
from tests.attachment.engine.patterns.helpers import (
    DEFAULTS,
    NOW,
    assert_presentable,
    switched_off,
)

TODAY = NOW.date()
# A very reliable measure (S_diff = sqrt(2) * 1.0 * sqrt(0.01) = 0.141), so
# that the configured rise, not the reliable change, decides these tests.
PRECISE = dataclasses.replace(DEFAULTS, dependency_measure_reliability=0.99)


def _observations(intensities: list[int], last: dt.date) -> list[ObservationFacts]:
    """One observation every ten days, the last on ``last``."""
    n = len(intensities)
    return [
        ObservationFacts(last - dt.timedelta(days=10 * (n - 1 - i)), v)
        for i, v in enumerate(intensities)
    ]


def _p_value(intensities: list[int]) -> float:
    days = [10 * i for i in range(len(intensities))]
    return float(stats.kendalltau(days, intensities, alternative="greater").pvalue)


def _sen_slope_per_week(intensities: list[int]) -> float:
    """The median of every pairwise slope, per day, times seven."""
    slopes = [
        (intensities[j] - intensities[i]) / (10 * (j - i))
        for i in range(len(intensities))
        for j in range(i + 1, len(intensities))
    ]
    return statistics.median(slopes) * 7


# --- intensity trend --------------------------------------------------------------

CLIMB = [0, 0, 1, 1, 2, 2, 2, 3]


def test_a_rising_intensity_reports_every_number_it_rests_on():
    last = TODAY - dt.timedelta(days=2)
    observations = _observations(CLIMB, last)
    finding = dependency_trend(observations[::-1], now=NOW, thresholds=DEFAULTS)
    p_value = _p_value(CLIMB)
    tau = stats.kendalltau(range(8), CLIMB).statistic
    assert p_value < 0.01
    assert finding == Finding(
        kind=Kind.DEPENDENCY_ESCALATION,
        part=Part.INTENSITY_TREND,
        tier=Tier.RED,
        window_start=last - dt.timedelta(days=70),
        window_end=last,
        score=round(-math.log10(p_value), 3),
        evidence={
            "part": "intensity_trend",
            "observed_on": [o.observed_on.isoformat() for o in observations],
            "intensity": CLIMB,
            "observations": 8,
            "kendall_tau": round(tau, 3),
            "p_value": round(p_value, 6),
            "sen_slope_per_week": round(_sen_slope_per_week(CLIMB), 3),
            "alpha": 0.05,
        },
        explanation=(
            "In the 71 days from 22 Mar to 31 May, the intensity the therapist "
            "observed rose across 8 observations, from 0 to 3 on the 0-4 scale."
        ),
    )
    assert finding.evidence["sen_slope_per_week"] == 0.29


def test_a_rise_of_a_single_step_is_still_a_trend():
    finding = dependency_trend(
        _observations([0, 0, 0, 1, 1, 1], TODAY), now=NOW, thresholds=DEFAULTS
    )
    assert finding is not None
    assert finding.tier == Tier.YELLOW
    assert finding.explanation.startswith(
        "In the 51 days from 13 Apr to 2 Jun, the intensity the therapist observed "
        "rose across 6 observations, from 0 to 1 on"
    )


def test_the_least_number_of_observations_is_enough():
    five = _observations([0, 1, 2, 3, 4], TODAY)
    assert dependency_trend(five, now=NOW, thresholds=DEFAULTS) is not None
    assert dependency_trend(five[1:], now=NOW, thresholds=DEFAULTS) is None


def test_the_window_runs_from_after_its_start_up_to_today():
    window_start = TODAY - dt.timedelta(weeks=12)
    at_start = _observations([0, 1, 2, 3, 4], window_start + dt.timedelta(days=40))
    assert at_start[0].observed_on == window_start
    assert dependency_trend(at_start, now=NOW, thresholds=DEFAULTS) is None
    today = _observations([0, 1, 2, 3, 4], TODAY)
    finding = dependency_trend(today, now=NOW, thresholds=DEFAULTS)
    assert finding.window_end == TODAY
    assert finding.evidence["observations"] == 5


def test_a_high_latest_intensity_alone_does_not_make_it_red():
    values = [2, 3, 2, 3, 4, 3, 4]
    assert 0.01 < _p_value(values) < 0.05
    finding = dependency_trend(
        _observations(values, TODAY), now=NOW, thresholds=DEFAULTS
    )
    assert finding.tier == Tier.YELLOW
    assert "from 2 to 4 on the 0-4 scale" in finding.explanation


def test_a_strong_trend_ending_below_three_is_not_red():
    values = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert _p_value(values) < 0.01
    finding = dependency_trend(
        _observations(values, TODAY), now=NOW, thresholds=DEFAULTS
    )
    assert finding.tier == Tier.YELLOW


def test_the_p_value_must_be_below_alpha_not_equal_to_it():
    values = [2, 3, 2, 3, 4, 3, 4]
    observations = _observations(values, TODAY)
    at_alpha = dataclasses.replace(DEFAULTS, dependency_alpha=_p_value(values))
    assert dependency_trend(observations, now=NOW, thresholds=at_alpha) is None
    p_climb = _p_value(CLIMB)
    at_red = dataclasses.replace(DEFAULTS, dependency_red_alpha=p_climb)
    climb = _observations(CLIMB, TODAY)
    assert dependency_trend(climb, now=NOW, thresholds=at_red).tier == Tier.YELLOW
    above = dataclasses.replace(DEFAULTS, dependency_red_alpha=p_climb * 1.001)
    assert dependency_trend(climb, now=NOW, thresholds=above).tier == Tier.RED


TEN_DAYS_AGO = TODAY - dt.timedelta(days=10)


def test_steadily_rising_intensity_is_red_and_a_noisier_rise_yellow():
    red = dependency_trend(
        _observations([0, 1, 1, 2, 3, 3, 4, 4], TEN_DAYS_AGO),
        now=NOW,
        thresholds=DEFAULTS,
    )
    assert red is not None
    assert red.part == Part.INTENSITY_TREND and red.tier == Tier.RED
    assert red.evidence["kendall_tau"] > 0
    assert_presentable(red)
    yellow = dependency_trend(
        _observations([0, 1, 0, 1, 2, 1, 2], TEN_DAYS_AGO), now=NOW, thresholds=DEFAULTS
    )
    assert yellow is not None and yellow.tier == Tier.YELLOW


def test_flat_falling_or_sparse_observations_are_not_flagged():
    for values in ([2, 2, 2, 2, 2, 2], [4, 3, 3, 2, 1, 0], [0, 1, 3, 4]):
        assert (
            dependency_trend(
                _observations(values, TEN_DAYS_AGO), now=NOW, thresholds=DEFAULTS
            )
            is None
        )
    rising = _observations([0, 1, 1, 2, 3, 3, 4, 4], TEN_DAYS_AGO)
    assert (
        dependency_trend(rising, now=NOW, thresholds=switched_off("dependency")) is None
    )


# --- measure rise -----------------------------------------------------------------


def _measures(*scores: float, last: dt.date = TODAY) -> list[MeasureFacts]:
    n = len(scores)
    return [
        MeasureFacts(last - dt.timedelta(days=60 * (n - 1 - i)), s)
        for i, s in enumerate(scores)
    ]


def test_a_measure_rise_reports_every_number_it_rests_on():
    measures = _measures(2.0, 3.1234, 3.7407)
    finding = dependency_measure_rise(measures[::-1], now=NOW, thresholds=PRECISE)
    assert finding == Finding(
        kind=Kind.DEPENDENCY_ESCALATION,
        part=Part.MEASURE_RISE,
        tier=Tier.YELLOW,
        window_start=TODAY - dt.timedelta(days=60),
        window_end=TODAY,
        score=round((3.7407 - 3.1234) / 0.5, 3),
        evidence={
            "part": "measure_rise",
            "measured_on": [
                (TODAY - dt.timedelta(days=60)).isoformat(),
                TODAY.isoformat(),
            ],
            "preoccupied_merger": [3.123, 3.741],
            "rise": 0.617,
            "reliable_change_index": round(
                (3.7407 - 3.1234) / (math.sqrt(2) * math.sqrt(1 - 0.99)), 3
            ),
            "reliability": 0.99,
            "assumed_sd": 1.0,
            "yellow_at": 0.5,
            "red_at": 1.0,
        },
        explanation=(
            "The preoccupied-merger score rose by 0.6 points, from 3.1 to 3.7, "
            "between the measures of 3 Apr 2025 and 2 Jun 2025, more than the "
            "measure's own error."
        ),
    )
    assert finding.score == 1.235


@pytest.mark.parametrize(
    ("before", "after", "tier"),
    [(3.0, 3.5, Tier.YELLOW), (3.0, 4.0, Tier.RED), (3.0, 3.4, None)],
)
def test_a_rise_exactly_at_a_threshold_reaches_it(before, after, tier):
    finding = dependency_measure_rise(
        _measures(before, after), now=NOW, thresholds=PRECISE
    )
    assert (finding.tier if finding else None) == tier


def test_a_measure_taken_later_than_now_is_not_read_yet():
    measures = _measures(3.0, 4.0, 3.0, last=TODAY + dt.timedelta(days=1))
    assert dependency_measure_rise(measures, now=NOW, thresholds=PRECISE).tier == (
        Tier.RED
    )
    taken_today = _measures(3.0, 4.0)
    assert dependency_measure_rise(taken_today, now=NOW, thresholds=PRECISE)


SIXTY_DAYS_AGO = TODAY - dt.timedelta(days=60)


def test_a_rising_preoccupied_merger_score_is_flagged():
    yellow = dependency_measure_rise(
        _measures(3.0, 3.6, last=SIXTY_DAYS_AGO), now=NOW, thresholds=PRECISE
    )
    assert yellow is not None
    assert yellow.part == Part.MEASURE_RISE and yellow.tier == Tier.YELLOW
    assert_presentable(yellow)
    red = dependency_measure_rise(
        _measures(2.0, 3.0, 4.2, last=SIXTY_DAYS_AGO), now=NOW, thresholds=PRECISE
    )
    assert red is not None and red.tier == Tier.RED


def test_a_falling_or_single_measure_is_not_flagged():
    assert (
        dependency_measure_rise(
            _measures(3.5, 3.1, last=SIXTY_DAYS_AGO), now=NOW, thresholds=PRECISE
        )
        is None
    )
    assert (
        dependency_measure_rise(
            _measures(3.5, last=SIXTY_DAYS_AGO), now=NOW, thresholds=PRECISE
        )
        is None
    )
    off = switched_off("dependency")
    assert (
        dependency_measure_rise(
            _measures(2.0, 4.0, last=SIXTY_DAYS_AGO), now=NOW, thresholds=off
        )
        is None
    )
