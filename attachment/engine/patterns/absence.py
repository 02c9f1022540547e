"""Absence surge: contact well above the client's own rate while the therapist
is away, and, ahead of a planned absence, a prompt to plan cover."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from attachment.engine.patterns.cusum import rate_ratio_test
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
from attachment.engine.patterns.inputs import (
    AbsenceContactCounts,
    AbsenceFacts,
    ObservationFacts,
)
from attachment.engine.patterns.thresholds import DetectorThresholds

ALPHA = 0.05
MIN_BASELINE_DAYS = 28
# A surge is judged once the absence has lasted this many days (or, if it is
# shorter, at its end): a day or two of a busy client is not yet a surge, and
# judging every day from the first inflates the false alarms of a daily scan.
MIN_DAYS_AWAY = 7


def absence_surge(
    counts: AbsenceContactCounts,
    *,
    now: dt.datetime,
    thresholds: DetectorThresholds,
) -> Finding | None:
    """Client-initiated contacts during an absence against the client's rate in
    the weeks before it: the exact conditional rate-ratio test, per day, from
    the absence's :data:`MIN_DAYS_AWAY`-th day (or its last, if shorter).

    Contacts the cover answered within the agreed reply time are the cover
    plan working: they are left out of the count tested."""
    if not thresholds.absence_enabled:
        return None
    absence, today = counts.absence, now.date()
    if absence.starts_on > today or counts.baseline_days < MIN_BASELINE_DAYS:
        return None
    until = min(absence.ends_on, today)
    days = (until - absence.starts_on).days + 1
    length = (absence.ends_on - absence.starts_on).days + 1
    if days < min(MIN_DAYS_AWAY, length):
        return None
    counted = max(counts.during - counts.answered_as_planned, 0)
    if counted < thresholds.absence_min_contacts:
        return None
    test = rate_ratio_test(counted, days, counts.baseline, counts.baseline_days)
    if test.ratio < thresholds.absence_min_ratio or test.p_value >= ALPHA:
        return None
    red = test.ci_low > thresholds.absence_red_ratio
    during_week = counted / days * 7
    usual_week = counts.baseline / counts.baseline_days * 7
    return Finding(
        kind=Kind.ABSENCE_SURGE,
        part=Part.DURING_ABSENCE,
        tier=Tier.RED if red else Tier.YELLOW,
        window_start=absence.starts_on,
        window_end=until,
        score=round(test.ci_low, 3),
        evidence={
            "part": Part.DURING_ABSENCE.value,
            "absence_starts_on": absence.starts_on.isoformat(),
            "absence_ends_on": absence.ends_on.isoformat(),
            "has_cover": absence.has_cover,
            "days_absent_so_far": days,
            "contacts_during_absence": counts.during,
            "contacts_answered_by_cover": counts.answered_as_planned,
            "contacts_counted": counted,
            "baseline_contacts": counts.baseline,
            "baseline_days": counts.baseline_days,
            "rate_per_week_during": clean_number(during_week),
            "rate_per_week_usual": clean_number(usual_week),
            "rate_ratio": clean_number(test.ratio),
            "rate_ratio_ci95": [clean_number(test.ci_low), clean_number(test.ci_high)],
            "p_value": clean_number(test.p_value, 6),
        },
        explanation=(
            f"{opening(period_text(absence.starts_on, until))}, while the therapist "
            f"was away, the client made {count_text(counted, 'contact')}"
            + (
                f" beyond the {counts.answered_as_planned} the cover answered in time"
                if counts.answered_as_planned
                else ""
            )
            + f", about {during_week:.1f} a week against a usual "
            f"{usual_week:.1f} a week."
        ),
    )


def absence_ahead(
    absence: AbsenceFacts,
    observations: Sequence[ObservationFacts],
    *,
    now: dt.datetime,
    thresholds: DetectorThresholds,
) -> Finding | None:
    """A planned absence is near and recent observations show intense fear of
    abandonment: a prompt to plan cover (red when no cover is arranged)."""
    if not thresholds.absence_enabled:
        return None
    today = now.date()
    lead = (absence.starts_on - today).days
    if not 0 < lead <= thresholds.absence_lookahead_days:
        return None
    since = today - dt.timedelta(weeks=thresholds.absence_observation_weeks)
    fearful = sorted(
        (
            o
            for o in observations
            if since < o.observed_on <= today
            and o.fear_of_abandonment
            and o.intensity >= thresholds.absence_min_intensity
        ),
        key=lambda o: o.observed_on,
    )
    if not fearful:
        return None
    return Finding(
        kind=Kind.ABSENCE_SURGE,
        part=Part.AHEAD_OF_ABSENCE,
        tier=Tier.YELLOW if absence.has_cover else Tier.RED,
        window_start=fearful[0].observed_on,
        window_end=absence.starts_on - dt.timedelta(days=1),
        score=float(len(fearful)),
        evidence={
            "part": Part.AHEAD_OF_ABSENCE.value,
            "absence_starts_on": absence.starts_on.isoformat(),
            "absence_ends_on": absence.ends_on.isoformat(),
            "days_until_absence": lead,
            "has_cover": absence.has_cover,
            "high_intensity_observations": len(fearful),
            "highest_intensity": max(o.intensity for o in fearful),
            "observation_weeks": thresholds.absence_observation_weeks,
        },
        explanation=(
            f"The therapist is away from {day_text(absence.starts_on)} (in {lead} "
            f"days) and {count_text(len(fearful), 'observation')} since "
            f"{day_text(fearful[0].observed_on)} noted a strong fear of being left; "
            + (
                "check the cover plan with the client."
                if absence.has_cover
                else "no covering therapist is arranged yet."
            )
        ),
    )
