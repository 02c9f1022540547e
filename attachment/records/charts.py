"""The weekly contact chart: the last 26 weeks as server-rendered SVG.

The counts come from one aggregate query: a zero-filled series of the
clinic's weeks (:mod:`attachment.records.weeks` says what a week is and which
contacts it counts as after hours) left-joined to the client's contacts by an
index-friendly time range.  Geometry is computed here and drawn by
``attachment/records/_weekly_chart.html`` with SVG presentation attributes only (the
Content-Security-Policy forbids inline styles), beside a plain table for
screen readers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from attachment.agreements.terms import terms_now
from attachment.records.weeks import (
    after_hours_reply_sql,
    client_after_hours_sql,
    in_local_week_sql,
    local_week_start,
    therapist_after_hours_sql,
)
from clinic.dates import format_when
from clinic.models import Absence, Client

WEEKS = 26

WEEKLY_COUNTS_SQL = f"""
WITH weeks AS (
    SELECT generate_series(%(first)s::timestamp, %(last)s::timestamp,
                           interval '1 week') AS week
)
SELECT
    weeks.week::date,
    count(c.id) FILTER (WHERE c.direction = 'from_client'),
    count(c.id) FILTER (WHERE c.direction = 'from_therapist' AND c.in_reply_to_id IS NULL),
    count(c.id) FILTER (WHERE {client_after_hours_sql("c")}),
    count(c.id) FILTER (WHERE {therapist_after_hours_sql("c")}),
    count(c.id) FILTER (WHERE {after_hours_reply_sql("c", as_of="%(now)s")})
FROM weeks
LEFT JOIN attachment_contact c
    ON c.client_id = %(client_id)s
   AND {in_local_week_sql("c.occurred_at", "weeks.week", "%(zone)s")}
GROUP BY weeks.week
ORDER BY weeks.week
"""  # noqa: S608 - the fragments are constants; every value is a parameter


@dataclass(frozen=True)
class Week:
    """One week's counts.  ``client_after_hours`` and ``therapist_after_hours``
    are the after-hours parts of the two bars; ``after_hours_replies`` is the
    therapist's after-hours count as the flags and the caseload overview
    count it (replies included)."""

    starts_on: dt.date
    from_client: int
    from_therapist: int
    client_after_hours: int
    therapist_after_hours: int
    after_hours_replies: int
    absence: bool

    @property
    def total(self) -> int:
        return self.from_client + self.from_therapist

    @property
    def after_hours_share(self) -> int | None:
        """Percent of the week's contacts outside contact hours."""
        if not self.total:
            return None
        return round(
            100 * (self.client_after_hours + self.therapist_after_hours) / self.total
        )


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    after_hours_y: float
    after_hours_height: float
    title: str


@dataclass(frozen=True)
class WeekShape:
    week: Week
    x: float
    client: Bar
    therapist: Bar
    label: str  # shown under every fourth week


@dataclass(frozen=True)
class WeeklyChart:
    weeks: list[Week]
    weekly_limit: int | None
    width: int
    height: int
    top: int
    bottom: int
    left: int
    group_width: int
    shapes: list[WeekShape]
    ticks: list[tuple[float, int]]  # (y, value)
    limit_y: float | None

    @property
    def plot_right(self) -> int:
        return self.left + self.group_width * len(self.weeks)

    @property
    def plot_height(self) -> int:
        return self.height - self.bottom - self.top

    @property
    def total_from_client(self) -> int:
        return sum(week.from_client for week in self.weeks)


def weekly_counts(
    *, client: Client, now: dt.datetime, weeks: int = WEEKS
) -> list[Week]:
    """Counts for the ``weeks`` local weeks ending with the current one."""
    this_week = local_week_start(now, client.clinic.zone)
    first = this_week - dt.timedelta(weeks=weeks - 1)
    with connection.cursor() as cursor:
        cursor.execute(
            WEEKLY_COUNTS_SQL,
            {
                "first": dt.datetime.combine(first, dt.time()),
                "last": dt.datetime.combine(this_week, dt.time()),
                "now": now,
                "client_id": client.pk,
                "zone": client.clinic.timezone,
            },
        )
        rows = cursor.fetchall()
    absences = list(
        Absence.objects.filter(
            therapist_id=client.therapist_id,
            ends_on__gte=first,
            starts_on__lte=this_week + dt.timedelta(days=6),
        ).values_list("starts_on", "ends_on")
    )
    return [
        Week(
            starts_on=starts_on,
            from_client=from_client,
            from_therapist=from_therapist,
            client_after_hours=client_late,
            therapist_after_hours=therapist_late,
            after_hours_replies=late_replies,
            absence=any(
                start <= starts_on + dt.timedelta(days=6) and end >= starts_on
                for start, end in absences
            ),
        )
        for (
            starts_on,
            from_client,
            from_therapist,
            client_late,
            therapist_late,
            late_replies,
        ) in rows
    ]


def _bar(x: float, count: int, late: int, scale: float, base: float, title: str) -> Bar:
    height = count * scale
    late_height = late * scale
    return Bar(
        x=x,
        y=base - height,
        height=height,
        after_hours_y=base - late_height,
        after_hours_height=late_height,
        title=title,
    )


def _ticks(tallest: int) -> list[int]:
    """About four gridlines at whole numbers, the top one at or above ``tallest``."""
    step = max(1, -(-tallest // 4))
    top = step * -(-tallest // step)
    return list(range(0, top + 1, step))


def weekly_chart(
    *, client: Client, now: dt.datetime, weeks: int = WEEKS
) -> WeeklyChart:
    series = weekly_counts(client=client, now=now, weeks=weeks)
    limit = terms_now(client=client, now=now).weekly_limit
    width, height, top, bottom, left, group = 680, 220, 12, 28, 32, 24
    tallest = max(
        [4, limit or 0, *(max(w.from_client, w.from_therapist) for w in series)]
    )
    ticks = _ticks(tallest)
    top_value = ticks[-1]
    base = height - bottom
    scale = (base - top) / top_value
    shapes = []
    for index, week in enumerate(series):
        x = left + index * group
        when = f"week of {format_when(week.starts_on, 'date')}"
        shapes.append(
            WeekShape(
                week=week,
                x=x,
                client=_bar(
                    x + 3,
                    week.from_client,
                    week.client_after_hours,
                    scale,
                    base,
                    f"{when}: {week.from_client} from client, "
                    f"{week.client_after_hours} after hours",
                ),
                therapist=_bar(
                    x + 12,
                    week.from_therapist,
                    week.therapist_after_hours,
                    scale,
                    base,
                    f"{when}: {week.from_therapist} started by therapist, "
                    f"{week.therapist_after_hours} after hours",
                ),
                label=format_when(week.starts_on, "daymonth") if index % 4 == 0 else "",
            )
        )
    return WeeklyChart(
        weeks=series,
        weekly_limit=limit,
        width=width,
        height=height,
        top=top,
        bottom=bottom,
        left=left,
        group_width=group,
        shapes=shapes,
        ticks=[(base - value * scale, value) for value in ticks],
        limit_y=base - limit * scale if limit is not None else None,
    )
