"""The therapist's side: availability creeping up (overextension) and the
abrupt cutback that tends to follow (withdrawal).

Both compare the therapist with their own earlier work with this client, never
with other therapists.  Weeks in which the therapist was away are left out,
except that the therapist's own contacts started from their leave count on
the therapist's side of overextension (and are shown in its evidence).  Weeks
that start after the client's ending date are left out of both: contact after
the ending is the after-ending detector's, and holding the ending is not a
change in responsiveness.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from attachment.engine.patterns.cusum import rate_ratio_test
from attachment.engine.patterns.findings import (
    Finding,
    Kind,
    Tier,
    clean_number,
    duration_words,
    opening,
    period_text,
)
from attachment.engine.patterns.inputs import WeeklySeries
from attachment.engine.patterns.thresholds import DetectorThresholds

MIN_MEDIANS = 3


@dataclass(frozen=True)
class _Windows:
    before: np.ndarray
    recent: np.ndarray
    last: int
    # every week of the recent window, present or not (own-leave contacts)
    recent_span: np.ndarray


def _windows(
    series: WeeklySeries, now: dt.datetime, recent: int, before: int
) -> _Windows | None:
    """Index arrays of the present weeks in the two windows, or None if short."""
    weeks = series.complete_weeks(now)
    if weeks < recent + before:
        return None
    present = ~series.therapist_absent[:weeks] & series.before_ending(weeks)
    idx = np.arange(weeks)
    recent_idx = idx[weeks - recent :][present[weeks - recent :]]
    before_idx = idx[weeks - recent - before : weeks - recent][
        present[weeks - recent - before : weeks - recent]
    ]
    if len(recent_idx) == 0 or len(before_idx) < before // 2:
        return None
    span = idx[weeks - recent :][series.before_ending(weeks)[weeks - recent :]]
    return _Windows(
        before=before_idx, recent=recent_idx, last=int(span[-1]), recent_span=span
    )


def _medians(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    chosen: npt.NDArray[np.float64] = values[idx]
    return chosen[np.isfinite(chosen)]


def _mwu(x: np.ndarray, y: np.ndarray, alternative: str) -> float:
    """One-sided Mann-Whitney p-value of weekly medians, 1.0 when too few."""
    if len(x) < MIN_MEDIANS or len(y) < MIN_MEDIANS:
        return 1.0
    return float(stats.mannwhitneyu(x, y, alternative=alternative).pvalue)


def therapist_overextension(
    series: WeeklySeries, *, now: dt.datetime, thresholds: DetectorThresholds
) -> Finding | None:
    """Faster replies, more after-hours replies, more therapist-initiated contact:
    each tested one-sided against the therapist's own baseline with this client."""
    if not thresholds.overextension_enabled:
        return None
    w = _windows(
        series,
        now,
        thresholds.overextension_recent_weeks,
        thresholds.overextension_baseline_weeks,
    )
    if w is None:
        return None
    n_recent, n_before = len(w.recent), len(w.before)
    away_weeks = w.recent_span[series.therapist_absent[w.recent_span]]
    from_leave = int(series.initiated_while_away[away_weeks].sum())
    initiated_recent = int(series.therapist_initiated[w.recent].sum()) + from_leave
    actions = series.replied[w.recent].sum() + initiated_recent
    if actions < thresholds.overextension_min_actions:
        return None
    med_before = _medians(series.median_response_minutes, w.before)
    med_recent = _medians(series.median_response_minutes, w.recent)
    faster_p = _mwu(med_recent, med_before, "less")
    after_hours = rate_ratio_test(
        int(series.after_hours_replies[w.recent].sum()),
        n_recent,
        int(series.after_hours_replies[w.before].sum()),
        n_before,
    )
    initiated = rate_ratio_test(
        initiated_recent,
        n_recent,
        int(series.therapist_initiated[w.before].sum()),
        n_before,
    )
    alpha = thresholds.overextension_alpha
    signals = {
        "faster_replies": faster_p < alpha,
        "more_after_hours_replies": after_hours.p_value < alpha,
        "more_therapist_initiated": initiated.p_value < alpha,
    }
    count = sum(signals.values())
    if count < thresholds.overextension_min_signals:
        return None
    before_min = float(np.median(med_before)) if len(med_before) else math.nan
    recent_min = float(np.median(med_recent)) if len(med_recent) else math.nan
    window_start = series.week_starts[int(w.recent[0])]
    window_end = series.week_starts[w.last] + dt.timedelta(days=6)
    return Finding(
        kind=Kind.THERAPIST_OVEREXTENSION,
        tier=Tier.RED if count == len(signals) else Tier.YELLOW,
        window_start=window_start,
        window_end=window_end,
        score=float(count),
        evidence={
            **{k: bool(v) for k, v in signals.items()},
            "baseline_weeks": n_before,
            "recent_weeks": n_recent,
            "median_response_minutes_before": clean_number(before_min),
            "median_response_minutes_recent": clean_number(recent_min),
            "faster_replies_p_value": clean_number(faster_p, 6),
            "after_hours_per_week_before": clean_number(
                series.after_hours_replies[w.before].sum() / n_before
            ),
            "after_hours_per_week_recent": clean_number(
                series.after_hours_replies[w.recent].sum() / n_recent
            ),
            "after_hours_p_value": clean_number(after_hours.p_value, 6),
            "therapist_initiated_per_week_before": clean_number(
                series.therapist_initiated[w.before].sum() / n_before
            ),
            "therapist_initiated_per_week_recent": clean_number(
                initiated_recent / n_recent
            ),
            "therapist_initiated_p_value": clean_number(initiated.p_value, 6),
            "during_own_absence": from_leave,
        },
        explanation=_availability_sentence(
            signals,
            window_start,
            window_end,
            n_before,
            before_min,
            recent_min,
            from_leave,
        ),
    )


