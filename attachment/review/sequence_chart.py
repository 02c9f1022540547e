"""The sequence card's timeline laid out: the layers of
:func:`attachment.review.sequence_layers.sequence_layers` on one weekly axis,
for ``attachment/sequences/_sequence_chart.html``, which draws them with SVG
presentation attributes only (the Content-Security-Policy forbids inline
styles) beside tables that carry the same figures.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from attachment.models import Flag
from attachment.review.sequence_layers import (
    ChartEvent,
    ChartWeek,
    EventKind,
    FindingBand,
    SequenceLayers,
    sequence_layers,
)
from clinic.dates import format_when
from clinic.models import Client

# Geometry ----------------------------------------------------------------------

WIDTH, LEFT, RIGHT = 760, 122, 40
TOP, PLOT, DATES = 34, 150, 20
LANE, FINDING_LANE, FOOT = 24, 28, 6
#: The event lanes under the bars: (label, the kinds drawn on it).
LANES = (
    ("Ruptures, repairs", (EventKind.RUPTURE, EventKind.REPAIR)),
    ("Sessions missed", (EventKind.NO_SHOW,)),
    ("Attachment measures", (EventKind.MEASURE,)),
    ("Security observed", (EventKind.SECURITY,)),
)
LANES_TOP = TOP + PLOT + DATES
HOUR_TOPS = (1, 2, 4, 8, 12, 24, 48)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float


@dataclass(frozen=True)
class WeekShape:
    """A week's three bars (None for a zero), its median reply time's mark,
    and its date under some weeks."""

    week: ChartWeek
    x: float
    from_client: Bar | None
    answered: Bar | None
    started: Bar | None
    median: tuple[float, float] | None
    label: str


@dataclass(frozen=True)
class Mark:
    """An event at ``x``: on its lane at ``y``, or for an agreement's version
    a line over the whole chart (``shape`` is then its tag, or empty where it
    would overlap the previous one)."""

    event: ChartEvent
    x: float
    y: float
    shape: str


@dataclass(frozen=True)
class Span:
    """An absence, or a finding's window, from ``x`` over ``width``."""

    x: float
    width: float
    event: ChartEvent | None = None
    band: FindingBand | None = None


@dataclass(frozen=True)
class FindingLane:
    label: str
    y: int
    bands: list[Span]


@dataclass(frozen=True)
class SequenceChart:
    layers: SequenceLayers
    height: int
    bar_width: float
    slot: float
    shapes: list[WeekShape]
    count_ticks: list[tuple[float, str]]
    hour_ticks: list[tuple[float, str]]
    median_lines: list[str]  # polyline points, one per run of weeks with replies
    absences: list[Span]
    agreements: list[Mark]
    lanes: list[tuple[str, int]]  # (label, top)
    marks: list[Mark]
    findings: list[FindingLane]
    width: int = WIDTH
    left: int = LEFT
    top: int = TOP
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = TOP + PLOT

    @property
    def lanes_bottom(self) -> int:
        return self.height - FOOT

    @property
    def span_height(self) -> int:
        """An absence is shaded over the bars and every lane."""
        return self.lanes_bottom - TOP

    @property
    def title(self) -> str:
        first, last = self.layers.first_week, self.layers.last_week
        return (
            "Contacts, events and findings week by week, from the week of "
            f"{format_when(first, 'date')} to the week of {format_when(last, 'date')}"
        )

    @property
    def description(self) -> str:
        """Every layer in words; the tables under the chart hold the details."""
        layers, weeks = self.layers, self.layers.weeks
        known = [w.median_response_hours for w in weeks]
        hours = [h for h in known if h is not None]
        replies = (
            f"the weekly median reply time ranged from {_hours(min(hours))} to "
            f"{_hours(max(hours))}"
            if hours
            else "no reply time recorded"
        )
        complete = sum(1 for e in layers.events if e.successful)
        findings = "; ".join(
            f"{b.label} ({b.tier_label}) {b.starts_on.day} {b.starts_on:%b} to "
            f"{b.ends_on.day} {b.ends_on:%b}"
            for b in layers.bands
        )
        return (
            f"Bars per week: {sum(w.from_client for w in weeks)} contacts from the "
            f"client, {sum(w.answered for w in weeks)} of them answered, and "
            f"{sum(w.started_by_therapist for w in weeks)} started by the "
            f"therapist; circles on a line: {replies}. On the same weeks: "
            f"{layers.count(EventKind.AGREEMENT)} agreement versions (dashed "
            f"lines), {layers.count(EventKind.ABSENCE)} therapist absences "
            f"(hatched), {layers.count(EventKind.RUPTURE)} ruptures (triangles), "
            f"{layers.count(EventKind.REPAIR)} repair attempts, {complete} of them "
            f"complete (filled circles), {layers.count(EventKind.NO_SHOW)} "
            f"sessions missed (squares), {layers.count(EventKind.MEASURE)} "
            f"attachment measures (diamonds), {layers.count(EventKind.SECURITY)} "
            f"observations of internalised security (stars). Bands, the "
            f"findings' windows: {findings or 'none'}."
        )


