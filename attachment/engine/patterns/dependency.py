"""Dependency escalation: rising observed intensity, or a reliable rise of the
preoccupied-merger score between two attachment measures.

Observations whose only marker is *internalised security* are left out of the
trend: holding the relationship in mind without contact is progress, so a
client growing more secure never makes the intensity look as if it rose.

A measure rise counts only when it is a reliable change (Jacobson and Truax,
1991): ``RCI = (x2 - x1) / S_diff`` with ``S_diff = sqrt(2) * SD * sqrt(1 - r)``,
``r`` the clinic's ``dependency_measure_reliability`` and ``SD`` the assumed
spread of the subscale's scores, :data:`MEASURE_SD` (1.0 on the 1-7 scale: an
assumption, documented in the engine's README, until a norm for the measure
in use is known).  The rise must exceed ``RCI > 1.96`` *and* reach the
configured ``dependency_measure_rise``.
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
    day_text,
    opening,
    period_text,
)
from attachment.engine.patterns.inputs import MeasureFacts, ObservationFacts
from attachment.engine.patterns.thresholds import DetectorThresholds

HIGH_INTENSITY = 3
# The assumed standard deviation of the attachment subscale scores (1-7 scale)
# in the reliable change index, and the index a change must exceed (the 95 %
# level of Jacobson and Truax).
MEASURE_SD = 1.0
RELIABLE_CHANGE = 1.96


def reliable_change_index(before: float, after: float, reliability: float) -> float:
    """Jacobson-Truax RCI of the change from ``before`` to ``after``."""
    s_diff = math.sqrt(2.0) * MEASURE_SD * math.sqrt(1.0 - reliability)
    return (after - before) / s_diff


def dependency_trend(
    observations: Sequence[ObservationFacts],
    *,
    now: dt.datetime,
    thresholds: DetectorThresholds,
) -> Finding | None:
    """Mann-Kendall test for a rising intensity over the recent observations.

    Mann-Kendall is Kendall's tau between time and value; ``scipy.stats.kendalltau``
    gives the one-sided p-value with the tie correction that 0-4 intensities
    need.  Sen's slope (``theilslopes``) states the size of the trend.
    """
    if not thresholds.dependency_enabled:
        return None
    today = now.date()
    since = today - dt.timedelta(weeks=thresholds.dependency_window_weeks)
    recent = sorted(
        (
            o
            for o in observations
            if since < o.observed_on <= today and not o.security_only
        ),
        key=lambda o: o.observed_on,
    )
    if len(recent) < thresholds.dependency_min_observations:
        return None
    days = np.array([(o.observed_on - since).days for o in recent], dtype=float)
    intensity = np.array([o.intensity for o in recent], dtype=float)
    if np.ptp(intensity) == 0:
        return None
    result = stats.kendalltau(days, intensity, alternative="greater")
    p_value = float(result.pvalue)
    if not (math.isfinite(p_value) and p_value < thresholds.dependency_alpha):
        return None
    slope = float(stats.theilslopes(intensity, days).slope) * 7.0
    red = p_value < thresholds.dependency_red_alpha and intensity[-1] >= HIGH_INTENSITY
    return Finding(
        kind=Kind.DEPENDENCY_ESCALATION,
        part=Part.INTENSITY_TREND,
        tier=Tier.RED if red else Tier.YELLOW,
        window_start=recent[0].observed_on,
        window_end=recent[-1].observed_on,
        score=round(-math.log10(max(p_value, 1e-12)), 3),
        evidence={
            "part": Part.INTENSITY_TREND.value,
            "observed_on": [o.observed_on.isoformat() for o in recent],
            "intensity": [int(v) for v in intensity],
            "observations": len(recent),
            "kendall_tau": clean_number(result.statistic),
            "p_value": clean_number(p_value, 6),
            "sen_slope_per_week": clean_number(slope),
            "alpha": thresholds.dependency_alpha,
        },
        explanation=(
            f"{opening(period_text(recent[0].observed_on, recent[-1].observed_on))}"
            f", the intensity the therapist observed rose across {len(recent)} "
            f"observations, from {int(intensity[0])} to {int(intensity[-1])} on "
            "the 0-4 scale."
        ),
    )


def dependency_measure_rise(
    measures: Sequence[MeasureFacts],
    *,
    now: dt.datetime,
    thresholds: DetectorThresholds,
) -> Finding | None:
    """The preoccupied-merger subscale rose between the last two measures."""
    if not thresholds.dependency_enabled:
        return None
    taken = sorted(
        (m for m in measures if m.measured_on <= now.date()),
        key=lambda m: m.measured_on,
    )
    if len(taken) < 2:
        return None
    before, after = taken[-2], taken[-1]
    rise = after.preoccupied_merger - before.preoccupied_merger
    if rise < thresholds.dependency_measure_rise:
        return None
    rci = reliable_change_index(
        before.preoccupied_merger,
        after.preoccupied_merger,
        thresholds.dependency_measure_reliability,
    )
    if rci <= RELIABLE_CHANGE:
        return None
    red = rise >= thresholds.dependency_measure_red_rise
    return Finding(
        kind=Kind.DEPENDENCY_ESCALATION,
        part=Part.MEASURE_RISE,
        tier=Tier.RED if red else Tier.YELLOW,
        window_start=before.measured_on,
        window_end=after.measured_on,
        score=round(rise / thresholds.dependency_measure_rise, 3),
        evidence={
            "part": Part.MEASURE_RISE.value,
            "measured_on": [
                before.measured_on.isoformat(),
                after.measured_on.isoformat(),
            ],
            "preoccupied_merger": [
                clean_number(before.preoccupied_merger),
                clean_number(after.preoccupied_merger),
            ],
            "rise": clean_number(rise),
            "reliable_change_index": clean_number(rci),
            "reliability": thresholds.dependency_measure_reliability,
            "assumed_sd": MEASURE_SD,
            "yellow_at": thresholds.dependency_measure_rise,
            "red_at": thresholds.dependency_measure_red_rise,
        },
        explanation=(
            f"The preoccupied-merger score rose by {rise:.1f} points, from "
            f"{before.preoccupied_merger:.1f} to {after.preoccupied_merger:.1f}, "
            f"between the measures of {day_text(before.measured_on)} "
            f"{before.measured_on.year} and {day_text(after.measured_on)} "
            f"{after.measured_on.year}, more than the measure's own error."
        ),
    )
