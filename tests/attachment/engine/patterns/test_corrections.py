"""The detectors' corrections, each on a hand-built history: what the ending
date, repairs, internalised security, measurement error, the cover's replies
and the therapist's own leave change in a verdict."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np

from attachment.engine.patterns import (
    AbsenceContactCounts,
    AbsenceFacts,
    MeasureFacts,
    ObservationFacts,
    RuptureFacts,
    WeeklySeries,
    abrupt_withdrawal,
    absence_surge,
    dependency_measure_rise,
    dependency_trend,
    repeated_ruptures,
    therapist_overextension,
)
from attachment.engine.patterns.dependency import MEASURE_SD, reliable_change_index
from tests.attachment.engine.patterns.helpers import (
    DEFAULTS,
    NOW,
    assert_presentable,
    monday_after,
    weekly_series,
)

TODAY = NOW.date()
DAY = dt.timedelta(days=1)


# --- the ending date belongs to the after-ending detector -------------------------


def _replies_stop_at_the_ending() -> WeeklySeries:
    """Nine weeks with every contact answered quickly, then three weeks in
    which none is answered."""
    return weekly_series(
        [4] * 9 + [4, 4, 4],
        replied=[4] * 9 + [0, 0, 0],
        median_response_minutes=[20, 25, 18, 22, 21, 19, 24, 20, 23] + [math.nan] * 3,
    )


def test_no_withdrawal_finding_from_the_weeks_after_the_ending():
    series = _replies_stop_at_the_ending()
    now = monday_after(series)
    assert abrupt_withdrawal(series, now=now, thresholds=DEFAULTS) is not None

    ended = dataclasses.replace(series, ended_on=series.week_starts[8] + 4 * DAY)
    assert abrupt_withdrawal(ended, now=now, thresholds=DEFAULTS) is None


def test_weeks_before_the_ending_are_still_judged():
    """An ending after the drop leaves the drop in the detector's view."""
    series = _replies_stop_at_the_ending()
    now = monday_after(series)
    ended_later = dataclasses.replace(series, ended_on=series.week_starts[-1] + 6 * DAY)
    assert abrupt_withdrawal(ended_later, now=now, thresholds=DEFAULTS) is not None


def _more_available_after(weeks_before: int = 12, weeks_after: int = 6) -> WeeklySeries:
    n = weeks_before + weeks_after
    return weekly_series(
        [3] * n,
        replied=[3] * n,
        therapist_initiated=[1] * weeks_before + [4] * weeks_after,
        after_hours_replies=[0] * weeks_before + [3] * weeks_after,
        median_response_minutes=np.tile([200.0, 240.0, 260.0], n)[:n],
    )


def test_no_availability_finding_from_the_weeks_after_the_ending():
    series = _more_available_after()
    now = monday_after(series)
    assert therapist_overextension(series, now=now, thresholds=DEFAULTS) is not None

    ended = dataclasses.replace(series, ended_on=series.week_starts[11] + 3 * DAY)
    assert therapist_overextension(ended, now=now, thresholds=DEFAULTS) is None


# --- the therapist's own contacts from leave -------------------------------------


def _texting_from_leave(from_leave: list[int]) -> WeeklySeries:
    """Twelve ordinary weeks, then six recent weeks of which the last three the
    therapist was on leave; replies after hours rose, and ``from_leave`` are
    the therapist's own contacts started in each leave week."""
    n = 18
    return weekly_series(
        [3] * n,
        replied=[3] * n,
        therapist_initiated=[1] * n,
        after_hours_replies=[0] * 12 + [3] * 6,
        median_response_minutes=[240.0] * n,
        therapist_absent=[False] * 15 + [True] * 3,
        initiated_while_away=[0] * 15 + from_leave,
    )


def test_contacts_from_the_therapists_own_leave_feed_the_availability_finding():
    quiet = _texting_from_leave([0, 0, 0])
    now = monday_after(quiet)
    assert therapist_overextension(quiet, now=now, thresholds=DEFAULTS) is None

    texting = _texting_from_leave([4, 5, 3])
    finding = therapist_overextension(texting, now=now, thresholds=DEFAULTS)
    assert finding is not None
    assert finding.evidence["more_therapist_initiated"] is True
    assert finding.evidence["during_own_absence"] == 12
    assert "12 of them during the therapist's own leave" in finding.explanation
    assert_presentable(finding)


def test_contacts_from_leave_in_a_present_week_are_not_counted_twice():
    """A week the therapist was mostly present already counts its contacts."""
    series = dataclasses.replace(
        _texting_from_leave([0, 0, 0]),
        initiated_while_away=np.array([0.0] * 14 + [9.0, 0.0, 0.0, 0.0]),
    )
    finding = therapist_overextension(
        series, now=monday_after(series), thresholds=DEFAULTS
    )
    assert finding is None


# --- repaired ruptures are not counted --------------------------------------------


def _ruptures(repaired: tuple[bool, ...]) -> list[RuptureFacts]:
    return [
        RuptureFacts(
            rupture_id=i + 1,
            noticed_on=TODAY - (5 + 7 * i) * DAY,
            severity=1,
            is_open=not done,
            repair_attempts=1,
            repaired=done,
        )
        for i, done in enumerate(repaired)
    ]


