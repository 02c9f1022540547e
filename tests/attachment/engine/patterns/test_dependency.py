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
from attachment.engine.patterns.dependency import (
    MIN_RISE,
    MIN_SPREAD,
    RECENT_WEEKS,
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


def _observations(
    intensities: list[int], last: dt.date, every: int = 10
) -> list[ObservationFacts]:
    """One observation every ``every`` days, the last on ``last``."""
    n = len(intensities)
    return [
        ObservationFacts(last - dt.timedelta(days=every * (n - 1 - i)), v)
        for i, v in enumerate(intensities)
    ]


def _usual(intensities: list[int]) -> list[ObservationFacts]:
    """One observation a week in the usual weeks (13 weeks ago and earlier:
    before the 12-week observation window)."""
    return [
        ObservationFacts(TODAY - dt.timedelta(weeks=13 + i), v)
        for i, v in enumerate(reversed(intensities))
    ][::-1]


def _t_test(recent: list[int], usual: list[int]) -> tuple[float, float, float]:
    """(rise, t, one-sided p) as the detector's docstring defines them."""
    rise = statistics.mean(recent) - statistics.mean(usual)
    sd = max(statistics.stdev(usual), MIN_SPREAD)
    t = rise / (sd * math.sqrt(1 / len(recent) + 1 / len(usual)))
    return rise, t, float(stats.t.sf(t, len(usual) - 1))


USUAL = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2]
RISEN = [3, 3, 4]


def test_a_rise_of_intensity_reports_every_number_it_rests_on():
    recent = _observations(RISEN, TODAY - dt.timedelta(days=2))
    observations = _usual(USUAL) + recent
    finding = dependency_trend(observations[::-1], now=NOW, thresholds=DEFAULTS)
    rise, t, p_value = _t_test(RISEN, USUAL)
    assert p_value < 0.001
    assert finding == Finding(
        kind=Kind.DEPENDENCY_ESCALATION,
        part=Part.INTENSITY_TREND,
        tier=Tier.RED,
        window_start=TODAY - dt.timedelta(days=22),
        window_end=TODAY - dt.timedelta(days=2),
        score=round(-math.log10(p_value), 3),
        evidence={
            "part": "intensity_trend",
            "observed_on": [o.observed_on.isoformat() for o in recent],
            "intensity": RISEN,
            "observations": 3,
            "mean_intensity": 3.333,
            "usual_observations": 10,
            "usual_weeks": 26,
            "usual_mean_intensity": 1.5,
            "usual_sd": round(statistics.stdev(USUAL), 3),
            "rise": 1.833,
            "t_value": round(t, 3),
            "p_value": round(p_value, 6),
            "alpha": 0.005,
        },
        explanation=(
            "In the 3 weeks from 11 May to 31 May, the intensity the therapist "
            "observed averaged 3.3 on the 0-4 scale across 3 observations, "
            "against a usual 1.5 across 10 in the 26 weeks before the last 12."
        ),
    )


def test_the_client_s_usual_level_is_not_a_rise():
    for recent in ([2, 1], [1, 2, 2], [2, 2]):
        observations = _usual(USUAL) + _observations(recent, TODAY)
        assert dependency_trend(observations, now=NOW, thresholds=DEFAULTS) is None


def test_a_significant_rise_must_still_reach_three_quarters_of_a_point():
    steady = _usual([1] * 20)
    small = steady + _observations([2, 1, 2, 2, 1, 2, 2, 1, 2, 1], TODAY, every=4)
    rise, _, p_value = _t_test([2, 1, 2, 2, 1, 2, 2, 1, 2, 1], [1] * 20)
    assert rise == pytest.approx(0.6) and p_value < 0.005
    assert dependency_trend(small, now=NOW, thresholds=DEFAULTS) is None
    enough = steady + _observations([2, 2, 2, 2, 1, 1, 2, 2], TODAY, every=5)
    found = dependency_trend(enough, now=NOW, thresholds=DEFAULTS)
    assert found is not None and found.evidence["rise"] == MIN_RISE


def test_a_client_always_rated_alike_is_judged_with_half_a_point_of_spread():
    observations = _usual([2] * 12) + _observations([3, 3, 3, 3], TODAY)
    found = dependency_trend(observations, now=NOW, thresholds=DEFAULTS)
    assert found is not None and found.evidence["usual_sd"] == 0.5
    _, t, _ = _t_test([3, 3, 3, 3], [2] * 12)
    assert found.evidence["t_value"] == round(t, 3)


def test_the_weeks_between_the_recent_and_the_usual_ones_are_left_out():
    between = [ObservationFacts(TODAY - dt.timedelta(weeks=w), 0) for w in (7, 9, 11)]
    observations = _usual(USUAL) + between + _observations(RISEN, TODAY)
    found = dependency_trend(observations, now=NOW, thresholds=DEFAULTS)
    assert found is not None
    assert found.evidence["observations"] == 3
    assert found.evidence["usual_observations"] == 10
    too_old = [ObservationFacts(TODAY - dt.timedelta(weeks=38, days=1), 0)]
    again = dependency_trend(too_old + observations, now=NOW, thresholds=DEFAULTS)
    assert again == found


def test_the_recent_weeks_run_from_after_their_start_up_to_today():
    start = TODAY - dt.timedelta(weeks=RECENT_WEEKS)
    at_start = _usual(USUAL) + [
        ObservationFacts(start, 4),
        ObservationFacts(TODAY, 4),
    ]
    assert dependency_trend(at_start, now=NOW, thresholds=DEFAULTS) is None
    inside = _usual(USUAL) + [
        ObservationFacts(start + dt.timedelta(days=1), 4),
        ObservationFacts(TODAY, 4),
    ]
    found = dependency_trend(inside, now=NOW, thresholds=DEFAULTS)
    assert found is not None and found.window_end == TODAY


