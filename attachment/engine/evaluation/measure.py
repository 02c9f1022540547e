"""Run the detectors over the synthetic populations, scan by scan.

A scan is simulated every Monday morning (and every day while a therapist is
away, for the absence surge, whose counts grow by the day).  Each scan builds
the plain inputs of :mod:`attachment.engine.patterns.inputs` as the scan's reads
would as of that moment, and calls the detectors' public functions.  Findings
of one flag kind merge into one flag (an *episode*) by the scan's rule: a
finding continues a flag when its window overlaps the flag's or starts within
:data:`EPISODE_GAP` of its end.

* **False alarms per stable client-year**: flags that start in the evaluation
  weeks of the stable population, per client-year of those weeks.
* **Recall within the horizon**: the share of a true-pattern population with a
  finding of the expected part at a scan between the onset and the onset plus
  the detector's horizon (a finding whose window ended before the onset does
  not count).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from attachment.engine import patterns as p
from attachment.engine.evaluation import populations as pop
from attachment.engine.patterns import dependency
from attachment.engine.scan import EPISODE_GAP

# Successive scans often give a detector the same inputs; the verdict on the
# same inputs is the same, so it is computed once.
_memo: dict[tuple[Any, ...], p.Finding | None] = {}
SCAN_HOUR = 6
T = TypeVar("T")


@functools.cache
def _fields(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


@functools.cache
def _parameters(function: Callable[..., Any]) -> frozenset[str]:
    return frozenset(inspect.signature(function).parameters)


def build(cls: type[T], **values: Any) -> T:
    """An input dataclass from the values it has fields for, so that a field
    the detectors do not (yet) read is simply not passed."""
    names = _fields(cls)  # type: ignore[arg-type]
    return cls(**{k: v for k, v in values.items() if k in names})


def has_field(cls: type, name: str) -> bool:
    return name in _fields(cls)


def call(detector: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a detector with the keyword arguments it accepts."""
    accepted = _parameters(detector)
    return detector(*args, **{k: v for k, v in kwargs.items() if k in accepted})


def scan_at(index: int) -> dt.datetime:
    return pop.at(index, SCAN_HOUR)


# -- inputs as of one scan ---------------------------------------------------------


def policy_findings(
    c: pop.ContactClient, now: dt.datetime, t: p.DetectorThresholds
) -> list[p.Finding | None]:
    """The contacts with a policy fact in the window and the earlier weeks it
    is compared with (crisis contacts never count, so unless the facts can say
    so they are not read at all)."""
    today = (now.date() - pop.START).days
    weeks = t.policy_window_weeks + t.policy_baseline_weeks
    since = today - 7 * weeks - 1
    crisis_field = has_field(p.ContactFacts, "crisis")
    facts = [
        build(
            p.ContactFacts,
            occurred_at=pop.at(k.on, 22 if k.after_hours else 12),
            from_client=True,
            after_hours=k.after_hours,
            outside_agreement=k.outside_agreement,
            over_weekly_limit=k.over_weekly_limit,
            crisis=k.crisis,
        )
        for k in c.contacts
        if since <= k.on < today
        and (k.after_hours or k.outside_agreement or k.over_weekly_limit)
        and (crisis_field or not k.crisis)
    ]
    return [p.policy_pattern(facts, now=now, thresholds=t)] if facts else []


def after_ending_findings(
    c: pop.ContactClient, now: dt.datetime, t: p.DetectorThresholds
) -> list[p.Finding | None]:
    today = (now.date() - pop.START).days
    if c.ended_on is None or c.ended_on >= today:
        return []
    since = today - 7 * t.after_ending_window_weeks - 1
    facts = [
        build(
            p.ContactFacts,
            occurred_at=pop.at(k.on),
            from_client=True,
            over_weekly_limit=k.over_weekly_limit,
            after_ending=True,
        )
        for k in c.contacts
        if c.ended_on < k.on < today and k.on >= since
    ]
    if not facts:
        return []
    ending = build(
        p.EndingFacts,
        ended_on=pop.day(c.ended_on),
        after_ending_allowed=c.after_ending_allowed,
    )
    return [p.after_ending_contact(ending, facts, now=now, thresholds=t)]