def test_repeated_ruptures_count_only_those_without_a_complete_repair():
    assert repeated_ruptures(
        _ruptures((False, False, False)), now=NOW, thresholds=DEFAULTS
    )
    assert (
        repeated_ruptures(_ruptures((True, True, True)), now=NOW, thresholds=DEFAULTS)
        is None
    )
    two_of_three = _ruptures((False, True, False))
    assert repeated_ruptures(two_of_three, now=NOW, thresholds=DEFAULTS) is None
    four = _ruptures((False, True, False, False))
    finding = repeated_ruptures(four, now=NOW, thresholds=DEFAULTS)
    assert finding.evidence["ruptures"] == 3
    assert finding.evidence["rupture_ids"] == [4, 3, 1]


# --- internalised security is progress --------------------------------------------


def _observed(values: list[int], *, security_only: bool) -> list[ObservationFacts]:
    n = len(values)
    return [
        ObservationFacts(
            TODAY - 10 * (n - 1 - i) * DAY, value, security_only=security_only
        )
        for i, value in enumerate(values)
    ]


def _usual_distress(level: int) -> list[ObservationFacts]:
    """Ten observations at ``level`` in the usual weeks (before the window)."""
    return [ObservationFacts(TODAY - (13 + i) * 7 * DAY, level) for i in range(10)]


def test_a_client_growing_more_secure_never_raises_a_rising_trend():
    risen = [3, 4, 4]
    assert dependency_trend(
        _usual_distress(1) + _observed(risen, security_only=False),
        now=NOW,
        thresholds=DEFAULTS,
    )
    assert (
        dependency_trend(
            _usual_distress(1) + _observed(risen, security_only=True),
            now=NOW,
            thresholds=DEFAULTS,
        )
        is None
    )


def test_security_observations_are_left_out_of_a_mixed_trend():
    """Falling distress with rising security between: only the distress
    observations are read, and they fall."""
    distress = _observed([2, 1, 1], security_only=False)
    security = [
        ObservationFacts(o.observed_on + 2 * DAY, 4, security_only=True)
        for o in distress
    ]
    observations = _usual_distress(2) + distress + security
    assert dependency_trend(observations, now=NOW, thresholds=DEFAULTS) is None


# --- a measure rise must be a reliable change -------------------------------------


def _two_measures(before: float, after: float) -> list[MeasureFacts]:
    return [MeasureFacts(TODAY - 90 * DAY, before), MeasureFacts(TODAY - DAY, after)]


def test_the_reliable_change_index_follows_jacobson_and_truax():
    s_diff = math.sqrt(2) * MEASURE_SD * math.sqrt(1 - 0.8)
    assert math.isclose(reliable_change_index(3.0, 4.0, 0.8), 1.0 / s_diff)
    assert MEASURE_SD == 1.0


def test_a_rise_within_measurement_error_is_not_flagged():
    # 0.8 points: past the configured rise (0.5) and the red rise (1.0 is not
    # reached), but RCI = 0.8 / 0.632 = 1.26 < 1.96 at reliability 0.8.
    assert (
        dependency_measure_rise(_two_measures(3.0, 3.8), now=NOW, thresholds=DEFAULTS)
        is None
    )
    finding = dependency_measure_rise(
        _two_measures(3.0, 4.3), now=NOW, thresholds=DEFAULTS
    )
    assert finding is not None
    assert finding.evidence["reliable_change_index"] > 1.96
    assert finding.evidence["reliability"] == 0.8


def test_a_more_reliable_measure_lets_a_smaller_rise_through():
    reliable = dataclasses.replace(DEFAULTS, dependency_measure_reliability=0.95)
    assert dependency_measure_rise(
        _two_measures(3.0, 3.8), now=NOW, thresholds=reliable
    )


def test_a_reliable_change_still_needs_the_configured_rise():
    reliable = dataclasses.replace(
        DEFAULTS, dependency_measure_reliability=0.99, dependency_measure_rise=0.5
    )
    # RCI = 0.4 / 0.141 = 2.8, but the rise is below the configured 0.5.
    assert (
        dependency_measure_rise(_two_measures(3.0, 3.4), now=NOW, thresholds=reliable)
        is None
    )


# --- the cover's timely replies are the plan working ------------------------------


def _surge(answered: int) -> AbsenceContactCounts:
    absence = AbsenceFacts(TODAY - 14 * DAY, TODAY + 6 * DAY, has_cover=True)
    return AbsenceContactCounts(
        absence=absence,
        during=9,
        baseline=6,
        baseline_days=84,
        answered_as_planned=answered,
    )


def test_contacts_the_cover_answered_in_time_do_not_count_toward_a_surge():
    flagged = absence_surge(_surge(0), now=NOW, thresholds=DEFAULTS)
    assert flagged is not None
    assert flagged.evidence["contacts_counted"] == 9
    assert absence_surge(_surge(6), now=NOW, thresholds=DEFAULTS) is None
    partly = absence_surge(_surge(2), now=NOW, thresholds=DEFAULTS)
    assert partly is not None
    assert partly.evidence["contacts_during_absence"] == 9
    assert partly.evidence["contacts_answered_by_cover"] == 2
    assert partly.evidence["contacts_counted"] == 7
    assert "beyond the 2 the cover answered in time" in partly.explanation
