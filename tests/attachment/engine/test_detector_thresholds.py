"""Every documented detector threshold at its edge: the last value that does
not fire and the first that does (or, for a red threshold, the last that stays
yellow and the first that turns red).

The table of thresholds (:data:`attachment.engine.patterns.FIELDS`) drives the tests:
each field has an edge in :data:`EDGES`, is a detector's on/off switch (each
detector is switched off at every one of its edges), or is listed in
:data:`NO_EDGE` with the reason, so a new threshold without an edge fails.

Counts, days and weeks are moved across the edge in the input, at the default
and at another setting, so that a detector reading a fixed number instead of
its setting fails too.  Significance levels, ratios and drops, which the input
only reaches through a statistic, are moved across it in the setting: the
statistic itself, and the nearest float beside it.

The detectors are pure functions: no database, no clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import pytest
from scipy import stats

from attachment.engine.patterns import (
    FIELDS,
    AbsenceContactCounts,
    AbsenceFacts,
    ContactFacts,
    DetectorThresholds,
    EndingFacts,
    Finding,
    MeasureFacts,
    ObservationFacts,
    RuptureFacts,
    Tier,
    WeeklySeries,
    abrupt_withdrawal,
    absence_ahead,
    absence_surge,
    after_ending_contact,
    dependency_measure_rise,
    dependency_trend,
    policy_pattern,
    repeated_ruptures,
    rising_contact_frequency,
    therapist_overextension,
    unrepaired_rupture,
)
from attachment.engine.patterns.cusum import rate_ratio_test

NOW = dt.datetime(2026, 3, 18, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
DAY, WEEK = dt.timedelta(days=1), dt.timedelta(weeks=1)
TICK = dt.timedelta(microseconds=1)
DEFAULTS = DetectorThresholds()

Sides = tuple[Finding | None, Finding | None]


@dataclasses.dataclass(frozen=True)
class Edge:
    """``either_side(value, settings)`` runs a detector with the threshold at
    ``value`` (and the other ``settings``) on the last input that must not
    fire and the first that must; ``values`` are settings to try besides the
    default.  ``red``: the edge between yellow and red."""

    either_side: Callable[[Any, dict[str, Any]], Sides]
    values: tuple = ()
    red: bool = False


def _t(**settings: Any) -> DetectorThresholds:
    return dataclasses.replace(DEFAULTS, **settings)


def _above(value: float) -> float:
    return math.nextafter(value, math.inf)


def _below(value: float) -> float:
    return math.nextafter(value, -math.inf)


# --- policy pattern and after-ending contact ----------------------------------


def _outside(*moments: dt.datetime) -> list[ContactFacts]:
    return [ContactFacts(m, from_client=True, after_hours=True) for m in moments]


def _recent(count: int) -> list[ContactFacts]:
    return _outside(*(NOW - dt.timedelta(hours=n + 1) for n in range(count)))


def _policy(contacts: list[ContactFacts], t: DetectorThresholds) -> Finding | None:
    return policy_pattern(contacts, now=NOW, thresholds=t)


def policy_min_count(v: int, s: dict) -> Sides:
    t = _t(policy_min_count=v, **s)
    return _policy(_recent(v - 1), t), _policy(_recent(v), t)


def policy_red_count(v: int, s: dict) -> Sides:
    t = _t(policy_red_count=v, **s)
    return _policy(_recent(v - 1), t), _policy(_recent(v), t)


def policy_window_weeks(v: int, s: dict) -> Sides:
    """Three contacts this morning, a fourth exactly ``v`` weeks ago or just
    before."""
    t = _t(policy_window_weeks=v, **s)
    edge = NOW - v * WEEK
    return (
        _policy(_recent(3) + _outside(edge - TICK), t),
        _policy(_recent(3) + _outside(edge), t),
    )


def policy_baseline_weeks(v: int, s: dict) -> Sides:
    """Four contacts this morning; eight earlier ones exactly ``v`` weeks
    before the window (the client's usual) or just before those weeks."""
    t = _t(policy_baseline_weeks=v, **s)
    edge = NOW - (t.policy_window_weeks + v) * WEEK
    return (
        _policy(_recent(4) + _outside(*[edge] * 8), t),
        _policy(_recent(4) + _outside(*[edge - TICK] * 8), t),
    )


SLIPPED_BEFORE = _recent(4) + _outside(NOW - 10 * WEEK, NOW - 20 * WEEK)


def policy_alpha(_: float, s: dict) -> Sides:
    """At the comparison's p-value it does not flag; just above it, it does."""
    p = rate_ratio_test(4, 4, 2, 26).p_value
    return (
        _policy(SLIPPED_BEFORE, _t(policy_alpha=p, **s)),
        _policy(SLIPPED_BEFORE, _t(policy_alpha=_above(p), **s)),
    )


ENDED = EndingFacts(ended_on=dt.date(2025, 1, 31), after_ending_allowed=False)


def _after_ending(
    contacts: list[ContactFacts], t: DetectorThresholds
) -> Finding | None:
    return after_ending_contact(ENDED, contacts, now=NOW, thresholds=t)


def after_ending_min_count(v: int, s: dict) -> Sides:
    t = _t(after_ending_min_count=v, **s)
    return _after_ending(_recent(v - 1), t), _after_ending(_recent(v), t)


def after_ending_red_count(v: int, s: dict) -> Sides:
    t = _t(after_ending_red_count=v, **s)
    return _after_ending(_recent(v - 1), t), _after_ending(_recent(v), t)


def after_ending_window_weeks(v: int, s: dict) -> Sides:
    t = _t(after_ending_window_weeks=v, **s)
    edge = NOW - v * WEEK
    return (
        _after_ending(_outside(edge - TICK), t),
        _after_ending(_outside(edge), t),
    )


# --- ruptures -----------------------------------------------------------------


def _rupture(days_ago: int, severity: int = 1, rupture_id: int = 1) -> RuptureFacts:
    return RuptureFacts(rupture_id, TODAY - days_ago * DAY, severity, True, 0)


def _unrepaired(days_ago: int, t: DetectorThresholds) -> Finding | None:
    return unrepaired_rupture([_rupture(days_ago)], now=NOW, thresholds=t)


def rupture_repair_days(v: int, s: dict) -> Sides:
    """Open for ``v`` days is not yet "longer than" ``v`` days."""
    t = _t(rupture_repair_days=v, **s)
    return _unrepaired(v, t), _unrepaired(v + 1, t)


def rupture_red_days(v: int, s: dict) -> Sides:
    t = _t(rupture_red_days=v, **s)
    return _unrepaired(v, t), _unrepaired(v + 1, t)


def _repeated(days_ago: list[int], t: DetectorThresholds) -> Finding | None:
    ruptures = [_rupture(d, rupture_id=n) for n, d in enumerate(days_ago)]
    return repeated_ruptures(ruptures, now=NOW, thresholds=t)


def rupture_repeat_count(v: int, s: dict) -> Sides:
    t = _t(rupture_repeat_count=v, **s)
    return _repeated(list(range(v - 1)), t), _repeated(list(range(v)), t)


def rupture_repeat_red_count(v: int, s: dict) -> Sides:
    t = _t(rupture_repeat_red_count=v, **s)
    return _repeated(list(range(v - 1)), t), _repeated(list(range(v)), t)


def rupture_repeat_weeks(v: int, s: dict) -> Sides:
    """Two ruptures this week, a third exactly ``v`` weeks ago or a day later."""
    t = _t(rupture_repeat_weeks=v, **s)
    edge = 7 * v
    return _repeated([0, 1, edge], t), _repeated([0, 1, edge - 1], t)


# --- absence surge, during and ahead of an absence -------------------------------

AWAY = AbsenceFacts(starts_on=TODAY - 6 * DAY, ends_on=TODAY + 7 * DAY, has_cover=True)


def _surge(
    during: int, t: DetectorThresholds, baseline: int = 12, days: int = 84
) -> Finding | None:
    counts = AbsenceContactCounts(AWAY, during, baseline, days)
    return absence_surge(counts, now=NOW, thresholds=t)


def absence_min_contacts(v: int, s: dict) -> Sides:
    """Against a usual half a contact a week, any few in the week away are many."""
    t = _t(absence_min_contacts=v, **s)
    return _surge(v - 1, t, baseline=6), _surge(v, t, baseline=6)


# Six contacts in the seven days away against twelve in the 84 days before.
SURGE = rate_ratio_test(6, 7, 12, 84)


def absence_min_ratio(_: float, s: dict) -> Sides:
    return (
        _surge(6, _t(absence_min_ratio=_above(SURGE.ratio), **s)),
        _surge(6, _t(absence_min_ratio=SURGE.ratio, **s)),
    )


def absence_red_ratio(_: float, s: dict) -> Sides:
    return (
        _surge(6, _t(absence_red_ratio=SURGE.ci_low, **s)),
        _surge(6, _t(absence_red_ratio=_below(SURGE.ci_low), **s)),
    )


def _fear(on: dt.date, intensity: int = 3) -> ObservationFacts:
    return ObservationFacts(on, intensity, fear_of_abandonment=True)


def _ahead(
    starts_in: int, observation: ObservationFacts, t: DetectorThresholds
) -> Finding | None:
    absence = AbsenceFacts(TODAY + starts_in * DAY, TODAY + (starts_in + 9) * DAY, True)
    return absence_ahead(absence, [observation], now=NOW, thresholds=t)


def absence_lookahead_days(v: int, s: dict) -> Sides:
    t = _t(absence_lookahead_days=v, **s)
    yesterday = _fear(TODAY - DAY)
    return _ahead(v + 1, yesterday, t), _ahead(v, yesterday, t)


def absence_observation_weeks(v: int, s: dict) -> Sides:
    t = _t(absence_observation_weeks=v, **s)
    edge = TODAY - v * WEEK
    return _ahead(7, _fear(edge), t), _ahead(7, _fear(edge + DAY), t)


def absence_min_intensity(v: int, s: dict) -> Sides:
    t = _t(absence_min_intensity=v, **s)
    return (
        _ahead(7, _fear(TODAY - DAY, v - 1), t),
        _ahead(7, _fear(TODAY - DAY, v), t),
    )


# --- dependency escalation -------------------------------------------------------


def _usual(count: int, window_weeks: int = 12) -> list[ObservationFacts]:
    """``count`` observations alternating 1 and 2, one a week, the latest on
    the last day of the usual weeks (``window_weeks`` weeks ago)."""
    last = TODAY - window_weeks * WEEK
    return [
        ObservationFacts(last - n * WEEK, 1 + n % 2) for n in reversed(range(count))
    ]


RECENT_HIGH = [ObservationFacts(TODAY - d * DAY, 4) for d in (20, 10, 0)]
USUAL_TEN = _usual(10)


def _trend(
    observations: list[ObservationFacts], t: DetectorThresholds
) -> Finding | None:
    return dependency_trend(observations, now=NOW, thresholds=t)


def _t_p(observations: list[ObservationFacts], window_weeks: int = 12) -> float:
    """The detector's one-sided t-test, computed here from its definition."""
    recent = [o.intensity for o in observations if o.observed_on > TODAY - 6 * WEEK]
    usual = [
        o.intensity
        for o in observations
        if o.observed_on <= TODAY - window_weeks * WEEK
    ]
    rise = sum(recent) / len(recent) - sum(usual) / len(usual)
    mean = sum(usual) / len(usual)
    sd = max(math.sqrt(sum((u - mean) ** 2 for u in usual) / (len(usual) - 1)), 0.5)
    t = rise / (sd * math.sqrt(1 / len(recent) + 1 / len(usual)))
    return float(stats.t.sf(t, len(usual) - 1))


def dependency_min_observations(v: int, s: dict) -> Sides:
    """One usual observation fewer than the setting leaves no comparison."""
    t = _t(dependency_min_observations=v, **s)
    return (
        _trend(_usual(v - 1) + RECENT_HIGH, t),
        _trend(_usual(v) + RECENT_HIGH, t),
    )


def dependency_window_weeks(v: int, s: dict) -> Sides:
    """The usual weeks end where the window starts: with the least number of
    usual observations, the latest a day inside the window leaves too few."""
    t = _t(dependency_window_weeks=v, **s)
    usual = _usual(t.dependency_min_observations, v)
    inside = ObservationFacts(usual[-1].observed_on + DAY, usual[-1].intensity)
    return (
        _trend([*usual[:-1], inside, *RECENT_HIGH], t),
        _trend(usual + RECENT_HIGH, t),
    )


MILD_RISE = _usual(10) + [ObservationFacts(TODAY - d * DAY, 3) for d in (14, 0)]


def dependency_alpha(_: float, s: dict) -> Sides:
    p = _t_p(MILD_RISE)
    return (
        _trend(MILD_RISE, _t(dependency_alpha=p, **s)),
        _trend(MILD_RISE, _t(dependency_alpha=_above(p), **s)),
    )


def dependency_red_alpha(_: float, s: dict) -> Sides:
    observations = USUAL_TEN + [
        ObservationFacts(TODAY - d * DAY, v) for d, v in ((20, 3), (10, 3), (0, 4))
    ]
    p = _t_p(observations)
    return (
        _trend(observations, _t(dependency_red_alpha=p, **s)),
        _trend(observations, _t(dependency_red_alpha=_above(p), **s)),
    )


def _measures(rise: float, t: DetectorThresholds) -> Finding | None:
    """Two measures, the second ``rise`` higher (scores have two decimals)."""
    measures = [
        MeasureFacts(TODAY - 90 * DAY, 3.0),
        MeasureFacts(TODAY - DAY, round(3.0 + rise, 2)),
    ]
    return dependency_measure_rise(measures, now=NOW, thresholds=t)


# A very reliable measure, so that the configured rise and not the reliable
# change decides at these edges (a rise needs more than 0.28 points at 0.99).
RELIABLE = {"dependency_measure_reliability": 0.99}


def dependency_measure_rise_edge(v: float, s: dict) -> Sides:
    t = _t(**{**RELIABLE, "dependency_measure_rise": v, **s})
    return _measures(v - 0.01, t), _measures(v, t)


def dependency_measure_red_rise(v: float, s: dict) -> Sides:
    t = _t(**{**RELIABLE, "dependency_measure_red_rise": v, **s})
    return _measures(v - 0.01, t), _measures(v, t)


def dependency_measure_reliability(v: float, s: dict) -> Sides:
    """At reliability ``v`` the reliable change index (SD 1.0) passes 1.96
    first at a rise just above ``1.96 * sqrt(2) * sqrt(1 - v)``: the largest
    rise on the scores' two decimals at or below it stays quiet, the next
    fires (the configured rise and red rise are out of the way)."""
    t = _t(
        **{
            "dependency_measure_reliability": v,
            "dependency_measure_rise": 0.1,
            "dependency_measure_red_rise": 7.0,
            **s,
        }
    )
    needed = 1.96 * math.sqrt(2.0) * math.sqrt(1.0 - v)
    quiet = math.floor(needed * 100) / 100
    return _measures(quiet, t), _measures(quiet + 0.01, t)


# --- the therapist's side: overextension and withdrawal ---------------------------


def _weeks(**columns: list[float]) -> WeeklySeries:
    """A weekly series from per-week columns, its last week ending before NOW."""
    weeks = len(next(iter(columns.values())))
    monday = TODAY - TODAY.weekday() * DAY
    starts = [monday - (weeks - n) * WEEK for n in range(weeks)]
    return WeeklySeries.build(
        client_id=1,
        week_starts=starts,
        client_initiated=columns.pop("client_initiated", [0] * weeks),
        **columns,
    )


def _busier(before: int, recent: int) -> WeeklySeries:
    """The therapist contacts the client unprompted three times a week instead
    of once, one of them after hours where none was before."""
    return _weeks(
        therapist_initiated=[1] * before + [3] * recent,
        after_hours_replies=[0] * before + [1] * recent,
    )


def _overextension(series: WeeklySeries, t: DetectorThresholds) -> Finding | None:
    return therapist_overextension(series, now=NOW, thresholds=t)


def _drop_first_week(series: WeeklySeries) -> WeeklySeries:
    return dataclasses.replace(
        series,
        week_starts=series.week_starts[1:],
        **{
            name: getattr(series, name)[1:]
            for name in (
                "client_initiated",
                "therapist_initiated",
                "replied",
                "after_hours_replies",
                "median_response_minutes",
                "therapist_absent",
            )
        },
    )


def overextension_baseline_weeks(v: int, s: dict) -> Sides:
    """Without ``v`` baseline weeks before the recent ones there is no verdict."""
    t = _t(overextension_baseline_weeks=v, **s)
    series = _busier(v, DEFAULTS.overextension_recent_weeks)
    return _overextension(_drop_first_week(series), t), _overextension(series, t)


def overextension_recent_weeks(v: int, s: dict) -> Sides:
    t = _t(overextension_recent_weeks=v, **s)
    series = _busier(DEFAULTS.overextension_baseline_weeks, v)
    return _overextension(_drop_first_week(series), t), _overextension(series, t)


BUSIER = _busier(12, 6)
BUSIER_ACTIONS = 3 * 6


def overextension_min_actions(_: int, s: dict) -> Sides:
    return (
        _overextension(BUSIER, _t(overextension_min_actions=BUSIER_ACTIONS + 1, **s)),
        _overextension(BUSIER, _t(overextension_min_actions=BUSIER_ACTIONS, **s)),
    )


def overextension_min_signals(_: int, s: dict) -> Sides:
    """Two of the three indicators rise."""
    return (
        _overextension(BUSIER, _t(overextension_min_signals=3, **s)),
        _overextension(BUSIER, _t(overextension_min_signals=2, **s)),
    )


# Weekly median reply minutes: twelve baseline weeks, then six a little faster.
REPLIES_BEFORE = [200.0, 220.0, 240.0, 260.0, 280.0, 300.0] * 2
REPLIES_FASTER = [150.0, 180.0, 210.0, 230.0, 250.0, 100.0]
# Series in which one indicator rises and the others do not, and its p-value.
ONE_INDICATOR = {
    "faster_replies": (
        _weeks(
            client_initiated=[3] * 18,
            replied=[3] * 18,
            median_response_minutes=REPLIES_BEFORE + REPLIES_FASTER,
        ),
        stats.mannwhitneyu(REPLIES_FASTER, REPLIES_BEFORE, alternative="less").pvalue,
    ),
    "after_hours_replies": (
        _weeks(therapist_initiated=[1] * 18, after_hours_replies=[0] * 12 + [1] * 6),
        rate_ratio_test(6, 6, 0, 12).p_value,
    ),
    "therapist_initiated": (
        _weeks(therapist_initiated=[1] * 12 + [3] * 6),
        rate_ratio_test(3 * 6, 6, 12, 12).p_value,
    ),
}


def overextension_alpha(indicator: str) -> Callable[[float, dict], Sides]:
    """At the indicator's p-value it does not count; just above it, it does."""
    series, p = ONE_INDICATOR[indicator]

    def either_side(_: float, s: dict) -> Sides:
        def at(alpha: float) -> Finding | None:
            t = _t(overextension_alpha=alpha, overextension_min_signals=1, **s)
            return _overextension(series, t)

        return at(float(p)), at(_above(float(p)))

    return either_side


def _cutback(
    prior: int,
    recent: int,
    *,
    asked: tuple[list[int], list[int]] | None = None,
    replied: tuple[list[int], list[int]] | None = None,
    minutes: tuple[float, float] = (math.nan, math.nan),
) -> WeeklySeries:
    """Two client contacts a week, all answered for ``prior`` weeks and none
    in the ``recent`` ones, unless ``asked`` and ``replied`` say otherwise."""
    asked = asked or ([2] * prior, [2] * recent)
    replied = replied or ([2] * prior, [0] * recent)
    return _weeks(
        client_initiated=asked[0] + asked[1],
        replied=replied[0] + replied[1],
        median_response_minutes=[minutes[0]] * prior + [minutes[1]] * recent,
    )


def _withdrawal(series: WeeklySeries, t: DetectorThresholds) -> Finding | None:
    return abrupt_withdrawal(series, now=NOW, thresholds=t)


def withdrawal_prior_weeks(v: int, s: dict) -> Sides:
    t = _t(withdrawal_prior_weeks=v, **s)
    series = _cutback(v, DEFAULTS.withdrawal_recent_weeks)
    return _withdrawal(_drop_first_week(series), t), _withdrawal(series, t)


def withdrawal_recent_weeks(v: int, s: dict) -> Sides:
    t = _t(withdrawal_recent_weeks=v, **s)
    series = _cutback(DEFAULTS.withdrawal_prior_weeks, v)
    return _withdrawal(_drop_first_week(series), t), _withdrawal(series, t)


def withdrawal_min_contacts(v: int, s: dict) -> Sides:
    """None of the recent contacts answered; there are ``v - 1`` or ``v``."""
    t = _t(withdrawal_min_contacts=v, **s)

    def asked(count: int) -> WeeklySeries:
        return _cutback(8, 4, asked=([2] * 8, [0, 0, 0, count]))

    return _withdrawal(asked(v - 1), t), _withdrawal(asked(v), t)


def withdrawal_high_reply_share(v: float, s: dict) -> Sides:
    """Twenty contacts in the eight prior weeks, ``20 * v`` answered or one fewer."""
    t = _t(withdrawal_high_reply_share=v, **s)
    asked = [3, 3, 3, 3, 2, 2, 2, 2]

    def answered(count: int) -> WeeklySeries:
        replied = [min(n, max(count - sum(asked[:i]), 0)) for i, n in enumerate(asked)]
        assert sum(replied) == count
        return _cutback(8, 4, asked=(asked, [2] * 4), replied=(replied, [0] * 4))

    share = round(20 * v)
    return _withdrawal(answered(share - 1), t), _withdrawal(answered(share), t)


# All sixteen answered before, two of eight after: a drop of 0.75.
FEWER = _cutback(8, 4, asked=([2] * 8, [3, 3, 2, 0]), replied=([2] * 8, [1, 1, 0, 0]))
FEWER_DROP = 1.0 - 2 / 8


def withdrawal_reply_drop(_: float, s: dict) -> Sides:
    return (
        _withdrawal(FEWER, _t(withdrawal_reply_drop=_above(FEWER_DROP), **s)),
        _withdrawal(FEWER, _t(withdrawal_reply_drop=FEWER_DROP, **s)),
    )


# Every contact answered, in ten minutes before and in an hour after.
SLOWER = _weeks(
    client_initiated=[2] * 8 + [2, 2, 2, 0],
    replied=[2] * 8 + [2, 2, 2, 0],
    median_response_minutes=[10.0] * 8 + [60.0, 60.0, 60.0, math.nan],
)


def withdrawal_slowdown(_: float, s: dict) -> Sides:
    return (
        _withdrawal(SLOWER, _t(withdrawal_slowdown=_above(60.0 / 10.0), **s)),
        _withdrawal(SLOWER, _t(withdrawal_slowdown=60.0 / 10.0, **s)),
    )


# One a week all answered before; two of six answered after.
MILDER = _cutback(8, 4, asked=([1] * 8, [2, 2, 2, 0]), replied=([1] * 8, [1, 1, 0, 0]))
MILDER_P = float(stats.fisher_exact([[8, 0], [2, 4]], alternative="greater").pvalue)


SLOWER_P = float(
    stats.mannwhitneyu([60.0] * 3, [10.0] * 8, alternative="greater").pvalue
)


def withdrawal_alpha(series: WeeklySeries, p: float) -> Callable[[float, dict], Sides]:
    """At the drop's p-value it does not count; just above it, it does."""

    def either_side(_: float, s: dict) -> Sides:
        return (
            _withdrawal(series, _t(withdrawal_alpha=p, **s)),
            _withdrawal(series, _t(withdrawal_alpha=_above(p), **s)),
        )

    return either_side


# --- rising contact frequency ------------------------------------------------------

BASELINE = [2] * 60  # a steady two a week


def _rising_finding(counts: list[int], t: DetectorThresholds) -> Finding | None:
    return rising_contact_frequency(
        _weeks(client_initiated=counts), now=NOW, thresholds=t
    )


def rising_monitor_weeks(v: int, s: dict) -> Sides:
    """One week of sixteen contacts: in the guard week just before the ``v``
    monitored weeks (judged by nothing), or in the first of them."""
    t = _t(rising_monitor_weeks=v, **s)
    return (
        _rising_finding(BASELINE + [16] + [3] * v, t),
        _rising_finding(BASELINE + [3] + [16] + [3] * (v - 1), t),
    )


def rising_recent_weeks(v: int, s: dict) -> Sides:
    """A surge, then one contact a week; the recent weeks must hold ``v``
    contacts, and one week of the tail is just outside them or just inside."""
    t = _t(rising_recent_weeks=v, rising_min_recent_contacts=v, **s)
    surge = [30] * (t.rising_monitor_weeks - v - 1)
    return (
        _rising_finding(BASELINE + [2] + surge + [1, 0] + [1] * (v - 1), t),
        _rising_finding(BASELINE + [2] + surge + [0, 1] + [1] * (v - 1), t),
    )


def rising_baseline_weeks(v: int, s: dict) -> Sides:
    """A week of forty contacts just inside the ``v`` baseline weeks makes the
    client bursty; just before them it is not read at all."""
    t = _t(rising_baseline_weeks=v, **s)
    rest = [2] * (v - 1) + [2] + [4] * t.rising_monitor_weeks
    return (
        _rising_finding([2, 40] + rest, t),
        _rising_finding([40, 2] + rest, t),
    )


def rising_min_recent_contacts(v: int, s: dict) -> Sides:
    t = _t(rising_min_recent_contacts=v, **s)
    surge = BASELINE + [2] + [30] * 4 + [0, 0, 0]
    return (
        _rising_finding(surge + [v - 1], t),
        _rising_finding(surge + [v], t),
    )


QUADRUPLED = BASELINE + [2] + [8] * 8


def _rising_ci_low() -> float:
    evidence = _rising_finding(QUADRUPLED, DEFAULTS).evidence
    return rate_ratio_test(
        evidence["recent_contacts"],
        evidence["recent_weeks"],
        evidence["baseline_contacts"],
        evidence["baseline_weeks"],
    ).ci_low


def rising_red_ratio(_: float, s: dict) -> Sides:
    ci_low = _rising_ci_low()
    return (
        _rising_finding(QUADRUPLED, _t(rising_red_ratio=ci_low, **s)),
        _rising_finding(QUADRUPLED, _t(rising_red_ratio=_below(ci_low), **s)),
    )


# --- the table ----------------------------------------------------------------------

# Keyed by threshold; ``name:part`` where one threshold is compared in several
# places (one significance level for each of a detector's indicators).
EDGES: dict[str, Edge] = {
    "rising_baseline_weeks": Edge(rising_baseline_weeks, values=(30,)),
    "rising_monitor_weeks": Edge(rising_monitor_weeks, values=(4,)),
    "rising_recent_weeks": Edge(rising_recent_weeks, values=(4,)),
    "rising_min_recent_contacts": Edge(rising_min_recent_contacts, values=(10,)),
    "rising_red_ratio": Edge(rising_red_ratio, red=True),
    "policy_min_count": Edge(policy_min_count, values=(5,)),
    "policy_red_count": Edge(policy_red_count, values=(5,), red=True),
    "policy_window_weeks": Edge(policy_window_weeks, values=(2,)),
    "policy_baseline_weeks": Edge(policy_baseline_weeks, values=(13,)),
    "policy_alpha": Edge(policy_alpha),
    "absence_min_contacts": Edge(absence_min_contacts, values=(5,)),
    "absence_min_ratio": Edge(absence_min_ratio),
    "absence_red_ratio": Edge(absence_red_ratio, red=True),
    "absence_lookahead_days": Edge(absence_lookahead_days, values=(7,)),
    "absence_observation_weeks": Edge(absence_observation_weeks, values=(2,)),
    "absence_min_intensity": Edge(absence_min_intensity, values=(4,)),
    "rupture_repair_days": Edge(rupture_repair_days, values=(7,)),
    "rupture_red_days": Edge(rupture_red_days, values=(30,), red=True),
    "rupture_repeat_count": Edge(rupture_repeat_count, values=(4,)),
    "rupture_repeat_red_count": Edge(rupture_repeat_red_count, values=(4,), red=True),
    "rupture_repeat_weeks": Edge(rupture_repeat_weeks, values=(4,)),
    "dependency_window_weeks": Edge(dependency_window_weeks, values=(8,)),
    "dependency_min_observations": Edge(dependency_min_observations, values=(6,)),
    "dependency_alpha": Edge(dependency_alpha),
    "dependency_red_alpha": Edge(dependency_red_alpha, red=True),
    "dependency_measure_rise": Edge(dependency_measure_rise_edge, values=(0.75,)),
    "dependency_measure_reliability": Edge(
        dependency_measure_reliability, values=(0.5, 0.9, 0.95)
    ),
    "dependency_measure_red_rise": Edge(
        dependency_measure_red_rise, values=(0.75,), red=True
    ),
    "overextension_baseline_weeks": Edge(overextension_baseline_weeks, values=(8,)),
    "overextension_recent_weeks": Edge(overextension_recent_weeks, values=(4,)),
    "overextension_alpha:faster_replies": Edge(overextension_alpha("faster_replies")),
    "overextension_alpha:after_hours_replies": Edge(
        overextension_alpha("after_hours_replies")
    ),
    "overextension_alpha:therapist_initiated": Edge(
        overextension_alpha("therapist_initiated")
    ),
    "overextension_min_signals": Edge(overextension_min_signals),
    "overextension_min_actions": Edge(overextension_min_actions),
    "withdrawal_prior_weeks": Edge(withdrawal_prior_weeks, values=(6,)),
    "withdrawal_recent_weeks": Edge(withdrawal_recent_weeks, values=(2,)),
    "withdrawal_high_reply_share": Edge(withdrawal_high_reply_share, values=(0.9,)),
    "withdrawal_reply_drop": Edge(withdrawal_reply_drop),
    "withdrawal_slowdown": Edge(withdrawal_slowdown),
    "withdrawal_alpha:fewer_replies": Edge(withdrawal_alpha(MILDER, MILDER_P)),
    "withdrawal_alpha:slower_replies": Edge(withdrawal_alpha(SLOWER, SLOWER_P)),
    "withdrawal_min_contacts": Edge(withdrawal_min_contacts, values=(6,)),
    "after_ending_window_weeks": Edge(after_ending_window_weeks, values=(4,)),
    "after_ending_min_count": Edge(after_ending_min_count, values=(2,)),
    "after_ending_red_count": Edge(after_ending_red_count, values=(2,), red=True),
}

# Thresholds with no edge of their own here, and why.
NO_EDGE = {
    "supervisor_delay_days": (
        "not a detector's: the flag pages read it to decide when a flag reaches "
        "the supervisor (tests/attachment/review)"
    ),
    "rising_rate_floor": (
        "a floor under the estimated baseline rate, not a trigger: it moves the "
        "CUSUM's reference value and its threshold h together, so no value of it "
        "separates firing from not firing for every series; test_frequency checks "
        "that a silent baseline is read at the floor"
    ),
    "rising_false_alarms_per_year": (
        "a calibration: it sets h through the in-control ARL and the interpolated "
        "h table, continuously, so the only edge is the CUSUM statistic meeting "
        "h, which test_cusum covers with the h table and the ARL simulation"
    ),
    "absence_baseline_weeks": (
        "applied by the scan, not the detector: the scan's query counts the "
        "baseline contacts over that many weeks and engine.detect the days outside "
        "absences; absence_surge receives only the count and the days"
    ),
}

SWITCHES = [field.name for field in FIELDS if field.kind is bool]


def _setting(key: str) -> str:
    return key.partition(":")[0]


CASES = [
    pytest.param(key, value, id=f"{key}={value}")
    for key, edge in EDGES.items()
    for value in (getattr(DEFAULTS, _setting(key)), *edge.values)
]


@pytest.mark.parametrize("name", [field.name for field in FIELDS])
def test_every_documented_threshold_has_an_edge_test_or_a_reason(name):
    with_edges = {_setting(key) for key in EDGES}
    assert (name in with_edges) + (name in SWITCHES) + (name in NO_EDGE) == 1


@pytest.mark.parametrize(("key", "value"), CASES)
def test_a_threshold_fires_first_exactly_at_its_documented_edge(key, value):
    edge = EDGES[key]
    last_quiet, first_firing = edge.either_side(value, {})

    if edge.red:
        assert last_quiet is not None and last_quiet.tier == Tier.YELLOW
        assert first_firing is not None and first_firing.tier == Tier.RED
    else:
        assert last_quiet is None
        assert first_firing is not None


@pytest.mark.parametrize("switch", SWITCHES)
def test_a_switched_off_detector_fires_at_none_of_its_edges(switch):
    detector = switch.removesuffix("_enabled")
    keys = [key for key in EDGES if key.startswith(detector + "_")]
    assert keys
    for key in keys:
        default = getattr(DEFAULTS, _setting(key))
        assert EDGES[key].either_side(default, {})[1] is not None
        assert EDGES[key].either_side(default, {switch: False}) == (None, None)


# --- fixed edges of the detectors, not settings ---------------------------------------


def test_a_severe_unrepaired_rupture_is_red_from_severity_three():
    t = _t(rupture_repair_days=7)
    [moderate, severe] = [
        unrepaired_rupture([_rupture(8, severity)], now=NOW, thresholds=t)
        for severity in (2, 3)
    ]
    assert moderate is not None and moderate.tier == Tier.YELLOW
    assert severe is not None and severe.tier == Tier.RED


def test_an_absence_surge_needs_four_weeks_of_baseline_days():
    quiet, fires = (_surge(6, DEFAULTS, baseline=4, days=days) for days in (27, 28))
    assert quiet is None
    assert fires is not None


def test_a_rising_trend_is_red_only_when_the_latest_intensity_is_three_or_more():
    t = _t(dependency_alpha=0.2, dependency_red_alpha=0.1)
    below, at = (
        _trend(
            USUAL_TEN
            + [ObservationFacts(TODAY - d * DAY, 3) for d in (20, 10)]
            + [ObservationFacts(TODAY, last)],
            t,
        )
        for last in (2, 3)
    )
    assert below is not None and below.tier == Tier.YELLOW
    assert below.evidence["p_value"] < 0.1
    assert at is not None and at.tier == Tier.RED


def test_rising_frequency_needs_twenty_six_baseline_weeks():
    spike = [2] + [16] + [3] * 7  # the guard week, then the monitored weeks
    quiet = _rising_finding([2] * 25 + spike, DEFAULTS)
    fires = _rising_finding([2] * 26 + spike, DEFAULTS)
    assert quiet is None
    assert fires is not None