def absence_findings(
    c: pop.AbsenceClient, now: dt.datetime, t: p.DetectorThresholds
) -> list[p.Finding | None]:
    """Absences under way or ended in the last eight weeks, with the client's
    contacts the cover did not answer during it and the baseline before it."""
    today = (now.date() - pop.START).days
    away = c.away
    # The cover's answers are the plan working: where the counts can say so
    # they are passed, otherwise they are not counted at all.
    answered_field = has_field(p.AbsenceContactCounts, "answered_as_planned")
    during = c.all_contacts if answered_field else c.to_therapist
    found: list[p.Finding | None] = []
    for a in c.absences:
        if a.starts > today or a.ends < today - 56:
            continue
        first = a.starts - 7 * t.absence_baseline_weeks
        outside = ~away[max(first, 0) : a.starts]
        counts = build(
            p.AbsenceContactCounts,
            absence=build(
                p.AbsenceFacts,
                starts_on=pop.day(a.starts),
                ends_on=pop.day(a.ends),
                has_cover=a.has_cover,
            ),
            during=int(during[a.starts : min(a.ends, today) + 1].sum()),
            answered_as_planned=int(
                c.cover_answered[a.starts : min(a.ends, today) + 1].sum()
            )
            if answered_field
            else 0,
            baseline=int(c.all_contacts[max(first, 0) : a.starts][outside].sum()),
            baseline_days=int(outside.sum()),
        )
        found.append(_surge(counts, min(a.ends, today), now, t))
    return found


def _surge(
    counts: p.AbsenceContactCounts,
    until: int,
    now: dt.datetime,
    t: p.DetectorThresholds,
) -> p.Finding | None:
    """The verdict depends on ``now`` only through the last day counted."""
    key = ("surge", counts, until, t)
    if key not in _memo:
        _memo[key] = p.absence_surge(counts, now=now, thresholds=t)
    return _memo[key]


def rupture_findings(
    c: pop.RuptureClient, now: dt.datetime, t: p.DetectorThresholds
) -> list[p.Finding | None]:
    """Ruptures as of the scan: open until the day of a successful repair."""
    today = (now.date() - pop.START).days
    since = today - 7 * t.rupture_repeat_weeks
    facts = []
    for i, r in enumerate(c.ruptures):
        if r.noticed > today:
            break
        repaired = r.repaired is not None and r.repaired <= today
        if repaired and r.noticed < since:
            continue
        facts.append(
            build(
                p.RuptureFacts,
                rupture_id=i + 1,
                noticed_on=pop.day(r.noticed),
                severity=r.severity,
                is_open=not repaired,
                repair_attempts=sum(d <= today for d in r.attempts),
                repaired=repaired,
                successful_repair=repaired,
                repaired_on=pop.day(r.repaired) if repaired and r.repaired else None,
            )
        )
    if not facts:
        return []
    return [
        p.unrepaired_rupture(facts, now=now, thresholds=t),
        p.repeated_ruptures(facts, now=now, thresholds=t),
    ]


def dependency_findings(
    c: pop.DependencyClient, now: dt.datetime, t: p.DetectorThresholds
) -> list[p.Finding | None]:
    """Observations of the trend window (internalised security is not rising
    dependency: unless the facts can say so it is not read) and the latest
    measures."""
    today = (now.date() - pop.START).days
    since = today - 7 * (t.dependency_window_weeks + _usual_weeks())
    secure_field = has_field(p.ObservationFacts, "security_only")
    observations = [
        build(
            p.ObservationFacts,
            observed_on=pop.day(o.on),
            intensity=o.intensity,
            fear_of_abandonment=o.fear_of_abandonment,
            security_only=o.internalised_security,
        )
        for o in c.observations
        if since < o.on < today and (secure_field or not o.internalised_security)
    ]
    measures = [
        build(p.MeasureFacts, measured_on=pop.day(d), preoccupied_merger=score)
        for d, score in c.measures
        if d < today
    ][-(_previous_measures() + 1) :]
    found: list[p.Finding | None] = []
    if observations:
        found.append(_trend(tuple(observations), now, t))
    if len(measures) >= 2:
        found.append(_measure_rise(tuple(measures), now, t))
    return found


