"""Attachment distress rising: the observed intensity well above the client's
usual level, or a reliable rise of the preoccupied-merger score.

Observations whose only marker is *internalised security* are left out: holding
the relationship in mind without contact is progress, so a client growing more
secure never makes the intensity look as if it rose.

A measure rise counts only when it is a reliable change (Jacobson and Truax,
1991).  The latest score is compared with the mean of up to
:data:`PREVIOUS_MEASURES` scores before it, so the index is
``RCI = (x - mean) / (SEM * sqrt(1 + 1/k))`` with ``SEM = SD * sqrt(1 - r)``,
``r`` the clinic's ``dependency_measure_reliability``, ``k`` the number of
previous measures (``k = 1`` is the classic ``S_diff``) and ``SD`` the spread
of the subscale's scores, :data:`MEASURE_SD`.  ``SD`` is 1.0: a 1-6 mean-item
subscale typically spreads about 0.8, so 1.0 is the cautious side, and it is
kept because each measure is a new test (about four a year) and the smaller
spread would about triple the false alarms (see attachment/engine/EVALUATION.md).
The rise must exceed ``RCI > 1.96`` *and* reach the configured
``dependency_measure_rise``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from attachment.engine.patterns.findings import (
    Finding,
    Kind,
    Part,
    Tier,
    clean_number,
    count_text,
    day_text,
    opening,
    period_text,
)
from attachment.engine.patterns.inputs import MeasureFacts, ObservationFacts
from attachment.engine.patterns.thresholds import DetectorThresholds

HIGH_INTENSITY = 3
# The rise of intensity: the observations of the last RECENT_WEEKS weeks (at
# least MIN_RECENT) against the client's usual level in the USUAL_WEEKS weeks
# before the observation window; the mean must be at least MIN_RISE points
# higher, and the usual spread is never taken as below MIN_SPREAD points.
RECENT_WEEKS = 6
MIN_RECENT = 2
USUAL_WEEKS = 26
MIN_RISE = 0.75
MIN_SPREAD = 0.5
# The standard deviation of the subscale scores assumed in the reliable change
# index (see the module's docstring), and the index a change must exceed (the
# 95 % level of Jacobson and Truax).
MEASURE_SD = 1.0
RELIABLE_CHANGE = 1.96
# How many measures before the latest make the score it is compared with.
PREVIOUS_MEASURES = 3


def reliable_change_index(
    before: float, after: float, reliability: float, *, previous: int = 1
) -> float:
    """Jacobson-Truax RCI of the change from ``before`` (the mean of
    ``previous`` measures) to ``after``; ``previous=1`` is the classic index
    ``(x2 - x1) / (sqrt(2) * SD * sqrt(1 - r))``."""
    sem = MEASURE_SD * math.sqrt(1.0 - reliability)
    return (after - before) / (sem * math.sqrt(1.0 + 1.0 / previous))


def _usual_spread(values: np.ndarray) -> float:
    """The client's usual spread of intensity, never below :data:`MIN_SPREAD`
    (ratings are whole points, so a client always rated alike still varies)."""
    return max(float(np.std(values, ddof=1)), MIN_SPREAD)


def _recent_and_usual(
    observations: Sequence[ObservationFacts], today: dt.date, window_weeks: int
) -> tuple[list[ObservationFacts], list[ObservationFacts]]:
    """(the recent weeks' observations, the usual weeks' before the window),
    oldest first, without the observations of internalised security only."""
    recent_since = today - dt.timedelta(weeks=RECENT_WEEKS)
    window_since = today - dt.timedelta(weeks=window_weeks)
    usual_since = window_since - dt.timedelta(weeks=USUAL_WEEKS)
    kept = sorted(
        (o for o in observations if not o.security_only and o.observed_on <= today),
        key=lambda o: o.observed_on,
    )
    recent = [o for o in kept if recent_since < o.observed_on]
    usual = [o for o in kept if usual_since < o.observed_on <= window_since]
    return recent, usual


def dependency_trend(
    observations: Sequence[ObservationFacts],
    *,
    now: dt.datetime,
    thresholds: DetectorThresholds,
) -> Finding | None:
    """The intensity observed in the recent weeks is well above the client's
    own usual level.

    The observations of the last :data:`RECENT_WEEKS` weeks are compared with
    those of the :data:`USUAL_WEEKS` weeks before the observation window
    (``dependency_window_weeks``; the weeks between are left out, so the
    start of a rise does not pull the usual level up): a one-sided t-test of
    the recent mean against the usual mean, with the client's usual spread
    (``t = rise / (sd * sqrt(1/n_recent + 1/n_usual))``, ``n_usual - 1``
    degrees of freedom), p below ``dependency_alpha``, *and* a rise of at
    least :data:`MIN_RISE` points.  A trend test that took the spread from
    the handful of ratings in an overlapping 12-week window (Mann-Kendall,
    before) alarmed on a steady client several times a year when re-run every
    week; the long usual stretch gives the spread with the precision the
    window lacks.  At least :data:`MIN_RECENT` recent observations and
    ``dependency_min_observations`` usual ones are needed.
    """
    if not thresholds.dependency_enabled:
        return None
    recent, usual = _recent_and_usual(
        observations, now.date(), thresholds.dependency_window_weeks
    )
    if len(recent) < MIN_RECENT or len(usual) < thresholds.dependency_min_observations:
        return None
    intensity = np.array([o.intensity for o in recent], dtype=float)
    usual_level = np.array([o.intensity for o in usual], dtype=float)
    rise = float(intensity.mean() - usual_level.mean())
    if rise < MIN_RISE:
        return None
    spread = _usual_spread(usual_level)
    t_value = rise / (spread * math.sqrt(1 / len(intensity) + 1 / len(usual_level)))
    p_value = float(stats.t.sf(t_value, df=len(usual_level) - 1))
    if p_value >= thresholds.dependency_alpha:
        return None
    red = p_value < thresholds.dependency_red_alpha and intensity[-1] >= HIGH_INTENSITY
    first, last = recent[0].observed_on, recent[-1].observed_on
    return Finding(
        kind=Kind.DEPENDENCY_ESCALATION,
        part=Part.INTENSITY_TREND,
        tier=Tier.RED if red else Tier.YELLOW,
        window_start=first,
        window_end=last,
        score=round(-math.log10(max(p_value, 1e-12)), 3),
        evidence={
            "part": Part.INTENSITY_TREND.value,
            "observed_on": [o.observed_on.isoformat() for o in recent],
            "intensity": [int(v) for v in intensity],
            "observations": len(recent),
            "mean_intensity": clean_number(intensity.mean()),
            "usual_observations": len(usual),
            "usual_weeks": USUAL_WEEKS,
            "usual_mean_intensity": clean_number(usual_level.mean()),
            "usual_sd": clean_number(spread),
            "rise": clean_number(rise),
            "t_value": clean_number(t_value),
            "p_value": clean_number(p_value, 6),
            "alpha": thresholds.dependency_alpha,
        },
        explanation=(
            f"{opening(period_text(first, last))}, the intensity the therapist "
            f"observed averaged {intensity.mean():.1f} on the 0-4 scale across "
            f"{count_text(len(recent), 'observation')}, against a usual "
            f"{usual_level.mean():.1f} across {len(usual)} in the "
            f"{USUAL_WEEKS} weeks before the last "
            f"{thresholds.dependency_window_weeks}."
        ),
    )


def dependency_measure_rise(
    measures: Sequence[MeasureFacts],
    *,
    now: dt.datetime,
    thresholds: DetectorThresholds,
) -> Finding | None:
    """The preoccupied-merger subscale rose reliably at the latest measure.

    The latest score is compared with the mean of up to :data:`PREVIOUS_MEASURES`
    measures before it: the mean of ``k`` scores carries ``1/k`` of one
    score's error variance, so the reliable change index divides by
    ``SEM * sqrt(1 + 1/k)`` (``SEM = SD * sqrt(1 - r)``), which for ``k = 1``
    is Jacobson and Truax's ``S_diff``.
    """
    if not thresholds.dependency_enabled:
        return None
    taken = sorted(
        (m for m in measures if m.measured_on <= now.date()),
        key=lambda m: m.measured_on,
    )
    if len(taken) < 2:
        return None
    after = taken[-1]
    earlier = taken[-1 - PREVIOUS_MEASURES : -1]
    before = earlier[-1]
    usual = sum(m.preoccupied_merger for m in earlier) / len(earlier)
    rise = after.preoccupied_merger - usual
    if rise < thresholds.dependency_measure_rise:
        return None
    rci = reliable_change_index(
        usual,
        after.preoccupied_merger,
        thresholds.dependency_measure_reliability,
        previous=len(earlier),
    )
    if rci <= RELIABLE_CHANGE:
        return None
    red = rise >= thresholds.dependency_measure_red_rise
    since = "the measure" if len(earlier) == 1 else f"the {len(earlier)} measures"
    return Finding(
        kind=Kind.DEPENDENCY_ESCALATION,
        part=Part.MEASURE_RISE,
        tier=Tier.RED if red else Tier.YELLOW,
        window_start=before.measured_on,
        window_end=after.measured_on,
        score=round(rise / thresholds.dependency_measure_rise, 3),
        evidence={
            "part": Part.MEASURE_RISE.value,
            "measured_on": [m.measured_on.isoformat() for m in (*earlier, after)],
            "preoccupied_merger": [
                clean_number(m.preoccupied_merger) for m in (*earlier, after)
            ],
            "previous_mean": clean_number(usual),
            "previous_measures": len(earlier),
            "rise": clean_number(rise),
            "reliable_change_index": clean_number(rci),
            "reliability": thresholds.dependency_measure_reliability,
            "assumed_sd": MEASURE_SD,
            "yellow_at": thresholds.dependency_measure_rise,
            "red_at": thresholds.dependency_measure_red_rise,
        },
        explanation=(
            f"The preoccupied-merger score rose by {rise:.1f} points, to "
            f"{after.preoccupied_merger:.1f} on {day_text(after.measured_on)} "
            f"{after.measured_on.year} from {usual:.1f} at {since} before "
            f"(since {day_text(earlier[0].measured_on)} "
            f"{earlier[0].measured_on.year}), more than the measure's own error."
        ),
    )
