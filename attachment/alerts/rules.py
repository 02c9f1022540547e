"""When an unanswered contact from a client calls for an alert: pure
functions over plain values, with no ORM and no clock (``now`` is passed in).

A contact from the client raises an alert when it is still unanswered at its
reply time:

* a *crisis* contact, always, ``crisis_reply_minutes`` after it (the clinic's
  frame in force when it happened);
* a *distress* contact, when the client's latest recorded risk level is above
  low, at the reply time agreed with the client (the agreement in force when
  it happened), else the frame's response window.

The supervisor is told when it stays unanswered for another such window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CRISIS = "crisis"
DISTRESS = "distress"
RISKS_ABOVE_LOW = frozenset({"moderate", "high"})

# A contact older than this raises no alert: an imported history, or a
# schedule that was stopped for a while, must not wake everyone with old
# contacts (their pattern is the nightly scan's).  It is longer than the
# frame's longest response window (14 days), so every window can alert.
LOOKBACK = dt.timedelta(days=28)


@dataclass(frozen=True)
class AlertTiming:
    """When the reply to one contact was due, and when the supervisor is told."""

    due_at: dt.datetime
    escalate_at: dt.datetime


def reply_window(
    *,
    purpose: str,
    risk_level: str,
    agreed_reply_hours: int | None,
    frame_reply_hours: int,
    crisis_reply_minutes: int,
) -> dt.timedelta | None:
    """The time a contact of ``purpose`` may wait for a reply before it
    alerts, or None when it never alerts.  ``agreed_reply_hours`` is the
    agreement's reply time (None without an agreement in force);
    ``risk_level`` the client's latest recorded level ("" when none)."""
    if purpose == CRISIS:
        return dt.timedelta(minutes=crisis_reply_minutes)
    if purpose == DISTRESS and risk_level in RISKS_ABOVE_LOW:
        hours = (
            agreed_reply_hours if agreed_reply_hours is not None else frame_reply_hours
        )
        return dt.timedelta(hours=hours)
    return None


def alert_timing(*, occurred_at: dt.datetime, window: dt.timedelta) -> AlertTiming:
    return AlertTiming(
        due_at=occurred_at + window, escalate_at=occurred_at + 2 * window
    )


def alert_due(
    *,
    occurred_at: dt.datetime,
    purpose: str,
    risk_level: str,
    agreed_reply_hours: int | None,
    frame_reply_hours: int,
    crisis_reply_minutes: int,
    now: dt.datetime,
) -> AlertTiming | None:
    """The timing of the alert an unanswered contact raises at ``now``, or
    None when it raises none (yet, or ever)."""
    if occurred_at < now - LOOKBACK:
        return None
    window = reply_window(
        purpose=purpose,
        risk_level=risk_level,
        agreed_reply_hours=agreed_reply_hours,
        frame_reply_hours=frame_reply_hours,
        crisis_reply_minutes=crisis_reply_minutes,
    )
    if window is None:
        return None
    timing = alert_timing(occurred_at=occurred_at, window=window)
    return timing if timing.due_at <= now else None