def _hours(value: float) -> str:
    return f"{value:.1f} h" if value < 10 else f"{value:.0f} h"


class _Axis:
    """Dates to x over the chart's weeks, clipped to them."""

    def __init__(self, first: dt.date, weeks: int) -> None:
        self.first, self.days = first, 7 * weeks
        self.slot = (WIDTH - LEFT - RIGHT) / weeks

    def edge(self, day: dt.date) -> float:
        """Where ``day`` begins."""
        days = min(max((day - self.first).days, 0), self.days)
        return round(LEFT + days * self.slot / 7, 2)

    def middle(self, day: dt.date) -> float:
        return round(self.edge(day) + self.slot / 14, 2)

    def shows(self, day: dt.date) -> bool:
        return 0 <= (day - self.first).days < self.days


def _scales(weeks: list[ChartWeek]) -> tuple[int, float]:
    """The tops of the two scales, each drawn in quarters that share the
    gridlines: a whole number of contacts per quarter, and hours in human
    steps (a quarter of 1, 2, 4, 8, 12 or 24 hours, or of 24 doubled)."""
    tallest = max(
        [4, *(max(w.from_client, w.answered, w.started_by_therapist) for w in weeks)]
    )
    longest = max([1.0, *(w.median_response_hours or 0 for w in weeks)])
    hours = next((top for top in HOUR_TOPS if top >= longest), HOUR_TOPS[-1])
    while hours < longest:
        hours *= 2
    return 4 * -(-tallest // 4), hours


def _week_shapes(
    layers: SequenceLayers, axis: _Axis, bar_width: float
) -> tuple[list[WeekShape], list[tuple[float, str]], list[tuple[float, str]]]:
    base = TOP + PLOT
    count_top, hour_top = _scales(layers.weeks)
    per_count, per_hour = PLOT / count_top, PLOT / hour_top
    offset = (axis.slot - 3 * bar_width) / 2
    every = math.ceil(44 / axis.slot)

    def bar(x: float, count: int) -> Bar | None:
        height = round(count * per_count, 2)
        return Bar(round(x, 2), round(base - height, 2), height) if count else None

    shapes = []
    for index, week in enumerate(layers.weeks):
        x = LEFT + index * axis.slot + offset
        hours = week.median_response_hours
        shapes.append(
            WeekShape(
                week=week,
                x=round(LEFT + index * axis.slot, 2),
                from_client=bar(x, week.from_client),
                answered=bar(x + bar_width, week.answered),
                started=bar(x + 2 * bar_width, week.started_by_therapist),
                median=None
                if hours is None
                else (round(x + 1.5 * bar_width, 2), round(base - hours * per_hour, 2)),
                label=""
                if index % every
                else f"{week.starts_on.day} {week.starts_on:%b}",
            )
        )
    counts = [
        (round(base - i * PLOT / 4, 2), f"{i * count_top // 4}") for i in range(5)
    ]
    hour_ticks = [
        (round(base - i * PLOT / 4, 2), f"{i * hour_top / 4:g}") for i in range(5)
    ]
    return shapes, counts, hour_ticks


def _median_lines(shapes: list[WeekShape]) -> list[str]:
    """Runs of consecutive weeks with a median reply time, as polyline
    points: a week without replies breaks the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for shape in shapes:
        if shape.median is None:
            runs.append([])
        else:
            runs[-1].append(shape.median)
    return [" ".join(f"{x},{y}" for x, y in run) for run in runs if len(run) > 1]


def _marks(events: list[ChartEvent], axis: _Axis) -> list[Mark]:
    """Each event on its lane; a rupture above the repair attempts."""
    lane_of = {
        kind: LANES_TOP + index * LANE
        for index, (_label, kinds) in enumerate(LANES)
        for kind in kinds
    }
    marks = []
    for event in events:
        if event.kind not in lane_of or not axis.shows(event.on):
            continue
        shape, y = event.kind, lane_of[event.kind] + LANE // 2
        if event.kind == EventKind.RUPTURE:
            y -= 5
        elif event.kind == EventKind.REPAIR:
            shape = "repair_complete" if event.successful else "repair_other"
            y += 5
        marks.append(Mark(event=event, x=axis.middle(event.on), y=y, shape=shape))
    return marks


def _agreements(events: list[ChartEvent], axis: _Axis) -> list[Mark]:
    """A line per version in force; a tag over it unless it would overlap
    the previous tag (the title and the tables still name the version)."""
    marks: list[Mark] = []
    tagged_at = -math.inf
    for event in events:
        if event.kind != EventKind.AGREEMENT:
            continue
        x = axis.middle(event.on)
        tag = event.tag if x - tagged_at >= 18 else ""
        tagged_at = x if tag else tagged_at
        marks.append(Mark(event=event, x=x, y=TOP - 8, shape=tag))
    return marks


def _spans(axis: _Axis, start: dt.date, end: dt.date) -> tuple[float, float]:
    x = axis.edge(start)
    return x, round(max(axis.edge(end + dt.timedelta(days=1)) - x, 1.5), 2)


def _finding_lanes(bands: list[FindingBand], axis: _Axis) -> list[FindingLane]:
    """A lane per kind of finding, in the order their first windows begin."""
    lanes: dict[str, list[Span]] = {}
    for band in bands:
        x, width = _spans(axis, band.starts_on, band.ends_on)
        lanes.setdefault(band.label, []).append(Span(x=x, width=width, band=band))
    top = LANES_TOP + len(LANES) * LANE
    return [
        FindingLane(label=label, y=top + index * FINDING_LANE, bands=spans)
        for index, (label, spans) in enumerate(lanes.items())
    ]


def sequence_chart(
    *, client: Client, flags: Sequence[Flag], since: dt.date, now: dt.datetime
) -> SequenceChart:
    """The layers of :func:`sequence_layers`, laid out on one weekly axis."""
    layers = sequence_layers(client=client, flags=flags, since=since, now=now)
    axis = _Axis(layers.first_week, len(layers.weeks))
    bar_width = round(min(12.0, axis.slot * 0.8 / 3), 2)
    shapes, count_ticks, hour_ticks = _week_shapes(layers, axis, bar_width)
    findings = _finding_lanes(layers.bands, axis)
    absences = [
        Span(*_spans(axis, event.on, event.until or event.on), event=event)
        for event in layers.events
        if event.kind == EventKind.ABSENCE
    ]
    return SequenceChart(
        layers=layers,
        height=LANES_TOP + len(LANES) * LANE + len(findings) * FINDING_LANE + FOOT,
        bar_width=bar_width,
        slot=round(axis.slot, 2),
        shapes=shapes,
        count_ticks=count_ticks,
        hour_ticks=hour_ticks,
        median_lines=_median_lines(shapes),
        absences=absences,
        agreements=_agreements(layers.events, axis),
        lanes=[
            (label, LANES_TOP + index * LANE) for index, (label, _) in enumerate(LANES)
        ],
        marks=_marks(layers.events, axis),
        findings=findings,
    )
