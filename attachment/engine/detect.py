"""Running the pure detectors over one chunk of clients' rows.

The weekly detectors are screened with the vectorised
:func:`~attachment.engine.patterns.rising_statistics` and cheap necessary conditions
on the whole chunk's week matrix first; only the clients that pass are handed
to the pure per-client functions, whose findings are the only ones kept.  A
screen may let through a client that the detector then clears, never the
other way round (``tests/attachment/engine/test_scan.py`` checks this against calling
every detector on every client).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from attachment.engine import patterns as p
from attachment.engine.reads import ScanWindow

# weekly row columns after the client id and week index
CI, TI, REPLIED, AFTER_HOURS, MEDIAN, AWAY_TI = range(6)
COLUMNS = 6


@dataclass(frozen=True)
class ChunkClient:
    client_id: int
    therapist_id: int
    start_week: int  # index of the client's first week in the scan window
    ended_on: dt.date | None
    after_ending_allowed: bool


@dataclass
class WeekMatrix:
    """Clients x weeks of the weekly aggregates; weeks before a client started
    are marked absent so they count neither as baseline nor as monitored."""

    values: np.ndarray  # clients x weeks x COLUMNS
    absent: np.ndarray  # clients x weeks, therapist away or client not started
    therapist_away: np.ndarray  # clients x weeks, the therapist's absence only
    # clients x weeks, the week starts after the client's ending date
    ended: np.ndarray | None = None

    def after_ending(self) -> np.ndarray:
        if self.ended is None:
            return np.zeros(self.absent.shape, dtype=bool)
        return self.ended

    def series(
        self, row: int, client: ChunkClient, window: ScanWindow
    ) -> p.WeeklySeries:
        start = client.start_week
        v = self.values[row, start:]
        away_ti = v[:, AWAY_TI] if v.shape[1] > AWAY_TI else None
        return p.WeeklySeries.build(
            client_id=client.client_id,
            week_starts=window.week_starts[start:],
            client_initiated=v[:, CI],
            therapist_initiated=v[:, TI],
            replied=v[:, REPLIED],
            after_hours_replies=v[:, AFTER_HOURS],
            median_response_minutes=v[:, MEDIAN],
            therapist_absent=self.therapist_away[row, start:],
            initiated_while_away=away_ti,
            ended_on=client.ended_on,
        )


def absent_weeks(
    absences: Sequence[tuple[int, dt.date, dt.date, bool]], window: ScanWindow
) -> np.ndarray:
    """Weeks in which the therapist was away four days or more."""
    days = np.zeros(window.weeks, dtype=int)
    for _, starts_on, ends_on, _covered in absences:
        for i, monday in enumerate(window.week_starts):
            sunday = monday + dt.timedelta(days=6)
            overlap = (min(ends_on, sunday) - max(starts_on, monday)).days + 1
            days[i] += max(overlap, 0)
    return days >= 4


def week_matrix(
    clients: Sequence[ChunkClient],
    weekly_rows: list[tuple[Any, ...]],
    away: dict[int, np.ndarray],
    window: ScanWindow,
) -> WeekMatrix:
    n, weeks = len(clients), window.weeks
    values = np.zeros((n, weeks, COLUMNS))
    values[:, :, MEDIAN] = np.nan
    if weekly_rows:
        rows = np.asarray(weekly_rows, dtype=float)
        ids = np.array([c.client_id for c in clients])
        index = np.searchsorted(ids, rows[:, 0].astype(np.int64))
        week = rows[:, 1].astype(int)
        inside = (week >= 0) & (week < weeks)
        values[index[inside], week[inside], :] = rows[inside, 2:]
    starts = np.array([c.start_week for c in clients])[:, None]
    not_started = np.arange(weeks)[None, :] < starts
    therapist_away = (
        np.stack(
            [away.get(c.therapist_id, np.zeros(weeks, dtype=bool)) for c in clients]
        )
        if clients
        else np.zeros((0, weeks), dtype=bool)
    )
    mondays = np.array(window.week_starts, dtype="datetime64[D]")
    endings = np.array(
        [c.ended_on if c.ended_on is not None else dt.date.max for c in clients],
        dtype="datetime64[D]",
    )
    return WeekMatrix(
        values=values,
        absent=therapist_away | not_started,
        therapist_away=therapist_away,
        ended=mondays[None, :] > endings[:, None],
    )


def _window_sum(
    values: np.ndarray, present: np.ndarray, lo: int, hi: int
) -> np.ndarray:
    sums: np.ndarray = (values[:, lo:hi] * present[:, lo:hi]).sum(axis=1)
    return sums


def rising_candidates(m: WeekMatrix, thresholds: p.DetectorThresholds) -> np.ndarray:
    if not thresholds.rising_enabled or m.values.shape[0] == 0:
        return np.zeros(m.values.shape[0], dtype=bool)
    rising = p.rising_statistics(m.values[:, :, CI], m.absent, thresholds)
    return rising.alarm[:, -1]


def _significantly_more(
    recent: np.ndarray, n_recent: np.ndarray, before: np.ndarray, n_before: np.ndarray
) -> np.ndarray:
    """The exact conditional rate-ratio test's one-sided p-value, vectorised
    (the same binomial tail as :func:`patterns.cusum.rate_ratio_test`)."""
    total = recent + before
    with np.errstate(invalid="ignore", divide="ignore"):
        null_p = n_recent / (n_recent + n_before)
        p_value = stats.binom.sf(recent - 1, total, null_p)
    p_values: np.ndarray = np.where(total > 0, np.nan_to_num(p_value, nan=1.0), 1.0)
    return p_values


def _window_values(
    values: np.ndarray, present: np.ndarray, lo: int, hi: int
) -> np.ndarray:
    """The window's weekly values with absent weeks as NaN."""
    return np.where(present[:, lo:hi], values[:, lo:hi], np.nan)