def _trend(
    observations: tuple[p.ObservationFacts, ...],
    now: dt.datetime,
    t: p.DetectorThresholds,
) -> p.Finding | None:
    key = ("trend", observations, t)
    if key not in _memo:
        _memo[key] = p.dependency_trend(observations, now=now, thresholds=t)
    return _memo[key]


def _measure_rise(
    measures: tuple[p.MeasureFacts, ...], now: dt.datetime, t: p.DetectorThresholds
) -> p.Finding | None:
    key = ("measure", measures, t)
    if key not in _memo:
        _memo[key] = p.dependency_measure_rise(measures, now=now, thresholds=t)
    return _memo[key]


def _usual_weeks() -> int:
    """The weeks before the observation window the intensity comparison reads."""
    return dependency.USUAL_WEEKS


def _previous_measures() -> int:
    """The measures before the latest that the measure rise compares it with."""
    return dependency.PREVIOUS_MEASURES


def clear_memo() -> None:
    _memo.clear()


def weekly_series(c: pop.TherapistClient) -> p.WeeklySeries:
    """The series as the scan reads it: where the series knows the ending,
    contacts after it are the after-ending detector's and left out."""
    weeks = len(c.client_initiated)
    knows_ending = has_field(p.WeeklySeries, "ended_on")
    client_initiated = c.client_initiated
    if knows_ending and c.ended_on is not None:
        client_initiated = np.where(
            np.arange(weeks) > c.ended_on // 7, 0.0, c.client_initiated
        )
    return call(
        p.WeeklySeries.build,
        client_id=1,
        week_starts=[pop.day(7 * w) for w in range(weeks)],
        ended_on=None if c.ended_on is None else pop.day(c.ended_on),
        client_initiated=client_initiated,
        therapist_initiated=c.therapist_initiated,
        replied=c.replied,
        after_hours_replies=c.after_hours_replies,
        median_response_minutes=c.median_response_minutes,
        therapist_absent=c.therapist_absent,
    )


def _screen(
    c: pop.TherapistClient, kind: p.Kind, t: p.DetectorThresholds
) -> np.ndarray | None:
    """The scan's own vectorised screen (:mod:`attachment.engine.detect`) for
    every scan week of one client at once: True where the detector could fire.
    ``None`` if the screen cannot be used (the detector is then called at
    every scan)."""
    from attachment.engine import detect

    weeks = len(c.client_initiated)
    if kind == p.Kind.THERAPIST_OVEREXTENSION:
        span = t.overextension_recent_weeks + t.overextension_baseline_weeks
        screen = detect.overextension_candidates
    else:
        span = t.withdrawal_recent_weeks + t.withdrawal_prior_weeks
        screen = detect.withdrawal_candidates
    if weeks < span:
        return np.zeros(weeks + 1, dtype=bool)
    values = np.stack(
        [
            c.client_initiated,
            c.therapist_initiated,
            c.replied,
            c.after_hours_replies,
            c.median_response_minutes,
        ],
        axis=1,
    )
    ends = np.arange(span, weeks + 1)  # complete weeks at the scan
    idx = ends[:, None] - span + np.arange(span)[None, :]
    absent = c.therapist_absent[idx]
    ended = None if c.ended_on is None else 7 * idx > c.ended_on
    if ended is not None and not has_field(detect.WeekMatrix, "ended"):
        return None
    matrix = build(
        detect.WeekMatrix,
        values=values[idx],
        absent=absent,
        therapist_away=absent,
        ended=ended,
    )
    try:
        could = screen(matrix, np.zeros(len(ends), dtype=int), t)
    except TypeError:
        return None
    out = np.zeros(weeks + 1, dtype=bool)
    out[ends] = could
    return out


