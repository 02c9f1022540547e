"""Labelled synthetic histories for the seven detectors that read records.

(Rising contact frequency has its own weekly histories in
:mod:`attachment.engine.synthetic`.)  Everything is drawn from a seeded
``numpy.random.Generator``; nothing here is, or resembles, real client data.
Each history runs from :data:`START` for ``WARMUP_WEEKS`` weeks, which give the
detectors their look-back, and then ``EVALUATION_WEEKS`` weeks in which the
scans are counted.  A true-pattern client carries the day its pattern began
(``onset``); a stable client carries ``None``.

The models describe therapy going as usual and the patterns the detectors are
meant to find, in the terms of the records (contacts and their derived policy
facts, absences and the cover's replies, ruptures and repair attempts,
observations and measures, weekly reply counts and times, the ending date).
Their parameters are constants of this module, listed with their reasons in
``attachment/engine/EVALUATION.md``; they were fixed before the detectors were
run on them and are not tuned to any result.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from attachment.engine import synthetic

START = dt.date(2024, 1, 1)  # a Monday
WARMUP_WEEKS = 26
EVALUATION_WEEKS = 52
RATES = synthetic.BASELINE_RATES  # client-initiated contacts a week
HOLIDAYS_PER_YEAR = 1.5  # the client's own breaks, unknown to the system
ABSENCES_PER_YEAR = 2.0  # the therapist's, recorded

# Contacts outside the agreement (policy pattern)
SLIP_AFTER_HOURS = 0.03
SLIP_CHANNEL = 0.02
CRISIS_SHARE = 0.05
PATTERN_OUTSIDE_PER_WEEK = 1.5

# Absences
COVER_SHARE = 0.5  # of absences with a covering therapist
COVER_ANSWERS = 0.5  # of the client's contacts during a covered absence
SURGE = 3.0

# Ruptures, noticed and repaired in weekly sessions
RUPTURE_PER_SESSION = 0.15
REPAIR_SAME_SESSION = 0.5
REPAIR_PER_SESSION = 0.7
REPAIR_SUCCESS = 0.75
REPEATED_RUPTURE_PER_SESSION = 0.6
REPEATED_REPAIR_SUCCESS = 0.1

# Dependency observations and the preoccupied-merger measure (1-6 scale)
OBSERVED_PER_SESSION = 0.6
INTENSITY_SD = 0.7
SECURE_SHARE = 0.2
FEAR_SHARE = 0.3
ESCALATION_PER_WEEK = 0.25
MEASURE_EVERY_WEEKS = 12
MEASURE_SD = 0.8  # between clients
MEASURE_RELIABILITY = 0.8  # the instrument's, hence its error
MEASURE_RISE = 1.0

# The therapist's replies
SEQUENCE_RATES = (1.0, 2.0, 4.0)
OVEREXTENSION_WEEKS = 8
ENDED_SHARE = 0.25
AFTER_ENDING_CONTACT_SHARE = 0.3  # of the usual rate, for eight weeks


def day(index: int | np.integer) -> dt.date:
    return START + dt.timedelta(days=int(index))


def at(index: int | np.integer, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day(index), dt.time(hour), dt.UTC)


def total_days() -> int:
    return 7 * (WARMUP_WEEKS + EVALUATION_WEEKS)


def _onset_day(rng: np.random.Generator, latest_week: int) -> int:
    """A day in the evaluation weeks, early enough to leave ``latest_week``
    weeks of history after it."""
    last = max(WARMUP_WEEKS + 1, WARMUP_WEEKS + EVALUATION_WEEKS - latest_week)
    return int(rng.integers(7 * WARMUP_WEEKS, 7 * last))


def _breaks(rng: np.random.Generator, days: int, per_year: float) -> np.ndarray:
    """Boolean days: runs of one or two whole weeks, ``per_year`` a year."""
    mask = np.zeros(days, dtype=bool)
    for week in range(days // 7):
        if rng.random() < per_year / 52.0:
            mask[7 * week : 7 * (week + int(rng.integers(1, 3)))] = True
    return mask


def _daily_contacts(
    rng: np.random.Generator, rate: float, days: int, holidays: np.ndarray
) -> np.ndarray:
    counts = rng.poisson(rate / 7.0, size=days)
    counts[holidays] = 0
    return counts


# -- contacts and the agreement ------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """One client-initiated contact with the facts the contact service derives."""

    on: int  # day index
    after_hours: bool = False
    outside_agreement: bool = False
    over_weekly_limit: bool = False
    crisis: bool = False


@dataclass(frozen=True)
class ContactClient:
    rate: float
    weekly_limit: int
    contacts: tuple[Contact, ...]
    onset: int | None = None
    ended_on: int | None = None
    after_ending_allowed: bool = False


def agreed_weekly_limit(rate: float) -> int:
    """The agreement allows about twice the client's usual weekly contacts."""
    return max(2, math.ceil(2 * rate))


