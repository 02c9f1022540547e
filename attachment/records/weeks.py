"""What a week of contacts is, and which contacts a week counts as after hours.

A week is a calendar week: Monday 00:00 to the next Monday 00:00 in the
clinic's time zone.  A contact falls in the week of its local date, so a text
at 23:30 on Sunday evening in the clinic belongs to that week even when it is
already Monday in UTC.  The scan's weekly series, the client chart, the flag
chart and the caseload overview all count per week through this module, so
that a supervisor comparing the overview with a flag's evidence sees the same
numbers.

After hours is a fact derived when the contact is written
(:mod:`attachment.records.facts`); per week it is counted in two ways, as the
detectors and their evidence name them:

* *after-hours client contacts*: contacts from the client outside contact
  hours (``policy_pattern`` counts these as "… of them after hours");
* *after-hours replies*: the therapist's replies sent outside contact hours
  (counted in the week of the client contact they answer, and only once sent
  by the moment counted "as of") and the therapist-initiated contacts outside
  contact hours (``therapist_overextension`` tests these as "more after-hours
  replies").

The SQL builders take SQL text (a column, a placeholder, a constant of the
caller), never a value: every value stays a query parameter.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, DateField, Func
from django.db.models.expressions import RawSQL

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

CONTACT_TABLE = "attachment_contact"
WEEK = dt.timedelta(weeks=1)


# Python ----------------------------------------------------------------------


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week ``day`` falls in."""
    return day - dt.timedelta(days=day.weekday())


def local_week_start(moment: dt.datetime, zone: dt.tzinfo) -> dt.date:
    """The Monday of the local week (in ``zone``) that ``moment`` falls in."""
    return week_start(moment.astimezone(zone).date())


def week_bounds(day: dt.date, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The moments the local week of ``day`` begins and ends (local midnights;
    the end is the next week's beginning, so a week is ``start <= t < end``)."""
    monday = week_start(day)
    return (
        dt.datetime.combine(monday, dt.time(), zone),
        dt.datetime.combine(monday + WEEK, dt.time(), zone),
    )


# SQL -------------------------------------------------------------------------


def week_start_sql(day: str) -> str:
    """The Monday of the week of ``day`` (a date or a local timestamp)."""
    return f"date_trunc('week', {day})::date"


def local_week_sql(moment: str, zone: str) -> str:
    """The Monday of the local week a ``moment`` (timestamptz) falls in, in
    ``zone`` (a time zone name: a placeholder or a column)."""
    return week_start_sql(f"{moment} AT TIME ZONE {zone}")


def in_local_week_sql(moment: str, week: str, zone: str) -> str:
    """``moment`` falls in the local week beginning at ``week`` (a local
    Monday midnight, as a timestamp without time zone).  The same weeks as
    :func:`local_week_sql`, written as a time range so that an index on the
    moment serves a join to a series of weeks."""
    return (
        f"{moment} >= ({week} AT TIME ZONE {zone}) "
        f"AND {moment} < (({week} + interval '1 week') AT TIME ZONE {zone})"
    )


def client_after_hours_sql(contact: str) -> str:
    """A contact from the client outside contact hours."""
    return f"({contact}.direction = 'from_client' AND {contact}.after_hours)"


def therapist_after_hours_sql(contact: str) -> str:
    """A therapist-initiated contact outside contact hours."""
    return (
        f"({contact}.direction = 'from_therapist' AND {contact}.in_reply_to_id IS NULL"
        f" AND {contact}.after_hours)"
    )


def replied_sql(contact: str, *, as_of: str | None) -> str:
    """A client contact answered by ``as_of`` (``None``: answered at all)."""
    answered = f"{contact}.responded_at IS NOT NULL"
    if as_of is not None:
        answered = f"{contact}.responded_at <= {as_of}"
    return f"({contact}.direction = 'from_client' AND {answered})"


def after_hours_reply_sql(contact: str, *, as_of: str | None) -> str:
    """An after-hours reply as the weekly series counts it: a therapist-initiated
    contact outside contact hours, or a client contact whose reply (sent by
    ``as_of``; ``None``: sent at all) fell outside them."""
    replied_late = f"{contact}.responded_after_hours"
    if as_of is not None:
        replied_late += f" AND {contact}.responded_at <= {as_of}"
    return f"({therapist_after_hours_sql(contact)} OR ({replied_late}))"


# The ORM -----------------------------------------------------------------------


class LocalWeek(Func):
    """:func:`local_week_sql` for the ORM: ``LocalWeek(moment, zone_name)``,
    where each argument is a field name or an expression."""

    arity = 2
    output_field = DateField()

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        moment, zone = self.get_source_expressions()
        moment_sql, moment_params = compiler.compile(moment)
        zone_sql, zone_params = compiler.compile(zone)
        return local_week_sql(moment_sql, zone_sql), (*moment_params, *zone_params)


def after_hours_reply(*, as_of: dt.datetime) -> RawSQL:
    """:func:`after_hours_reply_sql` as a condition on ``Contact`` querysets
    (for ``Count(..., filter=...)``)."""
    return RawSQL(  # noqa: S611 - constant SQL; the moment is a parameter
        after_hours_reply_sql(CONTACT_TABLE, as_of="%s"),
        (as_of,),
        output_field=BooleanField(),
    )
