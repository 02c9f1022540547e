"""Contacts outside the agreed policy, and contacts after the ending date.

Both detectors count facts the contact service already derived at write time
(after hours, channel not agreed, over the weekly limit, after ending), so the
scan only reads the few contacts that carry such a fact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from attachment.engine.patterns.cusum import rate_ratio_test
from attachment.engine.patterns.findings import (
    Finding,
    Kind,
    Tier,
    clean_number,
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


def _week(contact: ContactFacts) -> tuple[int, int]:
    year, week, _ = contact.occurred_at.date().isocalendar()
    return year, week


def _occasions(contacts: Sequence[ContactFacts]) -> list[ContactFacts]:
    """The occasions on which contact went beyond the agreement: each contact
    outside contact hours or on a channel or for a purpose not agreed, and each
    week over the weekly number once (its first contact over it).  A busy week
    is one slip however many contacts it held beyond the number, so it does not
    weigh like a run of late messages."""
    seen: set[tuple[int, int]] = set()
    out = []
    for c in sorted(contacts, key=lambda c: c.occurred_at):
        if not _outside_policy(c):
            continue
        if c.after_hours or c.outside_agreement:
            out.append(c)
        elif _week(c) not in seen:
            seen.add(_week(c))
            out.append(c)
    return out


def policy_pattern(
    contacts: Sequence[ContactFacts],
    *,
    now: dt.datetime,
    thresholds: DetectorThresholds,
) -> Finding | None:
    """Contact beyond the agreement, more often than the client's own earlier
    rate of it.

    Most clients slip now and then (a late message, a busy week over the
    number); what is worth a supervisor's attention is a new pattern.  So the
    occasions in the window (:func:`_occasions`) are compared with the
    client's own rate of them in the ``policy_baseline_weeks`` before it by the
    exact conditional test of two Poisson rates
    (:func:`~.cusum.rate_ratio_test`), and it flags when the window holds at
    least ``policy_min_count`` occasions *and* the one-sided p-value is below
    ``policy_alpha``.  A client with a shorter history has had fewer chances
    to slip, so the test is, if anything, quicker for them.

    Therapist-initiated contacts are not counted here: the therapist's own
    after-hours work is ``therapist_overextension``'s concern.  Each contact
    carries the facts of the agreement in force when it happened, and a
    distress or crisis contact carries none (reaching out in distress is never
    outside the agreement); the scan's query also leaves those purposes out.
    """
    if not thresholds.policy_enabled:
        return None
    since = now - dt.timedelta(weeks=thresholds.policy_window_weeks)
    earliest = since - dt.timedelta(weeks=thresholds.policy_baseline_weeks)
    in_window = [c for c in contacts if since <= c.occurred_at <= now]
    hits = _occasions(in_window)
    if len(hits) < thresholds.policy_min_count:
        return None
    earlier = len(
        _occasions([c for c in contacts if earliest <= c.occurred_at < since])
    )
    test = rate_ratio_test(
        len(hits),
        thresholds.policy_window_weeks,
        earlier,
        thresholds.policy_baseline_weeks,
    )
    if test.p_value >= thresholds.policy_alpha:
        return None
    late = sum(c.after_hours for c in hits)
    not_agreed = sum(c.outside_agreement and not c.after_hours for c in hits)
    busy_weeks = len(hits) - late - not_agreed
    red = len(hits) >= thresholds.policy_red_count
    first, last = hits[0].occurred_at.date(), hits[-1].occurred_at.date()
    return Finding(
        kind=Kind.POLICY_PATTERN,
        tier=Tier.RED if red else Tier.YELLOW,
        window_start=first,
        window_end=last,
        score=round(len(hits) / thresholds.policy_min_count, 3),
        evidence={
            "occasions_outside_policy": len(hits),
            "contacts_outside_policy": sum(_outside_policy(c) for c in in_window),
            "window_weeks": thresholds.policy_window_weeks,
            "after_hours": sum(c.after_hours for c in in_window if _outside_policy(c)),
            "outside_agreement": sum(
                c.outside_agreement for c in in_window if _outside_policy(c)
            ),
            "over_weekly_limit": sum(
                c.over_weekly_limit for c in in_window if _outside_policy(c)
            ),
            "busy_weeks_counted": busy_weeks,
            "earlier_occasions": earlier,
            "earlier_weeks": thresholds.policy_baseline_weeks,
            "rate_ratio": clean_number(test.ratio),
            "p_value": clean_number(test.p_value, 6),
            "alpha": thresholds.policy_alpha,
            "yellow_at": thresholds.policy_min_count,
            "red_at": thresholds.policy_red_count,
        },
        explanation=(
            f"{opening(period_text(first, last))}, contact from the client went "
            f"beyond what was agreed {count_text(len(hits), 'time')} "
            f"({count_text(late, 'contact')} outside contact hours, "
            f"{not_agreed} on a channel or for a purpose not agreed, "
            f"{count_text(busy_weeks, 'week')} over the weekly number), against "
            f"{earlier} in the {thresholds.policy_baseline_weeks} weeks before."
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
