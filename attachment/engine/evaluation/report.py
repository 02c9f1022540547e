"""The eight detectors' figures against their goals, as a Markdown table.

Goals (issue 15): each detector at most 0.2 false alarms per stable
client-year, all eight together at most 0.5, and at least 80% recall on each
true-pattern population within the detector's horizon.  "All eight together"
is the sum of the eight rates: each is measured on its own stable population,
so the sum is the flags a stable client with all eight kinds of record would
raise in a year.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from attachment.engine import patterns as p
from attachment.engine.evaluation import measure as m
from attachment.engine.evaluation import populations as pop

GOAL_FALSE_ALARMS = 0.2
GOAL_ALL_FALSE_ALARMS = 0.5
GOAL_RECALL = 0.8


@dataclass(frozen=True)
class Recall:
    population: str
    horizon: str
    hits: int
    clients: int

    @property
    def share(self) -> float | None:
        return self.hits / self.clients if self.clients else None

    @property
    def met(self) -> bool | None:
        share = self.share
        return None if share is None else share >= GOAL_RECALL


@dataclass(frozen=True)
class DetectorRow:
    kind: p.Kind
    label: str
    stable: str
    clients: int
    client_years: float
    alarms: int
    recalls: tuple[Recall, ...]
    seconds: float

    @property
    def per_client_year(self) -> float:
        return self.alarms / self.client_years if self.client_years else 0.0

    @property
    def met(self) -> bool:
        return self.per_client_year <= GOAL_FALSE_ALARMS and all(
            r.met is not False for r in self.recalls
        )


@dataclass(frozen=True)
class TruePattern:
    label: str
    draw: Callable[[np.random.Generator, int], list]  # type: ignore[type-arg]
    horizon_weeks: Callable[[p.DetectorThresholds], int]
    horizon: str
    parts: tuple[p.Part, ...] = (p.Part.NONE,)
    onset: Callable[[object], int | None] = lambda c: c.onset  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Detector:
    kind: p.Kind
    label: str
    stable: str
    draw_stable: Callable[[np.random.Generator, int], list]  # type: ignore[type-arg]
    scanner: m.Scanner
    patterns: tuple[TruePattern, ...]


def detectors() -> tuple[Detector, ...]:
    """The seven record-reading detectors with their populations."""
    return (
        Detector(
            p.Kind.POLICY_PATTERN,
            "Contacts outside the agreement",
            "clients keeping to their agreement, with occasional slips",
            lambda rng, n: pop.policy_population(rng, n, pattern=False),
            m.policy_findings,
            (
                TruePattern(
                    "1.5 contacts a week outside the agreement",
                    lambda rng, n: pop.policy_population(rng, n, pattern=True),
                    lambda t: t.policy_window_weeks,
                    "the policy window",
                ),
            ),
        ),
        Detector(
            p.Kind.ABSENCE_SURGE,
            "Contact surge during an absence",
            "usual contact while the therapist is away, half the covered ones "
            "answered by the cover",
            lambda rng, n: pop.absence_population(rng, n, pattern=False),
            m.absence_findings,
            (
                TruePattern(
                    "contact tripled during a 2-3 week absence",
                    lambda rng, n: pop.absence_population(rng, n, pattern=True),
                    lambda t: 3,
                    "the absence",
                    (p.Part.DURING_ABSENCE,),
                ),
            ),
        ),
        Detector(
            p.Kind.UNREPAIRED_RUPTURE,
            "Ruptures",
            "ruptures in 15% of sessions, repair usually tried within a session or two",
            lambda rng, n: pop.rupture_population(rng, n, pattern=None),
            m.rupture_findings,
            (
                TruePattern(
                    "a rupture left without a repair attempt",
                    lambda rng, n: pop.rupture_population(rng, n, pattern="unrepaired"),
                    lambda t: math.ceil((t.rupture_repair_days + 7) / 7),
                    "the repair limit and a week",
                    (p.Part.OPEN_WITHOUT_REPAIR,),
                ),
                TruePattern(
                    "ruptures in 60% of sessions, rarely repaired",
                    lambda rng, n: pop.rupture_population(rng, n, pattern="repeated"),
                    lambda t: t.rupture_repeat_weeks,
                    "the repeat window",
                    (p.Part.REPEATED,),
                ),
            ),
        ),
        Detector(
            p.Kind.DEPENDENCY_ESCALATION,
            "Attachment distress rising",
            "steady observed intensity (half growing more secure), quarterly "
            "measures with measurement error",
            lambda rng, n: pop.dependency_population(rng, n, pattern=None),
            m.dependency_findings,
            (
                TruePattern(
                    "observed intensity rising 0.25 a week",
                    lambda rng, n: pop.dependency_population(
                        rng, n, pattern="observations"
                    ),
                    lambda t: t.dependency_window_weeks,
                    "the observation window",
                    (p.Part.INTENSITY_TREND,),
                ),
                TruePattern(
                    "preoccupied-merger score up 1 point",
                    lambda rng, n: pop.dependency_population(rng, n, pattern="measure"),
                    lambda t: pop.MEASURE_EVERY_WEEKS + 1,
                    "the next measure",
                    (p.Part.MEASURE_RISE,),
                ),
            ),
        ),
        Detector(
            p.Kind.THERAPIST_OVEREXTENSION,
            "Therapist availability rising",
            "steady reply habits, therapist absences, a quarter ending therapy",
            lambda rng, n: pop.therapist_population(rng, n, pattern=False),
            m.therapist_findings(
                p.therapist_overextension, p.Kind.THERAPIST_OVEREXTENSION
            ),
            (
                TruePattern(
                    "overextend then withdraw: the overextension",
                    lambda rng, n: pop.therapist_population(rng, n, pattern=True),
                    lambda t: t.overextension_recent_weeks,
                    "the recent weeks",
                ),
            ),
        ),
        Detector(
            p.Kind.ABRUPT_WITHDRAWAL,
            "Therapist responsiveness fell",
            "steady reply habits, therapist absences, a quarter ending therapy "
            "(contacts after the ending unanswered)",
            lambda rng, n: pop.therapist_population(rng, n, pattern=False),
            m.therapist_findings(p.abrupt_withdrawal, p.Kind.ABRUPT_WITHDRAWAL),
            (
                TruePattern(
                    "overextend then withdraw: the withdrawal",
                    lambda rng, n: pop.therapist_population(rng, n, pattern=True),
                    lambda t: t.withdrawal_recent_weeks,
                    "the recent weeks",
                    onset=lambda c: c.withdrawal,  # type: ignore[attr-defined]
                ),
            ),
        ),
        Detector(
            p.Kind.AFTER_ENDING_CONTACT,
            "Contact after the ending",
            "endings in the year, half allowing a weekly check-in, kept to",
            lambda rng, n: pop.after_ending_population(rng, n, pattern=False),
            m.after_ending_findings,
            (
                TruePattern(
                    "contact after the ending beyond the agreement",
                    lambda rng, n: pop.after_ending_population(rng, n, pattern=True),
                    lambda t: 1,
                    "the first contact's week",
                ),
            ),
        ),
    )


def evaluate_detector(
    d: Detector,
    rng: np.random.Generator,
    *,
    clients: int,
    pattern_clients: int,
    thresholds: p.DetectorThresholds,
) -> DetectorRow:
    started = time.perf_counter()
    m.clear_memo()
    stable = d.draw_stable(rng, clients)
    alarms = m.false_alarms(stable, d.scanner, thresholds)
    recalls = []
    for pattern in d.patterns:
        weeks = pattern.horizon_weeks(thresholds)
        hits, total = m.recalled(
            pattern.draw(rng, pattern_clients),
            d.scanner,
            thresholds,
            horizon_weeks=weeks,
            parts=pattern.parts,
            onset=pattern.onset,
        )
        horizon = f"{pattern.horizon} ({weeks} week{'' if weeks == 1 else 's'})"
        recalls.append(Recall(pattern.label, horizon, hits, total))
    return DetectorRow(
        kind=d.kind,
        label=d.label,
        stable=d.stable,
        clients=len(stable),
        client_years=len(stable) * pop.EVALUATION_WEEKS / 52.0,
        alarms=alarms,
        recalls=tuple(recalls),
        seconds=time.perf_counter() - started,
    )


def evaluate_records(
    *,
    seed: int,
    clients: int,
    pattern_clients: int,
    thresholds: p.DetectorThresholds | None = None,
    only: tuple[p.Kind, ...] | None = None,
) -> list[DetectorRow]:
    """Each record-reading detector on its own populations, each with its own
    random stream (so adding a detector does not change another's figures)."""
    thresholds = thresholds or p.DetectorThresholds()
    rows = []
    for i, d in enumerate(detectors()):
        if only is not None and d.kind not in only:
            continue
        rng = np.random.default_rng([seed, i])
        rows.append(
            evaluate_detector(
                d,
                rng,
                clients=clients,
                pattern_clients=pattern_clients,
                thresholds=thresholds,
            )
        )
    return rows


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _yes(value: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "n/a"}[value]


def total_false_alarms(rows: list[DetectorRow]) -> float:
    return sum(r.per_client_year for r in rows)


def render_summary(rows: list[DetectorRow]) -> str:
    total = total_false_alarms(rows)
    lines = [
        "### Every detector: false alarms and recall",
        "",
        f"Goals: at most {GOAL_FALSE_ALARMS} false alarms per stable client-year "
        f"for each detector, at most {GOAL_ALL_FALSE_ALARMS} for all eight "
        f"together, and recall of at least {_pct(GOAL_RECALL)} on each "
        "true-pattern population within the detector's horizon.",
        "",
        "| detector | stable population | client-years | false alarms | "
        "per client-year | goal met | true-pattern population | within | "
        "recall | goal met | seconds |",
        "|---|---|---:|---:|---:|---|---|---|---:|---|---:|",
    ]
    for r in rows:
        recalls = r.recalls or (Recall("none", "-", 0, 0),)
        for i, rc in enumerate(recalls):
            head = (
                f"| {r.label} | {r.stable} | {r.client_years:.0f} | {r.alarms} | "
                f"{r.per_client_year:.3f} | "
                f"{_yes(r.per_client_year <= GOAL_FALSE_ALARMS)} | "
                if i == 0
                else "| | | | | | | "
            )
            seconds = f"{r.seconds:.1f}" if i == 0 else ""
            lines.append(
                head + f"{rc.population} | {rc.horizon} | "
                f"{_pct(rc.share)} ({rc.hits}/{rc.clients}) | {_yes(rc.met)} | "
                f"{seconds} |"
            )
    all_met = all(r.met for r in rows) and total <= GOAL_ALL_FALSE_ALARMS
    lines += [
        "",
        f"All {len(rows)} together: {total:.3f} false alarms per stable "
        f"client-year (goal at most {GOAL_ALL_FALSE_ALARMS}): "
        f"{_yes(total <= GOAL_ALL_FALSE_ALARMS)}.",
        "",
        "Every goal met: "
        + ("yes" if all_met else "no")
        + (
            ""
            if all_met
            else " (missed: "
            + ", ".join(r.label for r in rows if not r.met)
            + ("" if total <= GOAL_ALL_FALSE_ALARMS else "; all together")
            + ")"
        )
        + ".",
    ]
    return "\n".join(lines)
