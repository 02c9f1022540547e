"""The flag page's chart: the series a detector judged, with the baseline, the
threshold and the flagged window marked.

* Weekly series: contacts rising draws the weeks stored in its evidence; the
  absence, availability and responsiveness detectors do not store theirs, so
  the same weekly aggregates are read again for the flag's weeks (one query),
  and the two therapist-side charts name the periods compared as dates.
  Attachment distress draws the observed intensities from its evidence.
* The other kinds have no series: their deciding number is drawn as a gauge
  (:mod:`attachment.review.evidence`), and ``absence_ahead`` has neither.

Geometry is computed here and drawn by ``attachment/review/_flag_chart.html``
with SVG presentation attributes and classes only (the Content-Security-Policy
forbids inline styles), beside a plain table for screen readers.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db import connection

from attachment.models import Flag
from attachment.records.weeks import (
    after_hours_reply_sql,
    in_local_week_sql,
    replied_sql,
    week_start,
)
from attachment.review.evidence import period_text, periods
from clinic.dates import format_when

WIDTH, HEIGHT, TOP, BOTTOM, LEFT, RIGHT = 680, 220, 12, 28, 40, 8

# The flag page shows what is recorded when it is read, so replies count
# without an "as of" moment (the scan counts those sent by its own moment).
SERIES_SQL = f"""
WITH weeks AS (
    SELECT generate_series(%(first)s::timestamp, %(last)s::timestamp,
                           interval '1 week') AS week
)
SELECT
    weeks.week::date,
    count(c.id) FILTER (WHERE c.direction = 'from_client'),
    count(c.id) FILTER (WHERE c.direction = 'from_therapist'
                          AND c.in_reply_to_id IS NULL),
    count(c.id) FILTER (WHERE {replied_sql("c", as_of=None)}),
    count(c.id) FILTER (WHERE {after_hours_reply_sql("c", as_of=None)}),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY c.response_minutes)
        FILTER (WHERE c.response_minutes IS NOT NULL)
FROM weeks
LEFT JOIN attachment_contact c
    ON c.client_id = %(client_id)s
   AND {in_local_week_sql("c.occurred_at", "weeks.week", "%(zone)s")}
