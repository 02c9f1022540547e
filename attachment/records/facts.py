"""The policy facts of a contact, derived once at write time and stored.

Pure functions: no ORM and no clock.  The caller hands in the effective
policy's terms, the therapist's absences and the client's ending date; the
facts are reasoned about in the clinic's time zone (contact hours and absence
dates are local), while the moments themselves stay aware UTC datetimes.

``over_weekly_limit`` depends on the client's other client-initiated contacts,
so it is computed over a whole series by :func:`over_limit_flags`: the contact
that makes the count in the rolling 7 days (the 168 hours ending at it,
inclusive) exceed the weekly limit carries the fact, and so does every further
one while the count stays above it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

ROLLING_WEEK = dt.timedelta(days=7)
FROM_CLIENT = "from_client"


class PolicyTerms(Protocol):
    """What of a ``clinic.models.ContactPolicy`` the facts need."""

    weekly_limit: int | None

    def allows_channel(self, channel: str) -> bool: ...

    def is_within_hours(self, local_moment: dt.datetime) -> bool: ...


@dataclass(frozen=True)
class Period:
    """An absence: both dates inclusive, in the clinic's calendar."""

    starts_on: dt.date
    ends_on: dt.date

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class ContactFacts:
    after_hours: bool
    channel_outside_policy: bool
    during_absence: bool
    after_ending: bool
    response_minutes: int | None
    responded_after_hours: bool


def derive_facts(
    *,
    occurred_at: dt.datetime,
    channel: str,
    direction: str,
    responded_at: dt.datetime | None,
    policy: PolicyTerms,
    zone: zoneinfo.ZoneInfo,
    absences: Iterable[Period],
    ended_on: dt.date | None,
) -> ContactFacts:
    """Every fact of one contact except ``over_weekly_limit`` (see module doc)."""
    local = occurred_at.astimezone(zone)
    response_minutes = None
    responded_after_hours = False
    if responded_at is not None and direction == FROM_CLIENT:
        response_minutes = max(
            0, int((responded_at - occurred_at).total_seconds() // 60)
        )
        responded_after_hours = not policy.is_within_hours(
            responded_at.astimezone(zone)
        )
    return ContactFacts(
        after_hours=not policy.is_within_hours(local),
        channel_outside_policy=not policy.allows_channel(channel),
        during_absence=any(period.covers(local.date()) for period in absences),
        after_ending=ended_on is not None and local.date() > ended_on,
        response_minutes=response_minutes,
        responded_after_hours=responded_after_hours,
    )


def over_limit_flags(moments: Sequence[dt.datetime], limit: int | None) -> list[bool]:
    """For client-initiated contacts sorted by time: does each one find more than
    ``limit`` client-initiated contacts (itself included) in the rolling 7 days
    ending at it?  Equal moments count in their given order, so that of two
    contacts at the same instant only the later one can tip the count."""
    if limit is None:
        return [False] * len(moments)
    flags = []
    first = 0
    for index, moment in enumerate(moments):
        while moments[first] <= moment - ROLLING_WEEK:
            first += 1
        flags.append(index - first + 1 > limit)
    return flags
