"""Contacts outside the agreed policy, and contacts after the ending date.

Both detectors count facts the contact service already derived at write time
(after hours, channel not agreed, over the weekly limit, after ending), so the
scan only reads the few contacts that carry such a fact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from attachment.engine.patterns.findings import (
    Finding,
    Kind,
    Tier,
    count_text,
    day_text,
    opening,
    period_text,
)
from attachment.engine.patterns.inputs import ContactFacts, EndingFacts
from attachment.engine.patterns.thresholds import DetectorThresholds


def _outside_policy(contact: ContactFacts) -> bool:
    return contact.from_client and (
        contact.after_hours or contact.outside_agreement or contact.over_weekly_limit
    )


def policy_pattern(
    contacts: Sequence[ContactFacts],
    *,
    now: dt.datetime,
    thresholds: DetectorThresholds,
) -> Finding | None:
    """Repeated client contacts outside the agreed policy within the window.

    Therapist-initiated contacts are not counted here: the therapist's own
    after-hours work is ``therapist_overextension``'s concern.  Each contact
    carries the facts of the agreement in force when it happened, and a
    distress or crisis contact carries none (reaching out in distress is never
    outside the agreement); the scan's query also leaves those purposes out.
    """
    if not thresholds.policy_enabled:
        return None
    since = now - dt.timedelta(weeks=thresholds.policy_window_weeks)
    hits = sorted(
        (c for c in contacts if since <= c.occurred_at <= now and _outside_policy(c)),
        key=lambda c: c.occurred_at,
    )
    if len(hits) < thresholds.policy_min_count:
        return None
    counts = {
        "after_hours": sum(c.after_hours for c in hits),
        "outside_agreement": sum(c.outside_agreement for c in hits),
        "over_weekly_limit": sum(c.over_weekly_limit for c in hits),
    }
    red = len(hits) >= thresholds.policy_red_count
    first, last = hits[0].occurred_at.date(), hits[-1].occurred_at.date()
    return Finding(
        kind=Kind.POLICY_PATTERN,
        tier=Tier.RED if red else Tier.YELLOW,
        window_start=hits[0].occurred_at.date(),
        window_end=hits[-1].occurred_at.date(),
        score=round(len(hits) / thresholds.policy_min_count, 3),
        evidence={
            "contacts_outside_policy": len(hits),
            "window_weeks": thresholds.policy_window_weeks,
            **counts,
            "yellow_at": thresholds.policy_min_count,
            "red_at": thresholds.policy_red_count,
        },
        explanation=(
            f"{opening(period_text(first, last))}, {count_text(len(hits), 'contact')} from the client fell outside "
            f"what was agreed ({counts['after_hours']} outside contact hours, "
            f"{counts['outside_agreement']} on a channel or for a purpose not agreed, "
            f"{counts['over_weekly_limit']} over the weekly number)."
        ),
    )


def after_ending_contact(
    ending: EndingFacts,
    contacts: Sequence[ContactFacts],
    *,
    now: dt.datetime,
    thresholds: DetectorThresholds,
) -> Finding | None:
    """Client contacts after the ending date beyond what the policy allows.

    Where the policy allows contact after ending, only contacts over the weekly
    limit are beyond it; otherwise every client contact after the ending date is.
    """
    if not thresholds.after_ending_enabled:
        return None
    since = max(
        now - dt.timedelta(weeks=thresholds.after_ending_window_weeks),
        dt.datetime.combine(
            ending.ended_on + dt.timedelta(days=1), dt.time(), now.tzinfo
        ),
    )
    hits = sorted(
        (
            c
            for c in contacts
            if c.from_client
            and since <= c.occurred_at <= now
            and c.occurred_at.date() > ending.ended_on
            and (not ending.after_ending_allowed or c.over_weekly_limit)
        ),
        key=lambda c: c.occurred_at,
    )
    if len(hits) < thresholds.after_ending_min_count:
        return None
    red = len(hits) >= thresholds.after_ending_red_count
    first, last = hits[0].occurred_at.date(), hits[-1].occurred_at.date()
    days = (now.date() - ending.ended_on).days
    return Finding(
        kind=Kind.AFTER_ENDING_CONTACT,
        tier=Tier.RED if red else Tier.YELLOW,
        window_start=hits[0].occurred_at.date(),
        window_end=hits[-1].occurred_at.date(),
        score=round(len(hits) / thresholds.after_ending_min_count, 3),
        evidence={
            "contacts_after_ending": len(hits),
            "ended_on": ending.ended_on.isoformat(),
            "days_since_ending": days,
            "after_ending_allowed": ending.after_ending_allowed,
            "window_weeks": thresholds.after_ending_window_weeks,
            "yellow_at": thresholds.after_ending_min_count,
            "red_at": thresholds.after_ending_red_count,
        },
        explanation=(
            f"Therapy ended on {day_text(ending.ended_on)} ({days} days ago); "
            f"{period_text(first, last)} the client made {count_text(len(hits), 'contact')} beyond what was "
            "agreed for after the ending."
        ),
    )