def _availability_sentence(
    signals: dict[str, bool],
    start: dt.date,
    end: dt.date,
    n_before: int,
    before_min: float,
    recent_min: float,
    from_leave: int,
) -> str:
    changes = []
    if signals["faster_replies"]:
        changes.append(
            f"replies came faster (typically {duration_words(recent_min)}, "
            f"against {duration_words(before_min)} before)"
        )
    if signals["more_after_hours_replies"]:
        changes.append("more replies were sent outside contact hours")
    if signals["more_therapist_initiated"]:
        changes.append("the therapist started more contacts")
    leave = (
        f", {from_leave} of them during the therapist's own leave"
        if from_leave and signals["more_therapist_initiated"]
        else ""
    )
    return (
        f"{opening(period_text(start, end))}, compared with the {n_before} weeks before, "
        f"the therapist was more available to this client: "
        + "; ".join(changes)
        + leave
        + "."
    )


def abrupt_withdrawal(
    series: WeeklySeries, *, now: dt.datetime, thresholds: DetectorThresholds
) -> Finding | None:
    """After weeks of high availability, replies become much rarer or slower.

    The answered share is compared with Fisher's exact test, the weekly median
    reply times with a one-sided Mann-Whitney test.
    """
    if not thresholds.withdrawal_enabled:
        return None
    w = _windows(
        series,
        now,
        thresholds.withdrawal_recent_weeks,
        thresholds.withdrawal_prior_weeks,
    )
    if w is None:
        return None
    asked_before = int(series.client_initiated[w.before].sum())
    answered_before = int(min(series.replied[w.before].sum(), asked_before))
    asked_recent = int(series.client_initiated[w.recent].sum())
    answered_recent = int(min(series.replied[w.recent].sum(), asked_recent))
    minimum = thresholds.withdrawal_min_contacts
    if asked_before < minimum or asked_recent < minimum:
        return None
    share_before = answered_before / asked_before
    share_recent = answered_recent / asked_recent
    if share_before < thresholds.withdrawal_high_reply_share:
        return None
    table = [
        [answered_before, asked_before - answered_before],
        [answered_recent, asked_recent - answered_recent],
    ]
    fisher_p = float(stats.fisher_exact(table, alternative="greater").pvalue)
    alpha = thresholds.withdrawal_alpha
    fewer = (
        share_before - share_recent >= thresholds.withdrawal_reply_drop
        and fisher_p < alpha
    )
    med_before = _medians(series.median_response_minutes, w.before)
    med_recent = _medians(series.median_response_minutes, w.recent)
    before_min = float(np.median(med_before)) if len(med_before) else math.nan
    recent_min = float(np.median(med_recent)) if len(med_recent) else math.nan
    slower_p = (
        float(stats.mannwhitneyu(med_recent, med_before, alternative="greater").pvalue)
        if len(med_recent) >= 1 and len(med_before) >= MIN_MEDIANS
        else 1.0
    )
    slower = (
        math.isfinite(recent_min)
        and recent_min >= thresholds.withdrawal_slowdown * max(before_min, 1.0)
        and slower_p < alpha
    )
    if not (fewer or slower):
        return None
    window_start = series.week_starts[int(w.recent[0])]
    window_end = series.week_starts[w.last] + dt.timedelta(days=6)
    return Finding(
        kind=Kind.ABRUPT_WITHDRAWAL,
        tier=Tier.RED if fewer and slower else Tier.YELLOW,
        window_start=window_start,
        window_end=window_end,
        score=round(share_before - share_recent, 3),
        evidence={
            "fewer_replies": bool(fewer),
            "slower_replies": bool(slower),
            "prior_weeks": len(w.before),
            "recent_weeks": len(w.recent),
            "reply_share_before": clean_number(share_before),
            "reply_share_recent": clean_number(share_recent),
            "fisher_p_value": clean_number(fisher_p, 6),
            "median_response_minutes_before": clean_number(before_min),
            "median_response_minutes_recent": clean_number(recent_min),
            "slower_p_value": clean_number(slower_p, 6),
        },
        explanation=(
            f"{opening(period_text(window_start, window_end))}, {answered_recent} of the "
            f"client's {asked_recent} contacts were answered ({share_recent:.0%}), "
            f"against {share_before:.0%} in the {len(w.before)} weeks before"
            + (
                f", and replies took {duration_words(recent_min)} against "
                f"{duration_words(before_min)} before."
                if slower
                else "."
            )
        ),
    )