def _with_weekly_limit(contacts: list[Contact], limit: int) -> tuple[Contact, ...]:
    """Mark the contacts beyond the weekly limit (crisis contacts never count
    toward it), as the contact service derives them at write time."""
    out: list[Contact] = []
    seen: dict[int, int] = {}
    for c in sorted(contacts, key=lambda c: c.on):
        if c.crisis:
            out.append(c)
            continue
        week = c.on // 7
        seen[week] = seen.get(week, 0) + 1
        if seen[week] > limit:
            c = Contact(c.on, c.after_hours, c.outside_agreement, True, c.crisis)
        out.append(c)
    return tuple(out)


def _usual_contacts(
    rng: np.random.Generator, rate: float, days: int, until: int | None = None
) -> list[Contact]:
    counts = _daily_contacts(rng, rate, days, _breaks(rng, days, HOLIDAYS_PER_YEAR))
    contacts = []
    for d in np.repeat(np.arange(days), counts).tolist():
        if until is not None and d > until:
            break
        crisis = rng.random() < CRISIS_SHARE
        u = rng.random()
        contacts.append(
            Contact(
                d,
                after_hours=crisis or u < SLIP_AFTER_HOURS,
                outside_agreement=(
                    not crisis
                    and SLIP_AFTER_HOURS <= u < SLIP_AFTER_HOURS + SLIP_CHANNEL
                ),
                crisis=crisis,
            )
        )
    return contacts


def policy_population(
    rng: np.random.Generator, clients: int, *, pattern: bool
) -> list[ContactClient]:
    """Clients under an agreement.  Stable: they keep to it, with an
    occasional slip (3% of contacts after hours, 2% on a channel or for a
    purpose not agreed) and crisis contacts (5%, after hours, which never
    count).  Pattern: from the onset, an extra 1.5 contacts a week outside
    the agreement (after hours or on a channel not agreed)."""
    days = total_days()
    out = []
    for i in range(clients):
        rate = RATES[i % len(RATES)]
        contacts = _usual_contacts(rng, rate, days)
        onset = None
        if pattern:
            onset = _onset_day(rng, 8)
            extra = rng.poisson(PATTERN_OUTSIDE_PER_WEEK / 7.0, size=days - onset)
            for d in (onset + np.repeat(np.arange(days - onset), extra)).tolist():
                late = bool(rng.random() < 0.5)
                contacts.append(
                    Contact(d, after_hours=late, outside_agreement=not late)
                )
        limit = agreed_weekly_limit(rate)
        out.append(
            ContactClient(rate, limit, _with_weekly_limit(contacts, limit), onset)
        )
    return out