def test_the_least_numbers_of_observations_are_enough():
    two = _observations([4, 4], TODAY)
    assert dependency_trend(_usual(USUAL[:5]) + two, now=NOW, thresholds=DEFAULTS)
    assert (
        dependency_trend(_usual(USUAL[:4]) + two, now=NOW, thresholds=DEFAULTS) is None
    )
    assert (
        dependency_trend(_usual(USUAL) + two[1:], now=NOW, thresholds=DEFAULTS) is None
    )


def test_a_high_latest_intensity_alone_does_not_make_it_red():
    usual = [2, 3, 2, 3, 2, 2, 3, 2, 3, 2]
    recent = [3, 4, 3, 4]
    _, _, p_value = _t_test(recent, usual)
    assert 0.001 < p_value < 0.005
    finding = dependency_trend(
        _usual(usual) + _observations(recent, TODAY), now=NOW, thresholds=DEFAULTS
    )
    assert finding is not None and finding.tier == Tier.YELLOW


def test_a_strong_rise_ending_below_three_is_not_red():
    recent = [2, 2, 2]
    _, _, p_value = _t_test(recent, [0] * 12)
    assert p_value < 0.001
    finding = dependency_trend(
        _usual([0] * 12) + _observations(recent, TODAY), now=NOW, thresholds=DEFAULTS
    )
    assert finding is not None and finding.tier == Tier.YELLOW


def test_the_p_value_must_be_below_alpha_not_equal_to_it():
    usual, risen = [2, 3, 2, 3, 2, 2, 3, 2, 3, 2], [3, 4, 3, 4]
    observations = _usual(usual) + _observations(risen, TODAY)
    _, _, p_value = _t_test(risen, usual)
    assert 0.001 < p_value < 0.005
    at_alpha = dataclasses.replace(DEFAULTS, dependency_alpha=p_value)
    assert dependency_trend(observations, now=NOW, thresholds=at_alpha) is None
    above = dataclasses.replace(DEFAULTS, dependency_alpha=p_value * 1.001)
    assert dependency_trend(observations, now=NOW, thresholds=above) is not None
    at_red = dataclasses.replace(DEFAULTS, dependency_red_alpha=p_value)
    assert dependency_trend(observations, now=NOW, thresholds=at_red).tier == (
        Tier.YELLOW
    )
    red = dataclasses.replace(DEFAULTS, dependency_red_alpha=p_value * 1.001)
    assert dependency_trend(observations, now=NOW, thresholds=red).tier == Tier.RED


def test_flat_falling_or_sparse_observations_are_not_flagged():
    for recent in ([2, 2, 2], [1, 0, 0], [4]):
        observations = _usual([2] * 10) + _observations(recent, TODAY)
        assert dependency_trend(observations, now=NOW, thresholds=DEFAULTS) is None
    rising = _usual(USUAL) + _observations(RISEN, TODAY)
    assert dependency_trend(rising, now=NOW, thresholds=DEFAULTS) is not None
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
    measures = _measures(2.0, 3.0, 3.2, 3.1, 3.7407)
    finding = dependency_measure_rise(measures[::-1], now=NOW, thresholds=PRECISE)
    rise = 3.7407 - 3.1
    assert finding == Finding(
        kind=Kind.DEPENDENCY_ESCALATION,
        part=Part.MEASURE_RISE,
        tier=Tier.YELLOW,
        window_start=TODAY - dt.timedelta(days=60),
        window_end=TODAY,
        score=round(rise / 0.5, 3),
        evidence={
            "part": "measure_rise",
            "measured_on": [
                (TODAY - dt.timedelta(days=days)).isoformat()
                for days in (180, 120, 60, 0)
            ],
            "preoccupied_merger": [3.0, 3.2, 3.1, 3.741],
            "previous_mean": 3.1,
            "previous_measures": 3,
            "rise": 0.641,
            "reliable_change_index": round(
                rise / (math.sqrt(1 - 0.99) * math.sqrt(1 + 1 / 3)), 3
            ),
            "reliability": 0.99,
            "assumed_sd": 1.0,
            "yellow_at": 0.5,
            "red_at": 1.0,
        },
        explanation=(
            "The preoccupied-merger score rose by 0.6 points, to 3.7 on 2 Jun "
            "2025 from 3.1 at the 3 measures before (since 4 Dec 2024), more "
            "than the measure's own error."
        ),
    )
    assert finding.score == 1.281


def test_the_mean_of_earlier_measures_carries_less_error_than_one_measure():
    """At reliability 0.8 a rise of 1.1 points over one measure is within the
    error of two measures (RCI 1.74); over the mean of three it is not (2.13)."""
    assert (
        dependency_measure_rise(_measures(3.0, 4.1), now=NOW, thresholds=DEFAULTS)
        is None
    )
    found = dependency_measure_rise(
        _measures(3.0, 3.0, 3.0, 4.1), now=NOW, thresholds=DEFAULTS
    )
    assert found is not None
    sem = math.sqrt(1 - 0.8)
    assert found.evidence["reliable_change_index"] == round(
        1.1 / (sem * math.sqrt(1 + 1 / 3)), 3
    )
    assert 1.96 < found.evidence["reliable_change_index"]
    assert 1.1 / (sem * math.sqrt(2)) < 1.96


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
