"""The facts of a contact, derived once at write time and stored.

Pure functions: no ORM and no clock.  The caller hands in the terms in force
when the contact happened (the agreement version then, else the clinic's
frame: ``attachment.agreements.terms``) with the time zone of their hours,
the therapist's absences and the client's ending date.  Absence and ending
dates are the clinic's calendar; the moments themselves stay aware UTC
datetimes.

A distress or crisis contact from the client is never a breach: it carries
no "after hours", "outside the agreement" or "over the weekly limit" fact and
does not count toward the limit (it still counts for frequency and response
times).  A therapist's contact is never a breach either; its "after hours"
fact records the therapist's availability, which the overextension detector
reads.

``over_weekly_limit`` depends on the client's other client-initiated contacts,
so it is computed over a whole series by :func:`over_limit_flags`: the contact
that makes the count in the rolling 7 days (the 168 hours ending at it,
inclusive) exceed the limit in force at it carries the fact, and so does
every further one while the count stays above its limit.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

ROLLING_WEEK = dt.timedelta(days=7)
FROM_CLIENT = "from_client"
# Kept in step with attachment.models.NEVER_A_BREACH (this module has no ORM).
NEVER_A_BREACH = frozenset({"distress", "crisis"})


class PolicyTerms(Protocol):
    """What of a ``clinic.models.ContactTerms`` (the frame or an agreement
    version) the facts need."""

    weekly_limit: int | None

    def allows_channel(self, channel: str) -> bool: ...

    def allows_purpose(self, channel: str, purpose: str) -> bool: ...

    def is_within_hours(self, local_moment: dt.datetime) -> bool: ...


def counts_for_policy(*, direction: str, purpose: str) -> bool:
    """Whether a contact can breach the terms at all: a client's contact that
    is not distress or crisis."""
    return direction == FROM_CLIENT and purpose not in NEVER_A_BREACH


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
    outside_agreement: bool
    during_absence: bool
    after_ending: bool
    response_minutes: int | None
    responded_after_hours: bool


def derive_facts(
    *,
    occurred_at: dt.datetime,
    channel: str,
    direction: str,
    purpose: str,
    responded_at: dt.datetime | None,
    terms: PolicyTerms,
    hours_zone: zoneinfo.ZoneInfo,
    zone: zoneinfo.ZoneInfo,
    absences: Iterable[Period],
    ended_on: dt.date | None,
) -> ContactFacts:
    """Every fact of one contact except ``over_weekly_limit`` (see module doc).

    ``terms`` are those in force at ``occurred_at``, their hours read in
    ``hours_zone``; ``zone`` is the clinic's, for absence and ending dates.
    """
    local = occurred_at.astimezone(zone)
    response_minutes = None
    responded_after_hours = False
    if responded_at is not None and direction == FROM_CLIENT:
        response_minutes = max(
            0, int((responded_at - occurred_at).total_seconds() // 60)
        )
        responded_after_hours = not terms.is_within_hours(
            responded_at.astimezone(hours_zone)
        )
    # A therapist's contact out of hours is a fact about the therapist's
    # availability (the overextension detector reads it), never a breach.
    reaching_out = direction == FROM_CLIENT and purpose in NEVER_A_BREACH
    judged = counts_for_policy(direction=direction, purpose=purpose)
    return ContactFacts(
        after_hours=not reaching_out
        and not terms.is_within_hours(occurred_at.astimezone(hours_zone)),
        outside_agreement=judged
        and not (
            terms.allows_channel(channel) and terms.allows_purpose(channel, purpose)
        ),
        during_absence=any(period.covers(local.date()) for period in absences),
        after_ending=ended_on is not None and local.date() > ended_on,
        response_minutes=response_minutes,
        responded_after_hours=responded_after_hours,
    )


def over_limit_flags(
    moments: Sequence[dt.datetime], limits: Sequence[int | None]
) -> list[bool]:
    """For the contacts that count toward the limit, sorted by time, with the
    limit in force at each: does each one find more than its limit of them
    (itself included) in the rolling 7 days ending at it?  Equal moments count
    in their given order, so that of two contacts at the same instant only the
    later one can tip the count."""
    flags = []
    first = 0
    for index, (moment, limit) in enumerate(zip(moments, limits, strict=True)):
        while moments[first] <= moment - ROLLING_WEEK:
            first += 1
        flags.append(limit is not None and index - first + 1 > limit)
    return flags
