"""Ruptures waiting too long for repair, and ruptures that keep coming.

An open rupture is not an error: ruptures often wait for the right moment in
session.  It becomes a supervision matter only when no repair has even been
attempted for weeks, or when ruptures without a successful repair pile up.
A repaired rupture is never counted against the therapy: ruptures that are
resolved go with better outcomes (Eubanks, Muran and Safran, 2018), so a
therapist who notices and repairs more ruptures earns no flag for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from attachment.engine.patterns.findings import (
    Finding,
    Kind,
    Part,
    Tier,
    count_text,
    day_text,
    period_text,
)
from attachment.engine.patterns.inputs import RuptureFacts
from attachment.engine.patterns.thresholds import DetectorThresholds

SEVERE = 3


def unrepaired_rupture(
    ruptures: Sequence[RuptureFacts],
    *,
    now: dt.datetime,
    thresholds: DetectorThresholds,
) -> Finding | None:
    """The longest-waiting open rupture with no repair attempt past the limit.

    The window starts on the day the rupture became overdue, not the day it was
    noticed, so this part and :func:`repeated_ruptures` never share a window.
    """
    if not thresholds.rupture_enabled:
        return None
    today = now.date()
    limit = thresholds.rupture_repair_days
    overdue = sorted(
        (
            r
            for r in ruptures
            if r.is_open
            and r.repair_attempts == 0
            and r.noticed_on <= today
            and (today - r.noticed_on).days > limit
        ),
        key=lambda r: r.noticed_on,
    )
    if not overdue:
        return None
    oldest = overdue[0]
    days = (today - oldest.noticed_on).days
    red = days > thresholds.rupture_red_days or any(
        r.severity >= SEVERE for r in overdue
    )
    return Finding(
        kind=Kind.UNREPAIRED_RUPTURE,
        part=Part.OPEN_WITHOUT_REPAIR,
        tier=Tier.RED if red else Tier.YELLOW,
        window_start=oldest.noticed_on + dt.timedelta(days=limit + 1),
        window_end=today,
        score=round(days / limit, 3),
        evidence={
            "part": Part.OPEN_WITHOUT_REPAIR.value,
            "rupture_ids": [r.rupture_id for r in overdue],
            "oldest_noticed_on": oldest.noticed_on.isoformat(),
            "days_without_repair": days,
            "ruptures_without_repair": len(overdue),
            "severe": sum(r.severity >= SEVERE for r in overdue),
            "yellow_after_days": limit,
            "red_after_days": thresholds.rupture_red_days,
        },
        explanation=(
            f"A rupture noticed on {day_text(oldest.noticed_on)} ({days} days ago) "
            "has had no repair attempt yet"
            + (
                f" ({len(overdue)} such ruptures are open)."
                if len(overdue) > 1
                else "."
            )
        ),
    )


def repeated_ruptures(
    ruptures: Sequence[RuptureFacts],
    *,
    now: dt.datetime,
    thresholds: DetectorThresholds,
) -> Finding | None:
    """Several ruptures without a successful (complete) repair within a few
    weeks; repaired ruptures are left out."""
    if not thresholds.rupture_enabled:
        return None
    today = now.date()
    since = today - dt.timedelta(weeks=thresholds.rupture_repeat_weeks)
    recent = sorted(
        (r for r in ruptures if since < r.noticed_on <= today and not r.repaired),
        key=lambda r: r.noticed_on,
    )
    if len(recent) < thresholds.rupture_repeat_count:
        return None
    red = len(recent) >= thresholds.rupture_repeat_red_count
    return Finding(
        kind=Kind.UNREPAIRED_RUPTURE,
        part=Part.REPEATED,
        tier=Tier.RED if red else Tier.YELLOW,
        window_start=recent[0].noticed_on,
        window_end=recent[-1].noticed_on,
        score=round(len(recent) / thresholds.rupture_repeat_count, 3),
        evidence={
            "part": Part.REPEATED.value,
            "rupture_ids": [r.rupture_id for r in recent],
            "ruptures": len(recent),
            "still_open": sum(r.is_open for r in recent),
            "window_weeks": thresholds.rupture_repeat_weeks,
            "yellow_at": thresholds.rupture_repeat_count,
            "red_at": thresholds.rupture_repeat_red_count,
        },
        explanation=(
            f"{count_text(len(recent), 'rupture')} without a completed repair "
            f"were noticed {period_text(recent[0].noticed_on, recent[-1].noticed_on)}"
            f", {sum(r.is_open for r in recent)} of them still open."
        ),
    )