def _nanmedian(values: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        medians: np.ndarray = np.nanmedian(values, axis=1)
    return medians


def _could_be_lower(recent: np.ndarray, before: np.ndarray) -> np.ndarray:
    """Necessary for a one-sided Mann-Whitney "less" p-value below 0.5 (so
    below any alpha the settings allow): the recent values' U statistic is
    under its null mean, with at least three values on each side."""
    r_ok, b_ok = np.isfinite(recent), np.isfinite(before)
    n_r, n_b = r_ok.sum(axis=1), b_ok.sum(axis=1)
    r, b = recent[:, :, None], before[:, None, :]
    pairs = r_ok[:, :, None] & b_ok[:, None, :]
    with np.errstate(invalid="ignore"):
        u = ((r > b) & pairs).sum(axis=(1, 2)) + 0.5 * ((r == b) & pairs).sum(
            axis=(1, 2)
        )
    could: np.ndarray = (n_r >= 3) & (n_b >= 3) & (u < n_r * n_b / 2)
    return could


def _windows_of(weeks: int, recent: int, before: int) -> tuple[int, int]:
    return weeks - recent - before, weeks - recent


def overextension_candidates(
    m: WeekMatrix, starts: np.ndarray, t: p.DetectorThresholds
) -> np.ndarray:
    """Clients that meet overextension's conditions: enough recent actions
    and at least ``min_signals`` significant indicators (the two counts tested
    exactly and vectorised, faster replies with the detector's own test only
    where it decides)."""
    n, weeks = m.values.shape[:2]
    if not t.overextension_enabled or n == 0:
        return np.zeros(n, dtype=bool)
    ended = m.after_ending()
    present, v = ~m.absent & ~ended, m.values
    # The therapist's own contacts from leave count on their side, as the
    # detector counts them: in the recent window's weeks away before the
    # ending (a client that passes ``possible`` below had started by then).
    extra = (
        np.where(m.therapist_away & ~ended, v[:, :, AWAY_TI], 0.0)
        if v.shape[2] > AWAY_TI
        else np.zeros((n, weeks))
    )
    r, b = t.overextension_recent_weeks, t.overextension_baseline_weeks
    lo, mid = _windows_of(weeks, r, b)
    n_recent = present[:, mid:].sum(axis=1)
    n_before = present[:, lo:mid].sum(axis=1)
    leave_recent = extra[:, mid:].sum(axis=1)
    actions = (
        _window_sum(v[:, :, REPLIED] + v[:, :, TI], present, mid, weeks) + leave_recent
    )
    recent_medians = _window_values(v[:, :, MEDIAN], present, mid, weeks)
    before_medians = _window_values(v[:, :, MEDIAN], present, lo, mid)
    counted = sum(
        _significantly_more(
            _window_sum(v[:, :, col], present, mid, weeks)
            + (leave_recent if col == TI else 0.0),
            n_recent,
            _window_sum(v[:, :, col], present, lo, mid),
            n_before,
        )
        < t.overextension_alpha
        for col in (AFTER_HOURS, TI)
    )
    possible: np.ndarray = (
        (weeks - starts >= r + b)
        & (n_recent > 0)
        & (n_before >= b // 2)
        & (actions >= t.overextension_min_actions)
    )
    need = t.overextension_min_signals - counted
    # Where the faster-replies indicator decides, test it as the detector
    # does (a Mann-Whitney test costs far less than the whole detector).
    decides = possible & (need == 1) & _could_be_lower(recent_medians, before_medians)
    faster = np.zeros(n, dtype=bool)
    for row in np.flatnonzero(decides).tolist():
        faster[row] = (
            _faster_p(recent_medians[row], before_medians[row]) < t.overextension_alpha
        )
    return possible & ((need <= 0) | ((need == 1) & faster))


def _faster_p(recent: np.ndarray, before: np.ndarray) -> float:
    """The detector's one-sided test of faster replies (weekly medians)."""
    recent, before = recent[np.isfinite(recent)], before[np.isfinite(before)]
    return float(stats.mannwhitneyu(recent, before, alternative="less").pvalue)


def withdrawal_candidates(
    m: WeekMatrix, starts: np.ndarray, t: p.DetectorThresholds
) -> np.ndarray:
    """Clients that could meet withdrawal's conditions: enough contacts, high
    availability before, and either a drop in the answered share of the
    required size or replies the required factor slower."""
    n, weeks = m.values.shape[:2]
    if not t.withdrawal_enabled or n == 0:
        return np.zeros(n, dtype=bool)
    present, v = ~m.absent & ~m.after_ending(), m.values
    r, b = t.withdrawal_recent_weeks, t.withdrawal_prior_weeks
    lo, mid = _windows_of(weeks, r, b)
    asked_before = _window_sum(v[:, :, CI], present, lo, mid)
    asked_recent = _window_sum(v[:, :, CI], present, mid, weeks)
    answered_before = np.minimum(
        _window_sum(v[:, :, REPLIED], present, lo, mid), asked_before
    )
    answered_recent = np.minimum(
        _window_sum(v[:, :, REPLIED], present, mid, weeks), asked_recent
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        share_before = np.where(asked_before > 0, answered_before / asked_before, 0)
        share_recent = np.where(asked_recent > 0, answered_recent / asked_recent, 1)
    before_min = _nanmedian(_window_values(v[:, :, MEDIAN], present, lo, mid))
    recent_min = _nanmedian(_window_values(v[:, :, MEDIAN], present, mid, weeks))
    fewer = share_before - share_recent >= t.withdrawal_reply_drop
    with np.errstate(invalid="ignore"):
        slower = recent_min >= t.withdrawal_slowdown * np.fmax(before_min, 1.0)
    candidates: np.ndarray = (
        (weeks - starts >= r + b)
        & (present[:, mid:].sum(axis=1) > 0)
        & (present[:, lo:mid].sum(axis=1) >= b // 2)
        & (asked_before >= t.withdrawal_min_contacts)
        & (asked_recent >= t.withdrawal_min_contacts)
        & (share_before >= t.withdrawal_high_reply_share)
        & (fewer | slower)
    )
    return candidates


def weekly_findings(
    clients: Sequence[ChunkClient],
    m: WeekMatrix,
    window: ScanWindow,
    thresholds: p.DetectorThresholds,
) -> list[tuple[ChunkClient, p.Finding]]:
    starts = np.array([c.start_week for c in clients], dtype=int)
    rising = rising_candidates(m, thresholds)
    over = overextension_candidates(m, starts, thresholds)
    withdraw = withdrawal_candidates(m, starts, thresholds)
    found = []
    now = window.now
    for row in np.flatnonzero(rising | over | withdraw).tolist():
        client = clients[row]
        series = m.series(row, client, window)
        for wanted, detector in (
            (rising[row], p.rising_contact_frequency),
            (over[row], p.therapist_overextension),
            (withdraw[row], p.abrupt_withdrawal),
        ):
            if wanted:
                finding = detector(series, now=now, thresholds=thresholds)
                if finding is not None:
                    found.append((client, finding))
    return found


def contact_facts(
    rows: list[tuple[Any, ...]], zone: dt.tzinfo | None
) -> list[p.ContactFacts]:
    return [
        p.ContactFacts(
            occurred_at=row[1].astimezone(zone),
            from_client=True,
            after_hours=row[2],
            outside_agreement=row[3],
            over_weekly_limit=row[4],
        )
        for row in rows
    ]


def record_findings(
    client: ChunkClient,
    rows: dict[str, list[tuple[Any, ...]]],
    absences: Sequence[tuple[int, dt.date, dt.date, bool]],
    window: ScanWindow,
    thresholds: p.DetectorThresholds,
) -> list[p.Finding]:
    """The detectors that read individual records rather than weekly counts."""
    now, t = window.now, thresholds
    zone = now.tzinfo
    found: list[p.Finding | None] = []
    if rows.get("policy"):
        found.append(
            p.policy_pattern(contact_facts(rows["policy"], zone), now=now, thresholds=t)
        )
    if rows.get("after_ending") and client.ended_on is not None:
        contacts = [
            p.ContactFacts(
                occurred_at=r[1].astimezone(zone),
                from_client=True,
                over_weekly_limit=r[2],
                after_ending=True,
            )
            for r in rows["after_ending"]
        ]
        ending = p.EndingFacts(client.ended_on, client.after_ending_allowed)
        found.append(p.after_ending_contact(ending, contacts, now=now, thresholds=t))
    if rows.get("ruptures"):
        ruptures = [
            p.RuptureFacts(
                rupture_id=r[1],
                noticed_on=r[2],
                severity=r[3],
                is_open=r[4],
                repair_attempts=r[5],
                repaired=r[6],
            )
            for r in rows["ruptures"]
        ]
        found.append(p.unrepaired_rupture(ruptures, now=now, thresholds=t))
        found.append(p.repeated_ruptures(ruptures, now=now, thresholds=t))
    observations = [
        p.ObservationFacts(
            observed_on=r[1],
            intensity=r[2],
            fear_of_abandonment=r[3],
            security_only=r[4],
        )
        for r in rows.get("observations", [])
    ]
    if observations:
        found.append(p.dependency_trend(observations, now=now, thresholds=t))
    if len(rows.get("measures", [])) >= 2:
        measures = [
            p.MeasureFacts(measured_on=r[1], preoccupied_merger=r[2])
            for r in rows["measures"]
        ]
        found.append(p.dependency_measure_rise(measures, now=now, thresholds=t))
    found.extend(_absence_findings(rows, absences, observations, window, t))
    return [f for f in found if f is not None]


def _absence_findings(
    rows: dict[str, list[tuple[Any, ...]]],
    absences: Sequence[tuple[int, dt.date, dt.date, bool]],
    observations: list[p.ObservationFacts],
    window: ScanWindow,
    t: p.DetectorThresholds,
) -> list[p.Finding | None]:
    now, today = window.now, window.now.date()
    facts = {a[0]: p.AbsenceFacts(a[1], a[2], a[3]) for a in absences}
    found: list[p.Finding | None] = []
    for _, absence_id, during, baseline, answered in rows.get("absence_counts", []):
        absence = facts.get(absence_id)
        if absence is None:
            continue
        counts = p.AbsenceContactCounts(
            absence=absence,
            during=during,
            baseline=baseline,
            baseline_days=_days_outside(absence, facts.values(), t),
            answered_as_planned=answered,
        )
        found.append(p.absence_surge(counts, now=now, thresholds=t))
    upcoming = sorted(
        (a for a in facts.values() if a.starts_on > today),
        key=lambda a: a.starts_on,
    )
    if upcoming and observations:
        found.append(p.absence_ahead(upcoming[0], observations, now=now, thresholds=t))
    return found


def _days_outside(
    absence: p.AbsenceFacts, others: Iterable[p.AbsenceFacts], t: p.DetectorThresholds
) -> int:
    """Days of the baseline weeks before ``absence`` that no absence covered."""
    first = absence.starts_on - dt.timedelta(weeks=t.absence_baseline_weeks)
    covered = set()
    for other in others:
        day = max(other.starts_on, first)
        while day <= other.ends_on and day < absence.starts_on:
            covered.add(day)
            day += dt.timedelta(days=1)
    return 7 * t.absence_baseline_weeks - len(covered)
