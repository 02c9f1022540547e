"""The layers of the sequence card's timeline: one client's weeks, and what
happened in them, read for one weekly axis.

The layers are the weekly contact figures (the flag page's own aggregate,
:data:`attachment.review.charts.SERIES_SQL`: weeks as
:mod:`attachment.records.weeks` defines them, a reply counted in the week of
the contact it answers, the median of the stored response minutes), the
agreement's versions, the therapist's absences, missed sessions, ruptures and
repair attempts, attachment measures, observations of internalised security
(the one sign of progress that carries dates), and the windows of the card's
findings.  Each layer is one query, so the chart costs the same whatever the
number of weeks and events.  Only dates, counts and kinds are read: never a
summary, a description or a score.  :mod:`attachment.review.sequence_chart`
lays them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from attachment.models import (
    AttachmentMeasure,
    ContactAgreement,
    DependencyObservation,
    Flag,
    FlagTier,
    RepairAttempt,
    RepairOutcome,
    Rupture,
    RuptureKind,
    duration_text,
)
from attachment.records.weeks import WEEK, local_week_start, week_start
from attachment.review.charts import SERIES_SQL
from attachment.review.progress import SECURITY
from clinic.models import Absence, Client
from notes.models import Attendance, SessionNote

#: How many weeks the chart draws at most, the current one included.
MAX_WEEKS = 78
REPAIR_WORDS: dict[str, str] = {
    RepairOutcome.COMPLETE: "complete",
    RepairOutcome.PARTIAL: "partial",
    RepairOutcome.NONE: "no repair yet",
}


class EventKind:
    AGREEMENT = "agreement"
    ABSENCE = "absence"
    NO_SHOW = "no_show"
    RUPTURE = "rupture"
    REPAIR = "repair"
    MEASURE = "measure"
    SECURITY = "security"


# Layers ------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartWeek:
    """One local week's figures.  ``answered`` counts the week's client
    contacts that have a reply; the median is over their response times."""

    starts_on: dt.date
    from_client: int
    started_by_therapist: int
    answered: int
    median_response_minutes: float | None
    therapist_away: bool = False
    findings: tuple[str, ...] = ()

    @property
    def median_response_hours(self) -> float | None:
        if self.median_response_minutes is None:
            return None
        return self.median_response_minutes / 60

    @property
    def median_response_text(self) -> str:
        if self.median_response_minutes is None:
            return ""
        return duration_text(dt.timedelta(minutes=round(self.median_response_minutes)))


@dataclass(frozen=True)
class ChartEvent:
    """One dated event: a kind and a short neutral phrase.  An absence spans
    ``on`` to ``until``; a repair attempt says whether it succeeded; ``tag``
    is the few characters written on the chart (an agreement's version)."""

    on: dt.date
    kind: str
    text: str
    until: dt.date | None = None
    successful: bool | None = None
    tag: str = ""


@dataclass(frozen=True)
class FindingBand:
    """The window of one of the card's findings."""

    label: str
    tier: str
    tier_label: str
    starts_on: dt.date
    ends_on: dt.date

    @property
    def strong(self) -> bool:
        return self.tier == FlagTier.RED

    def covers_week(self, monday: dt.date) -> bool:
        return self.starts_on <= monday + dt.timedelta(days=6) and (
            self.ends_on >= monday
        )


@dataclass(frozen=True)
class SequenceLayers:
    first_week: dt.date
    last_week: dt.date
    weeks: list[ChartWeek]
    events: list[ChartEvent]
    bands: list[FindingBand]

    def count(self, kind: str) -> int:
        return sum(1 for event in self.events if event.kind == kind)


def _weekly(client: Client, first: dt.date, last: dt.date) -> list[tuple]:
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


def _events(
    client: Client, first: dt.date, now: dt.datetime, last_day: dt.date
) -> list[ChartEvent]:
    """Every dated event from the Monday ``first`` to ``now`` (absences to
    ``last_day``), one query per kind of record."""
    zone = client.clinic.zone
    start = dt.datetime.combine(first, dt.time(), zone)
    today = now.astimezone(zone).date()

    def day(moment: dt.datetime) -> dt.date:
        return moment.astimezone(zone).date()

    events = [
        ChartEvent(
            day(at),
            EventKind.AGREEMENT,
            f"agreement version {version}",
            tag=f"v{version}",
        )
        for version, at in ContactAgreement.objects.filter(
            client=client, effective_from__gte=start, effective_from__lte=now
        ).values_list("version", "effective_from")
    ]
    events += [
        ChartEvent(
            starts_on,
            EventKind.ABSENCE,
            f"therapist away until {ends_on.day} {ends_on:%b}",
            until=ends_on,
        )
        for starts_on, ends_on in Absence.objects.filter(
            therapist_id=client.therapist_id,
            ends_on__gte=first,
            starts_on__lte=last_day,
        ).values_list("starts_on", "ends_on")
    ]
    events += [
        ChartEvent(day(at), EventKind.NO_SHOW, "session missed")
        for at in SessionNote.objects.filter(
            client=client,
            attendance=Attendance.NO_SHOW,
            session_at__gte=start,
            session_at__lte=now,
        ).values_list("session_at", flat=True)
    ]
    events += [
        ChartEvent(
            day(at), EventKind.RUPTURE, f"rupture ({RuptureKind(kind).label.lower()})"
        )
        for at, kind in Rupture.objects.filter(
            client=client, noticed_at__gte=start, noticed_at__lte=now
        ).values_list("noticed_at", "kind")
    ]
    events += [
        ChartEvent(
            day(at),
            EventKind.REPAIR,
            f"repair attempt ({REPAIR_WORDS.get(outcome, outcome)})",
            successful=outcome == RepairOutcome.COMPLETE,
        )
        for at, outcome in RepairAttempt.objects.filter(
            rupture__client=client, attempted_at__gte=start, attempted_at__lte=now
        ).values_list("attempted_at", "outcome")
    ]
    events += [
        ChartEvent(on, EventKind.MEASURE, "attachment measure taken")
        for on in AttachmentMeasure.objects.filter(
            client=client, measured_on__gte=first, measured_on__lte=today
        ).values_list("measured_on", flat=True)
    ]
    events += [
        ChartEvent(day(at), EventKind.SECURITY, "internalised security observed")
        for at in DependencyObservation.objects.filter(
            client=client,
            markers__contains=[SECURITY],
            observed_at__gte=start,
            observed_at__lte=now,
        ).values_list("observed_at", flat=True)
    ]
    # Stable: on one day, the kinds keep the order above (a rupture before
    # its repair).
    return sorted(events, key=lambda event: event.on)


def _bands(flags: Sequence[Flag]) -> list[FindingBand]:
    return [
        FindingBand(
            label=str(flag.get_kind_display()),
            tier=flag.tier,
            tier_label=str(flag.get_tier_display()).lower(),
            starts_on=flag.window_start,
            ends_on=flag.window_end,
        )
        for flag in sorted(flags, key=lambda flag: (flag.window_start, flag.pk))
    ]


def sequence_layers(
    *, client: Client, flags: Sequence[Flag], since: dt.date, now: dt.datetime
) -> SequenceLayers:
    """The layers from the week of ``since`` (at most :data:`MAX_WEEKS` back)
    to the current week, in eight queries."""
    last = local_week_start(now, client.clinic.zone)
    first = min(max(week_start(since), last - (MAX_WEEKS - 1) * WEEK), last)
    bands = _bands(flags)
    events = _events(client, first, now, last + dt.timedelta(days=6))
    away = [
        (event.on, event.until or event.on)
        for event in events
        if event.kind == EventKind.ABSENCE
    ]
    weeks = []
    for starts_on, from_client, started, answered, _late, median in _weekly(
        client, first, last
    ):
        ends_on = starts_on + dt.timedelta(days=6)
        weeks.append(
            ChartWeek(
                starts_on=starts_on,
                from_client=from_client,
                started_by_therapist=started,
                answered=answered,
                median_response_minutes=median,
                therapist_away=any(
                    start <= ends_on and end >= starts_on for start, end in away
                ),
                findings=tuple(
                    band.label for band in bands if band.covers_week(starts_on)
                ),
            )
        )
    return SequenceLayers(
        first_week=first, last_week=last, weeks=weeks, events=events, bands=bands
    )