def therapist_findings(
    detector: Callable[..., p.Finding | None], kind: p.Kind
) -> Callable[[pop.TherapistClient, dt.datetime, p.DetectorThresholds], list[Any]]:
    """Overextension or withdrawal over the weekly series, behind the scan's
    screen; the ending date goes along for the detectors that take it."""
    cache: dict[int, tuple[p.WeeklySeries, np.ndarray | None]] = {}

    def findings(
        c: pop.TherapistClient, now: dt.datetime, t: p.DetectorThresholds
    ) -> list[p.Finding | None]:
        if id(c) not in cache:
            cache[id(c)] = (weekly_series(c), _screen(c, kind, t))
        series, could = cache[id(c)]
        ended = None if c.ended_on is None else pop.day(c.ended_on)
        if could is not None:
            complete = series.complete_weeks(now)
            if complete >= len(could) or not could[complete]:
                return []
        ending = (
            None
            if ended is None
            else build(p.EndingFacts, ended_on=ended, after_ending_allowed=False)
        )
        return [
            call(
                detector,
                series,
                now=now,
                thresholds=t,
                ended_on=ended,
                ending=ending,
            )
        ]

    return findings


# -- scanning and counting -------------------------------------------------------


@dataclass
class Episodes:
    """Flags of one client, merged as the scan merges findings."""

    spans: dict[str, list[list[dt.date]]] = dataclasses.field(default_factory=dict)

    def add(self, finding: p.Finding) -> bool:
        """Record a finding; True when it starts a new flag."""
        key = f"{finding.kind}/{finding.part}"
        flags = self.spans.setdefault(key, [])
        for span in flags:
            if (
                span[0] <= finding.window_end
                and span[1] + EPISODE_GAP >= finding.window_start
            ):
                span[1] = max(span[1], finding.window_end)
                return False
        flags.append([finding.window_start, finding.window_end])
        return True


Scanner = Callable[[Any, dt.datetime, p.DetectorThresholds], list[p.Finding | None]]


def scan_days(client: Any, first: int, last: int) -> list[int]:
    """Monday mornings from ``first`` to ``last`` (day indices), plus every
    day of an absence for the clients that have absences."""
    days = set(range(first - first % 7, last + 1, 7))
    for a in getattr(client, "absences", ()):
        days.update(range(max(a.starts, first), min(a.ends + 2, last + 1)))
    return sorted(d for d in days if first <= d <= last)


def false_alarms(
    clients: Sequence[Any], scanner: Scanner, t: p.DetectorThresholds
) -> int:
    """Flags that start in the evaluation weeks (scans begin eight weeks
    earlier so that a flag already running is not counted as new)."""
    start = 7 * pop.WARMUP_WEEKS
    end = pop.total_days()
    alarms = 0
    for c in clients:
        episodes = Episodes()
        for d in scan_days(c, start - 56, end):
            for f in scanner(c, scan_at(d), t):
                if f is not None and episodes.add(f) and d >= start:
                    alarms += 1
    return alarms


def recalled(
    clients: Iterable[Any],
    scanner: Scanner,
    t: p.DetectorThresholds,
    *,
    horizon_weeks: int,
    parts: tuple[p.Part, ...],
    onset: Callable[[Any], int | None] = lambda c: c.onset,
) -> tuple[int, int]:
    """(flagged within the horizon, clients with an onset)."""
    hit = total = 0
    for c in clients:
        begin = onset(c)
        if begin is None:
            continue
        total += 1
        last = min(begin + 7 * horizon_weeks, pop.total_days())
        for d in scan_days(c, begin + 1, last):
            found = [
                f
                for f in scanner(c, scan_at(d), t)
                if f is not None and f.part in parts and f.window_end >= pop.day(begin)
            ]
            if found:
                hit += 1
                break
    return hit, total
