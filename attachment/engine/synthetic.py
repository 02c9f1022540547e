"""Labelled synthetic weekly histories for evaluating rising contact frequency.

(The other seven detectors' histories are in
:mod:`attachment.engine.evaluation.populations`.)

Everything is drawn from a seeded ``numpy.random.Generator`` so a run can be
repeated exactly.  Nothing here is, or resembles, real client data.

* **Stable clients** keep one contact rate (0.5, 1, 2 or 4 client-initiated
  contacts a week).  Half are Poisson; half are over-dispersed
  (gamma-Poisson, i.e. negative binomial with ``variance = mu + phi * mu**2``,
  ``phi = 0.5`` by default: a client at 4 a week has a variance of 12, not 4).
  Both kinds take holiday gaps (whole weeks with no contact, which the system
  cannot know about) and live through their therapist's absences (known to
  the system, marked in ``absent``; contact halves while the therapist is
  away).
* **Rising clients** are Poisson at a baseline rate until ``change_week``,
  then at ``rise`` times that rate: the textbook case the oracle is built for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BASELINE_RATES = (0.5, 1.0, 2.0, 4.0)
RISES = (1.5, 2.0, 3.0)
OVERDISPERSED_PHI = 0.5


@dataclass(frozen=True)
class Histories:
    """Clients x weeks of client-initiated counts with their labels.

    ``kind`` is ``"poisson"``, ``"overdispersed"`` or ``"rising"``; ``rise`` is
    1 for stable clients and ``change_week`` is -1 for them.
    """

    counts: np.ndarray
    absent: np.ndarray
    kind: np.ndarray
    rate: np.ndarray
    rise: np.ndarray
    change_week: np.ndarray

    def select(self, mask: np.ndarray) -> Histories:
        return Histories(
            counts=self.counts[mask],
            absent=self.absent[mask],
            kind=self.kind[mask],
            rate=self.rate[mask],
            rise=self.rise[mask],
            change_week=self.change_week[mask],
        )


def _episodes(
    rng: np.random.Generator, n: int, weeks: int, per_year: float, longest: int
) -> np.ndarray:
    """Boolean clients x weeks: runs of 1..longest weeks, ``per_year`` a year."""
    mask = np.zeros((n, weeks), dtype=bool)
    starts = rng.random((n, weeks)) < per_year / 52.0
    lengths = rng.integers(1, longest + 1, size=(n, weeks))
    for offset in range(longest):
        shifted = np.zeros_like(mask)
        shifted[:, offset:] = starts[:, : weeks - offset] & (
            lengths[:, : weeks - offset] > offset
        )
        mask |= shifted
    return mask


def stable_histories(
    rng: np.random.Generator,
    *,
    clients: int,
    weeks: int,
    overdispersed: bool,
    rates: tuple[float, ...] = BASELINE_RATES,
    phi: float = OVERDISPERSED_PHI,
    holidays_per_year: float = 1.5,
    absences_per_year: float = 2.0,
) -> Histories:
    """Stable clients spread evenly over ``rates``."""
    rate = np.repeat(np.asarray(rates), -(-clients // len(rates)))[:clients]
    mean = np.broadcast_to(rate[:, None], (clients, weeks)).astype(float)
    absent = _episodes(rng, clients, weeks, absences_per_year, 2)
    mean = np.where(absent, mean * 0.5, mean)
    if overdispersed:
        shape = 1.0 / phi
        mean = rng.gamma(shape, mean / shape)
    counts = rng.poisson(mean)
    holiday = _episodes(rng, clients, weeks, holidays_per_year, 2)
    counts[holiday] = 0
    return Histories(
        counts=counts,
        absent=absent,
        kind=np.full(clients, "overdispersed" if overdispersed else "poisson"),
        rate=rate,
        rise=np.ones(clients),
        change_week=np.full(clients, -1),
    )


def rising_histories(
    rng: np.random.Generator,
    *,
    clients_per_cell: int,
    weeks_before: int,
    weeks_after: int,
    rates: tuple[float, ...] = BASELINE_RATES,
    rises: tuple[float, ...] = RISES,
) -> Histories:
    """Poisson clients whose rate is multiplied by ``rise`` at ``weeks_before``."""
    cells = [(r, k) for r in rates for k in rises]
    rate = np.repeat([c[0] for c in cells], clients_per_cell)
    rise = np.repeat([c[1] for c in cells], clients_per_cell)
    weeks = weeks_before + weeks_after
    after = np.arange(weeks)[None, :] >= weeks_before
    mean = rate[:, None] * np.where(after, rise[:, None], 1.0)
    n = len(rate)
    return Histories(
        counts=rng.poisson(mean),
        absent=np.zeros((n, weeks), dtype=bool),
        kind=np.full(n, "rising"),
        rate=rate.astype(float),
        rise=rise.astype(float),
        change_week=np.full(n, weeks_before),
    )


def poisson_cusum_alarms(
    counts: np.ndarray, rate0: np.ndarray, rate1: np.ndarray, h: np.ndarray
) -> np.ndarray:
    """The oracle: a Poisson CUSUM that knows each client's true rates before
    and after the change, restarted at zero after every alarm."""
    rate0 = np.asarray(rate0, dtype=float)
    rate1 = np.asarray(rate1, dtype=float)
    a = np.log(rate1 / rate0)
    b = rate1 - rate0
    h = np.broadcast_to(np.asarray(h, dtype=float), rate0.shape)
    s = np.zeros(counts.shape[0])
    alarms = np.zeros(counts.shape, dtype=bool)
    for week in range(counts.shape[1]):
        s = np.maximum(0.0, s + a * counts[:, week] - b)
        fired = s >= h
        alarms[:, week] = fired
        s[fired] = 0.0
    return alarms
