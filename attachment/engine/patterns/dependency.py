"""Dependency escalation: rising observed intensity, or a rising
preoccupied-merger score between two attachment measures."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from attachment.engine.patterns.findings import Finding, Kind, Part, Tier, clean_number
from attachment.engine.patterns.inputs import MeasureFacts, ObservationFacts
from attachment.engine.patterns.thresholds import DetectorThresholds

HIGH_INTENSITY = 3


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
        (o for o in observations if since < o.observed_on <= today),
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
            f"Observed dependency intensity rose across {len(recent)} observations "
            f"in {thresholds.dependency_window_weeks} weeks, from "
            f"{int(intensity[0])} to {int(intensity[-1])} on the 0-4 scale "
            f"(trend test p = {p_value:.3f})."
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
            "yellow_at": thresholds.dependency_measure_rise,
            "red_at": thresholds.dependency_measure_red_rise,
        },
        explanation=(
            f"The preoccupied-merger score rose by {rise:.1f} points between the "
            f"measures of {before.measured_on:%d %b %Y} and {after.measured_on:%d %b %Y}."
        ),
    )