GROUP BY weeks.week
ORDER BY weeks.week
"""  # noqa: S608 - the fragments are constants; every value is a parameter

MAX_WEEKS = 70


@dataclass(frozen=True)
class Point:
    """One bar: a week (or an observation) and its value."""

    label: str
    value: float | None
    in_window: bool = False
    absent: bool = False


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    point: Point
    label: str  # shown under some bars


@dataclass(frozen=True)
class Line:
    y: float
    value: float
    label: str
    css: str  # "baseline" or "threshold"


@dataclass(frozen=True)
class SeriesChart:
    title: str
    description: str
    unit: str
    bars: list[Bar]
    lines: list[Line]
    ticks: list[tuple[float, str]]
    window_x: float | None
    window_width: float
    bar_width: float
    slot: float
    width: int = WIDTH
    height: int = HEIGHT
    top: int = TOP
    left: int = LEFT

    @property
    def plot_right(self) -> float:
        return self.width - RIGHT

    @property
    def plot_height(self) -> int:
        return self.height - BOTTOM - self.top


def _nice_top(tallest: float) -> float:
    """A round axis maximum at or above ``tallest`` (1, 2 or 5 times a power of ten)."""
    if tallest <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(tallest))
    for step in (1, 2, 5, 10):
        if step * power >= tallest:
            return float(step * power)
    return float(10 * power)


def series_chart(
    *,
    title: str,
    description: str,
    unit: str,
    points: list[Point],
    lines: list[tuple[float | None, str, str]],
    top_value: float | None = None,
    label_every: int = 4,
) -> SeriesChart | None:
    """Lay out bars for ``points`` and horizontal ``lines`` (value, label, css)."""
    if not points:
        return None
    drawn = [(value, label, css) for value, label, css in lines if value is not None]
    tallest = max([p.value or 0 for p in points] + [value for value, _, _ in drawn])
    top = top_value or _nice_top(tallest * 1.05)
    base = HEIGHT - BOTTOM
    scale = (base - TOP) / top
    slot = (WIDTH - RIGHT - LEFT) / len(points)
    bar_width = max(1.5, slot * 0.7)
    bars = []
    for i, p in enumerate(points):
        # A zero is drawn as a sliver, so that it differs from "no value".
        height = max((p.value or 0) * scale, 1.5)
        bars.append(
            Bar(
                x=round(LEFT + i * slot + (slot - bar_width) / 2, 2),
                y=round(base - height, 2),
                height=round(height, 2),
                point=p,
                label=p.label if i % label_every == 0 else "",
            )
        )
    inside = [i for i, p in enumerate(points) if p.in_window]
    return SeriesChart(
        title=title,
        description=description,
        unit=unit,
        bars=bars,
        lines=[
            Line(y=round(base - value * scale, 2), value=value, label=label, css=css)
            for value, label, css in drawn
        ],
        ticks=[(round(base - value * scale, 2), _tick(value)) for value in _ticks(top)],
        window_x=round(LEFT + inside[0] * slot, 2) if inside else None,
        window_width=round(len(inside) * slot, 2) if inside else 0,
        bar_width=round(bar_width, 2),
        slot=round(slot, 2),
    )


def _ticks(top: float) -> list[float]:
    """Gridlines at round values: fifths of a 1-2-5 top, quarters of 4."""
    parts = 4 if top == 4 else 5
    return [top * i / parts for i in range(parts + 1)]


def _tick(value: float) -> str:
    return f"{value:g}" if value >= 10 or value == int(value) else f"{value:.1f}"


# Per kind ------------------------------------------------------------------


def _week_label(day: dt.date) -> str:
    return format_when(day, "daymonth")


def _rising(flag: Flag) -> SeriesChart | None:
    ev = flag.evidence
    weeks = [dt.date.fromisoformat(w) for w in ev.get("weeks", [])]
    counts = ev.get("client_initiated", [])
    absent = ev.get("therapist_absent", [False] * len(weeks))
    points = [
        Point(
            _week_label(week),
            count,
            flag.window_start <= week <= flag.window_end,
            bool(away),
        )
        for week, count, away in zip(weeks, counts, absent, strict=False)
    ]
    reference = ev.get("reference_rate_per_week")
    return series_chart(
        title="Client-initiated contacts per week",
        description=(
            "Bars: contacts the client started each week; shaded: the flagged "
            "window; solid line: the usual rate; dashed line: twice the "
            "usual rate, the rise the scan watches for."
        ),
        unit="contacts",
        points=points,
        lines=[
            (ev.get("baseline_rate_per_week"), "usual rate", "baseline"),
            (
                2 * reference if reference is not None else None,
                "twice the usual rate",
                "threshold",
            ),
        ],
    )


def weekly_rows(*, flag: Flag, first: dt.date, last: dt.date) -> list[tuple]:
    """Per local week from ``first`` to ``last`` (Mondays): from client, from
    therapist, replied, after-hours replies, median reply minutes (weeks and
    after-hours replies as :mod:`attachment.records.weeks` defines them)."""
    client = flag.client
    with connection.cursor() as cursor:
        cursor.execute(
            SERIES_SQL,
            {
                "first": dt.datetime.combine(first, dt.time()),
                "last": dt.datetime.combine(last, dt.time()),
                "client_id": client.pk,
                "zone": client.clinic.timezone,
            },
        )
        return cursor.fetchall()


def _db_points(
    flag: Flag, first: dt.date, pick: int, *, share: bool = False
) -> list[Point]:
    last = week_start(flag.window_end)
    first = max(week_start(first), last - dt.timedelta(weeks=MAX_WEEKS - 1))
    points = []
    for row in weekly_rows(flag=flag, first=first, last=last):
        week = row[0]
        value = row[pick]
        if share:
            value = round(100 * row[3] / row[1]) if row[1] else None
        in_window = week + dt.timedelta(days=6) >= flag.window_start
        points.append(Point(_week_label(week), value, in_window))
    return points


def _compared(flag: Flag) -> tuple[dt.date, str]:
    """The first week to draw for a therapist-side detector, and the two
    periods it compared as dates (:func:`attachment.review.evidence.periods`
    owns them, so that the chart and the rows agree)."""
    spans = periods(
        flag.evidence, window_start=flag.window_start, window_end=flag.window_end
    )
    recent = f" The recent weeks: {period_text(flag.window_start, flag.window_end)}."
    if spans.before is None:
        return flag.window_start, recent
    return spans.before[0], (
        f"{recent} The weeks before: {period_text(*spans.before)}."
    )


def _absence(flag: Flag) -> SeriesChart | None:
    ev = flag.evidence
    days = int(ev.get("baseline_days") or 28)
    first = flag.window_start - dt.timedelta(days=days)
    return series_chart(
        title="Client-initiated contacts per week, before and during the absence",
        description=(
            "Bars: contacts the client started each week; shaded: the weeks of "
            "the absence; solid line: the usual rate before it."
        ),
        unit="contacts",
        points=_db_points(flag, first, 1),
        lines=[(ev.get("rate_per_week_usual"), "usual rate", "baseline")],
    )


def _overextension(flag: Flag) -> SeriesChart | None:
    ev = flag.evidence
    first, compared = _compared(flag)
    if ev.get("more_therapist_initiated") or not ev.get("more_after_hours_replies"):
        pick, title, before = 2, "Therapist-initiated contacts per week", "initiated"
    else:
        pick, title, before = (
            4,
            "Therapist's after-hours replies per week",
            "after_hours",
        )
    return series_chart(
        title=title,
        description=(
            "Bars: the therapist's side each week; shaded: the recent weeks "
            "judged; solid line: the weekly rate in the weeks before." + compared
        ),
        unit="per week",
        points=_db_points(flag, first, pick),
        lines=[
            (
                ev.get(
                    "therapist_initiated_per_week_before"
                    if before == "initiated"
                    else "after_hours_per_week_before"
                ),
                "rate before",
                "baseline",
            )
        ],
    )


def _withdrawal(flag: Flag) -> SeriesChart | None:
    ev = flag.evidence
    first, compared = _compared(flag)
    before = ev.get("reply_share_before")
    return series_chart(
        title="Share of the client's contacts the therapist answered, per week",
        description=(
            "Bars: percent of the week's client contacts answered (none drawn "
            "in a week without client contacts); shaded: the recent weeks "
            "judged; solid line: the share answered in the weeks before." + compared
        ),
        unit="percent",
        points=_db_points(flag, first, 3, share=True),
        lines=[(100 * before if before is not None else None, "before", "baseline")],
        top_value=100,
    )


def _intensity(flag: Flag) -> SeriesChart | None:
    ev = flag.evidence
    points = [
        Point(_week_label(dt.date.fromisoformat(day)), value, True)
        for day, value in zip(
            ev.get("observed_on", []), ev.get("intensity", []), strict=False
        )
    ]
    return series_chart(
        title="Intensity of the attachment observations (0–4), one bar each",
        description=(
            "Bars: the intensity of each attachment observation in the window, oldest "
            "first; dashed line: high intensity (3)."
        ),
        unit="intensity",
        points=points,
        lines=[(3, "high intensity", "threshold")],
        top_value=4,
        label_every=1 if len(points) <= 12 else 3,
    )


SERIES_BUILDERS = {
    "rising_contact_frequency": _rising,
    "absence_surge": _absence,
    "therapist_overextension": _overextension,
    "abrupt_withdrawal": _withdrawal,
    "dependency_escalation": _intensity,
}


def flag_series_chart(*, flag: Flag) -> SeriesChart | None:
    """The series the detector judged, or None for kinds without one."""
    build = SERIES_BUILDERS.get(flag.kind)
    return build(flag) if build else None