def after_ending_population(
    rng: np.random.Generator, clients: int, *, pattern: bool
) -> list[ContactClient]:
    """Clients whose therapy ends in the evaluation weeks; half of their
    agreements allow contact after the ending (at most one a week).

    Stable: those allowed send a check-in now and then (one in a week with
    probability 0.2, never more); the others stop at the ending (contacts on
    the ending day itself are still within therapy).  Pattern: contact the
    agreement does not allow: without an allowance, contact goes on at half
    the usual rate; with one, weeks of two or three contacts.  The onset is
    the first such contact."""
    days = total_days()
    out = []
    for i in range(clients):
        rate = RATES[i % len(RATES)]
        allowed = bool(i // len(RATES) % 2)
        ended = _onset_day(rng, 12)
        contacts = _usual_contacts(rng, rate, days, until=ended)
        after: list[Contact] = []
        # calendar weeks after the ending week, as the weekly limit counts them
        for week_start in range(7 * (ended // 7 + 1), days, 7):
            if not pattern:
                n = int(allowed and rng.random() < 0.2)
            elif allowed:
                n = int(rng.integers(2, 4))
            else:
                n = int(rng.poisson(rate / 2))
            for d in sorted(rng.integers(week_start, week_start + 7, size=n).tolist()):
                if d < days:
                    after.append(Contact(d))
        if allowed:
            after = list(_with_weekly_limit(after, 1))
        onset = None
        if pattern:
            beyond = [c.on for c in after if not allowed or c.over_weekly_limit]
            if not beyond:
                continue
            onset = beyond[0]
        out.append(
            ContactClient(
                rate,
                agreed_weekly_limit(rate),
                tuple(contacts + after),
                onset,
                ended_on=ended,
                after_ending_allowed=allowed,
            )
        )
    return out


# -- absences --------------------------------------------------------------------


@dataclass(frozen=True)
class Absence:
    starts: int
    ends: int  # inclusive day index
    has_cover: bool
    surge: bool = False


@dataclass(frozen=True)
class AbsenceClient:
    rate: float
    absences: tuple[Absence, ...]
    to_therapist: np.ndarray  # daily client contacts the cover did not answer
    all_contacts: np.ndarray  # daily client contacts
    cover_answered: np.ndarray  # daily client contacts the cover answered
    onset: int | None = None

    @cached_property
    def away(self) -> np.ndarray:
        """Boolean days: the therapist is away."""
        mask = np.zeros(len(self.all_contacts), dtype=bool)
        for a in self.absences:
            mask[a.starts : a.ends + 1] = True
        return mask


def _absences(rng: np.random.Generator, days: int, first: int) -> list[Absence]:
    out: list[Absence] = []
    d = first
    while True:
        d += int(rng.exponential(365 / ABSENCES_PER_YEAR))
        length = int(rng.integers(5, 22))
        if d + length >= days:
            return out
        out.append(Absence(d, d + length - 1, bool(rng.random() < COVER_SHARE)))
        d += length


def absence_population(
    rng: np.random.Generator, clients: int, *, pattern: bool
) -> list[AbsenceClient]:
    """Clients of a therapist who is away about twice a year for one to three
    weeks, half the time with a covering therapist.  Stable: the client
    contacts at the usual rate while the therapist is away, and a cover
    answers half of those contacts as the plan says (those do not count).
    Pattern: in one absence of two to three weeks in the evaluation weeks the
    client contacts the therapist at three times the usual rate and no cover
    answers."""
    days = total_days()
    out = []
    for i in range(clients):
        rate = RATES[i % len(RATES)]
        absences = _absences(rng, days, 7 * 12)
        onset = None
        if pattern:
            onset = _onset_day(rng, 4)
            absences = [
                a for a in absences if a.ends < onset - 7 * 12 or a.starts > onset + 28
            ]
            length = int(rng.integers(14, 22))
            absences.append(Absence(onset, onset + length - 1, False, surge=True))
            absences.sort(key=lambda a: a.starts)
        mean = np.full(days, rate / 7.0)
        holidays = _breaks(rng, days, HOLIDAYS_PER_YEAR)
        answered = np.zeros(days, dtype=bool)
        for a in absences:
            holidays[a.starts : a.ends + 1] = False
            if a.surge:
                mean[a.starts : a.ends + 1] *= SURGE
            elif a.has_cover:
                answered[a.starts : a.ends + 1] = True
        counts = rng.poisson(mean)
        counts[holidays] = 0
        covered = np.where(answered, rng.binomial(counts, COVER_ANSWERS), 0)
        out.append(
            AbsenceClient(
                rate, tuple(absences), counts - covered, counts, covered, onset
            )
        )
    return out


# -- ruptures -----------------------------------------------------------------------


@dataclass(frozen=True)
class Rupture:
    noticed: int
    severity: int
    attempts: tuple[int, ...]  # day indices
    repaired: int | None  # the day of the successful attempt


@dataclass(frozen=True)
class RuptureClient:
    ruptures: tuple[Rupture, ...]
    onset: int | None = None


def _sessions(rng: np.random.Generator, days: int) -> np.ndarray:
    """Weekly session days, without the weeks of a break."""
    weekday = int(rng.integers(0, 5))
    days_ = np.arange(weekday, days, 7)
    off = _breaks(rng, days, HOLIDAYS_PER_YEAR)
    sessions: np.ndarray = days_[~off[days_]]
    return sessions


def _repair(
    rng: np.random.Generator,
    sessions: np.ndarray,
    noticed: int,
    success: float,
    avoided: bool = False,
) -> tuple[tuple[int, ...], int | None]:
    """Repair attempts: in the session the rupture was noticed with probability
    ``REPAIR_SAME_SESSION``, then in each later session with probability
    ``REPAIR_PER_SESSION`` until one succeeds."""
    if avoided:
        return (), None
    attempts: list[int] = []
    later = sessions[sessions > noticed].tolist()
    if rng.random() < REPAIR_SAME_SESSION:
        later = [noticed, *later]
    for d in later:
        if d != noticed and rng.random() >= REPAIR_PER_SESSION:
            continue
        attempts.append(d)
        if rng.random() < success:
            return tuple(attempts), d
    return tuple(attempts), None


def _severity(rng: np.random.Generator) -> int:
    return int(rng.choice((1, 2, 3), p=(0.6, 0.3, 0.1)))


def rupture_population(
    rng: np.random.Generator, clients: int, *, pattern: str | None
) -> list[RuptureClient]:
    """Ruptures noticed in weekly sessions (15% of sessions).  Stable: a
    repair is attempted in the same session half the time, otherwise at each
    later session with probability 0.7, and succeeds three times in four.
    ``pattern="unrepaired"``: at the onset a rupture no one attempts to repair.
    ``pattern="repeated"``: from the onset ruptures in 60% of sessions, which
    the attempts rarely repair (one in ten)."""
    days = total_days()
    out = []
    for _ in range(clients):
        sessions = _sessions(rng, days)
        onset = None
        if pattern:
            onset = int(sessions[np.searchsorted(sessions, _onset_day(rng, 8))])
        ruptures = []
        for s in sessions.tolist():
            repeated = pattern == "repeated" and onset is not None and s >= onset
            p = REPEATED_RUPTURE_PER_SESSION if repeated else RUPTURE_PER_SESSION
            avoided = pattern == "unrepaired" and s == onset
            if not (avoided or rng.random() < p):
                continue
            success = REPEATED_REPAIR_SUCCESS if repeated else REPAIR_SUCCESS
            attempts, repaired = _repair(rng, sessions, s, success, avoided)
            ruptures.append(Rupture(s, _severity(rng), attempts, repaired))
        out.append(RuptureClient(tuple(ruptures), onset))
    return out


# -- observations and measures ----------------------------------------------------


@dataclass(frozen=True)
class Observation:
    on: int
    intensity: int
    fear_of_abandonment: bool
    internalised_security: bool


@dataclass(frozen=True)
class DependencyClient:
    observations: tuple[Observation, ...]
    measures: tuple[tuple[int, float], ...]  # (day, preoccupied-merger score)
    onset: int | None = None


def measure_error_sd() -> float:
    return MEASURE_SD * math.sqrt(1 - MEASURE_RELIABILITY)


def dependency_population(
    rng: np.random.Generator, clients: int, *, pattern: str | None
) -> list[DependencyClient]:
    """Observations in 60% of weekly sessions, intensity 0-4 around the
    client's own level (1, 2 or 3; rounded normal, SD 0.7), fear of
    abandonment among the markers in 30%; 20% are *internalised security*
    observations, whose intensity grows by two points over the history (a
    year and a half) for half the clients (a client growing more secure).
    The preoccupied-merger score is measured every 12 weeks: the client's
    true score (mean 2.5, SD 0.6) plus the error of an instrument with
    reliability 0.8 and a score SD of 0.8 (error SD 0.36).
    ``pattern="observations"``: from the onset the intensity rises by a
    quarter point a week.  ``pattern="measure"``: the true score rises by one
    point at the onset (seen at the next measure)."""
    days = total_days()
    out = []
    for i in range(clients):
        level = 1 + i % 3
        growing = bool(i % 2)
        sessions = _sessions(rng, days)
        onset = _onset_day(rng, 13) if pattern else None
        observations = []
        for s in sessions.tolist():
            if rng.random() >= OBSERVED_PER_SESSION:
                continue
            if rng.random() < SECURE_SHARE:
                mean = 1 + (2 * s / days if growing else 0)
                secure = True
            else:
                mean = level
                if pattern == "observations" and onset is not None and s >= onset:
                    mean += ESCALATION_PER_WEEK * (s - onset) / 7
                secure = False
            intensity = int(np.clip(round(rng.normal(mean, INTENSITY_SD)), 0, 4))
            fear = not secure and rng.random() < FEAR_SHARE
            observations.append(Observation(s, intensity, fear, secure))
        true_score = float(np.clip(rng.normal(2.5, 0.6), 1.0, 5.0))
        measures = []
        first = int(rng.integers(0, 7 * MEASURE_EVERY_WEEKS))
        for d in range(first, days, 7 * MEASURE_EVERY_WEEKS):
            d += int(rng.integers(-3, 4))
            score = true_score + (
                MEASURE_RISE
                if pattern == "measure" and onset is not None and d >= onset
                else 0
            )
            observed = float(np.clip(rng.normal(score, measure_error_sd()), 1.0, 6.0))
            measures.append((max(d, 0), round(observed, 2)))
        out.append(DependencyClient(tuple(observations), tuple(measures), onset))
    return out


# -- the therapist's replies, week by week ---------------------------------------


@dataclass(frozen=True)
class TherapistClient:
    """Weekly aggregates as :class:`~attachment.engine.patterns.WeeklySeries`
    holds them, for the whole history."""

    rate: float
    client_initiated: np.ndarray
    therapist_initiated: np.ndarray
    replied: np.ndarray
    after_hours_replies: np.ndarray
    median_response_minutes: np.ndarray
    therapist_absent: np.ndarray
    ended_on: int | None = None
    onset: int | None = None  # overextension begins
    withdrawal: int | None = None  # withdrawal begins


def therapist_population(
    rng: np.random.Generator, clients: int, *, pattern: bool
) -> list[TherapistClient]:
    """The therapist's replies to one client.  Each therapist-client pair has
    its own habits: a share of contacts answered (0.6-0.98), a usual reply
    time (1-12 hours, weekly medians varying by a factor of about 1.6), a
    share of replies after hours (2-15%) and 0.2 therapist-initiated contacts
    a week.  The therapist is away about twice a year (those weeks are marked
    and contact halves).  Stable: those habits hold; a quarter of the clients
    end therapy in the evaluation weeks and go on writing for eight weeks at
    a third of their rate, which the therapist, holding the ending, does not
    answer.  Pattern (the overextend-then-withdraw sequence, clients at 1-4
    contacts a week): from the onset, eight weeks in which every contact is
    answered, four times faster, half of the replies after hours and 1.5
    therapist-initiated contacts a week; then replies fall to 30% of
    contacts, four times slower than usual, and the therapist stops writing
    first."""
    weeks = WARMUP_WEEKS + EVALUATION_WEEKS
    rates = SEQUENCE_RATES if pattern else RATES
    out = []
    for i in range(clients):
        rate = rates[i % len(rates)]
        share = float(rng.uniform(0.6, 0.98))
        usual = float(rng.uniform(60, 720))
        late = float(rng.uniform(0.02, 0.15))
        initiated = np.full(weeks, 0.2)
        reply_share = np.full(weeks, share)
        minutes = np.full(weeks, usual)
        late_share = np.full(weeks, late)
        mean = np.full(weeks, rate)
        absent = np.zeros(weeks, dtype=bool)
        for w in range(weeks):
            if rng.random() < ABSENCES_PER_YEAR / 52.0:
                absent[w : w + int(rng.integers(1, 3))] = True
        onset = withdrawal = ended = None
        if pattern:
            start = int(rng.integers(WARMUP_WEEKS, weeks - OVEREXTENSION_WEEKS - 4))
            stop = start + OVEREXTENSION_WEEKS
            onset, withdrawal = 7 * start, 7 * stop
            absent[start - 1 : stop + 4] = False
            reply_share[start:stop], minutes[start:stop] = 1.0, usual / 4
            late_share[start:stop], initiated[start:stop] = 0.5, 1.5
            reply_share[stop:], minutes[stop:], initiated[stop:] = 0.3, usual * 4, 0.0
        elif rng.random() < ENDED_SHARE:
            end_week = int(rng.integers(WARMUP_WEEKS, weeks - 2))
            ended = 7 * end_week + int(rng.integers(0, 5))
            mean[end_week + 1 :] *= AFTER_ENDING_CONTACT_SHARE
            mean[end_week + 9 :] = 0.0
            reply_share[end_week + 1 :] = initiated[end_week + 1 :] = 0.0
        mean = np.where(absent, mean / 2, mean)
        holidays = _breaks(rng, 7 * weeks, HOLIDAYS_PER_YEAR)[::7]
        counts = rng.poisson(mean) * ~holidays
        replied = rng.binomial(counts, np.where(absent, 0.2, reply_share))
        median = np.where(
            replied > 0, minutes * np.exp(rng.normal(0, 0.5, size=weeks)), np.nan
        )
        out.append(
            TherapistClient(
                rate=rate,
                client_initiated=counts.astype(float),
                therapist_initiated=rng.poisson(np.where(absent, 0, initiated)).astype(
                    float
                ),
                replied=replied.astype(float),
                after_hours_replies=rng.binomial(replied, late_share).astype(float),
                median_response_minutes=median,
                therapist_absent=absent,
                ended_on=ended,
                onset=onset,
                withdrawal=withdrawal,
            )
        )
    return out
