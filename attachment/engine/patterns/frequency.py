"""Rising contact frequency: a windowed negative-binomial CUSUM.

For the week ``T`` that ended last before ``now``, with ``M`` monitored weeks
(default 8), one guard week and up to ``B`` baseline weeks (default 52)::

    ... | baseline: up to B weeks | guard | monitored: M weeks (T-M+1 .. T) |

* **Reference.**  ``mu0`` is the mean weekly count of client-initiated
  contacts over the baseline weeks (weeks the therapist was away left out),
  never below ``rising_rate_floor``; the guard week keeps the first days of a
  rise out of the baseline.  The dispersion ``phi`` (NB2:
  ``variance = mu + phi * mu**2``) is the moment estimate over the same weeks,
  floored at zero: the reference variance is never below the Poisson
  variance ``mu0`` (the variance floor).
* **k.**  The statistic is the one-sided CUSUM of the log-likelihood ratio of
  ``2*mu0`` against ``mu0`` over the monitored weeks,
  ``S_T = max(0, max_L sum_{last L weeks} (a*x_t - b))``.  For a Poisson
  reference ``a = ln 2`` and ``b = mu0``: in count units the reference value is
  ``k = b/a = (mu1-mu0)/ln(mu1/mu0) = mu0/ln 2``.  With ``phi > 0`` the
  negative-binomial ratio gives a smaller ``a`` (one busy week is weaker
  evidence) and its own ``b``.  The ``L`` that attains the maximum dates the
  start of the rise, which is the flag's ``window_start``.
* **h.**  ``h`` is read (interpolated) from a table of Brook-Evans Markov-chain
  solutions (:mod:`.cusum`, exact Poisson and NB probabilities from
  ``scipy.stats``) for the estimated ``mu0`` and ``phi``, at an in-control ARL of
  ``52 / rising_false_alarms_per_year * inflation`` weeks (347 * inflation at
  the default 0.15 false alarms a year, this detector's share of the budget of
  all eight; the table reaches 3,328 weeks, enough for the setting's whole
  range at either inflation).  The Markov chain alone (inflation 1)
  would be right if ``mu0`` and ``phi`` were known; they are estimates, and
  clients whose estimate happens to be low are where false alarms come from.
  The inflation pays for that.  It was calibrated by simulation
  (``manage.py eval_detectors --calibrate``) on plain in-control series, Poisson
  and negative binomial with ``phi`` of 0.25, 0.5 and 1, at 0.5 to 8 contacts a
  week: the smallest factor whose worst case was about 0.5 false alarms a
  client-year.  With 52 baseline weeks that is 2.0 (worst case 0.51, at
  ``phi = 1``; Poisson clients 0.21-0.32); with 26 weeks 4.5.  Between the two
  it is interpolated in log weeks, and fewer than 26 weeks are not judged:
  twelve weeks cannot tell a bursty client from a rising one (even a factor of
  8 left negative-binomial clients near one false alarm a year).
* **Why over-dispersed clients stay within budget.**  A bursty client's
  baseline shows it: ``phi`` rises, ``a`` falls and ``h`` is the one for that
  negative-binomial reference, so one busy week cannot push the CUSUM over.
  The evaluation (``manage.py eval_detectors``) checks this on a separate
  population with holiday gaps and therapist absences.
* **Why 52 weeks rather than 12.**  The oracle knows ``mu0``; the detector
  estimates it.  After six weeks of a doubling from one contact a week, the
  variance of the log rate ratio is ``1/12 + 1/n_baseline`` against the
  oracle's ``1/12``: twice the oracle's with a 12-week baseline, 1.2 times with
  52 weeks.  With 12 or 26 weeks the recall at 1 a week doubling stays near
  65-70% of the oracle's (goal 85%); with 52 weeks it reaches about 88%.
* **Guards.**  The rate floor; at least ``rising_min_recent_contacts`` in the
  recent weeks (0 -> 2 never flags); at least 26 non-absent baseline weeks.
  Weeks the therapist was away are skipped in the monitored window too: a
  surge then is ``absence_surge``'s finding.
* **Evidence and tier.**  The weekly series, the baseline and recent rates, the
  CUSUM and its threshold, and the exact conditional rate-ratio test of the
  recent ``rising_recent_weeks`` against the baseline
  (:func:`.cusum.rate_ratio_test`).  Red when its lower 95% bound exceeds
  ``rising_red_ratio`` (2 by default), yellow otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from attachment.engine.patterns.cusum import (
    GRID_PHI,
    llr_coefficients,
    lookup_h,
    rate_ratio_test,
)
from attachment.engine.patterns.findings import (
    Finding,
    Kind,
    Tier,
    clean_number,
    day_text,
)
from attachment.engine.patterns.inputs import WeeklySeries
from attachment.engine.patterns.thresholds import DetectorThresholds

# The factor by which the Markov-chain ARL target exceeds the wanted in-control
# ARL, by the number of baseline weeks the estimates rest on.  Calibrated by
# simulation with ``manage.py eval_detectors --calibrate`` (see the docstring).
ARL_INFLATION = ((26, 4.5), (52, 2.0))
MIN_BASELINE_WEEKS = 26


def arl_inflation_for(baseline_weeks: npt.NDArray[np.float64]) -> np.ndarray:
    """Interpolate :data:`ARL_INFLATION` linearly in log baseline weeks."""
    weeks = np.log([w for w, _ in ARL_INFLATION])
    factors = [f for _, f in ARL_INFLATION]
    return np.interp(np.log(baseline_weeks), weeks, factors)


@dataclass(frozen=True)
class RisingStats:
    """Per client (row) and week (column) results; ``evaluable`` marks the weeks
    with enough history, every other array is meaningless where it is False."""

    statistic: np.ndarray
    threshold: np.ndarray
    alarm: np.ndarray
    evaluable: np.ndarray
    start: np.ndarray
    baseline_rate: np.ndarray
    baseline_count: np.ndarray
    baseline_weeks: np.ndarray
    dispersion: np.ndarray
    recent_count: np.ndarray
    recent_weeks: np.ndarray


def _prefix(values: np.ndarray) -> npt.NDArray[np.float64]:
    zeros = np.zeros((values.shape[0], 1))
    return np.concatenate([zeros, np.cumsum(values, axis=1)], axis=1)


def _window(
    prefix: npt.NDArray[np.float64], lo: np.ndarray, hi: np.ndarray
) -> npt.NDArray[np.float64]:
    """Sums over columns ``lo .. hi-1`` (indices clipped to the series)."""
    width = prefix.shape[1] - 1
    return prefix[:, np.clip(hi, 0, width)] - prefix[:, np.clip(lo, 0, width)]


def rising_statistics(
    counts: np.ndarray,
    absent: np.ndarray | None,
    thresholds: DetectorThresholds,
    *,
    arl_inflation: float | None = None,
    last_week_only: bool = False,
) -> RisingStats:
    """The detector for every client and every week at once (vectorised).

    ``counts`` is clients x weeks of client-initiated contacts; ``absent`` marks
    the therapist's absence weeks.  Rows of different lengths are padded on
    the left with weeks marked absent, which every window ignores.  With
    ``last_week_only`` only the last column is computed (what a scan needs).  The
    evaluation calls this on thousands of synthetic clients,
    :func:`rising_contact_frequency_many` on a whole clinic, and
    :func:`rising_contact_frequency` on one client.
    """
    counts = np.atleast_2d(np.asarray(counts, dtype=float))
    if absent is None:
        absent = np.zeros(counts.shape, dtype=bool)
    present = ~np.atleast_2d(np.asarray(absent, dtype=bool))
    x = counts * present
    m = thresholds.rising_monitor_weeks
    weeks = np.arange(counts.shape[1])
    if last_week_only:
        weeks = weeks[-1:]
    shape = (counts.shape[0], len(weeks))
    guard = weeks - m
    cs, cp = _prefix(x), _prefix(present.astype(float))
    cs2 = _prefix(x * x)

    base_lo = np.maximum(guard - thresholds.rising_baseline_weeks, 0)
    base_n = _window(cp, base_lo, guard)
    base_sum, base_sq = _window(cs, base_lo, guard), _window(cs2, base_lo, guard)
    evaluable = (guard >= MIN_BASELINE_WEEKS)[None, :] & (base_n >= MIN_BASELINE_WEEKS)

    floor = thresholds.rising_rate_floor
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = base_sum / base_n
        var = (base_sq - base_n * mean**2) / (base_n - 1)
        phi = (var - mean) / np.maximum(mean, floor) ** 2
    rate = np.maximum(np.nan_to_num(mean, nan=floor), floor)
    phi = np.clip(np.nan_to_num(phi, nan=0.0), 0.0, GRID_PHI[-1])
    a, b = llr_coefficients(rate, phi)

    statistic = np.zeros(shape)
    length = np.zeros(shape, dtype=int)
    for span in range(1, m + 1):
        value = a * _window(cs, weeks - span + 1, weeks + 1) - b * _window(
            cp, weeks - span + 1, weeks + 1
        )
        better = value > statistic
        statistic = np.where(better, value, statistic)
        length = np.where(better, span, length)

    inflation = (
        arl_inflation
        if arl_inflation is not None
        else arl_inflation_for(np.maximum(base_n, MIN_BASELINE_WEEKS))
    )
    arl = 52.0 / thresholds.rising_false_alarms_per_year * inflation
    arl = np.broadcast_to(arl, rate.shape).ravel()
    threshold = lookup_h(rate.ravel(), phi.ravel(), arl).reshape(shape)
    recent_lo = weeks - thresholds.rising_recent_weeks + 1
    recent_count = _window(cs, recent_lo, weeks + 1)
    alarm = (
        evaluable
        & (statistic >= threshold)
        & (recent_count >= thresholds.rising_min_recent_contacts)
    )
    return RisingStats(
        statistic=statistic,
        threshold=threshold,
        alarm=alarm,
        evaluable=evaluable,
        start=weeks[None, :] - np.maximum(length, 1) + 1,
        baseline_rate=rate,
        baseline_count=base_sum,
        baseline_weeks=base_n,
        dispersion=phi,
        recent_count=recent_count,
        recent_weeks=_window(cp, recent_lo, weeks + 1),
    )


def rising_contact_frequency(
    series: WeeklySeries, *, now: dt.datetime, thresholds: DetectorThresholds
) -> Finding | None:
    """Flag a client whose client-initiated contacts have risen above their own
    baseline, judged on the last week that ended before ``now``."""
    if not thresholds.rising_enabled:
        return None
    weeks = series.complete_weeks(now)
    if weeks == 0:
        return None
    counts = series.client_initiated[:weeks]
    absent = series.therapist_absent[:weeks]
    stats_ = rising_statistics(
        counts[None, :], absent[None, :], thresholds, last_week_only=True
    )
    last = weeks - 1
    if not stats_.alarm[0, -1]:
        return None
    return _finding(series, stats_, last, thresholds)


def rising_contact_frequency_many(
    series: Sequence[WeeklySeries], *, now: dt.datetime, thresholds: DetectorThresholds
) -> dict[int, Finding]:
    """:func:`rising_contact_frequency` for many clients with one vectorised
    pass; returns the findings by ``client_id`` (most clients have none)."""
    if not thresholds.rising_enabled or not series:
        return {}
    lengths = [s.complete_weeks(now) for s in series]
    width = max(lengths)
    counts = np.zeros((len(series), width))
    absent = np.ones((len(series), width), dtype=bool)
    for row, (one, n) in enumerate(zip(series, lengths, strict=True)):
        if n:
            counts[row, width - n :] = one.client_initiated[:n]
            absent[row, width - n :] = one.therapist_absent[:n]
    alarm = rising_statistics(counts, absent, thresholds, last_week_only=True).alarm[
        :, -1
    ]
    found = {}
    for row in np.flatnonzero(alarm).tolist():
        finding = rising_contact_frequency(series[row], now=now, thresholds=thresholds)
        if finding is not None:
            found[series[row].client_id] = finding
    return found


def _weeks_to(weeks: int, end: dt.date) -> str:
    span = "the week" if weeks == 1 else f"the {weeks} weeks"
    return f"{span} to {day_text(end)}"


def _finding(
    series: WeeklySeries, s: RisingStats, last: int, thresholds: DetectorThresholds
) -> Finding:
    recent, recent_weeks = int(s.recent_count[0, -1]), float(s.recent_weeks[0, -1])
    base, base_weeks = int(s.baseline_count[0, -1]), float(s.baseline_weeks[0, -1])
    test = rate_ratio_test(recent, max(recent_weeks, 1.0), base, base_weeks)
    red = test.ci_low > thresholds.rising_red_ratio
    start = int(s.start[0, -1])
    first = max(
        0, last - thresholds.rising_monitor_weeks - thresholds.rising_baseline_weeks
    )
    recent_rate = recent / max(recent_weeks, 1.0)
    baseline_rate = base / base_weeks
    statistic, threshold = float(s.statistic[0, -1]), float(s.threshold[0, -1])
    evidence = {
        "weeks": [d.isoformat() for d in series.week_starts[first : last + 1]],
        "client_initiated": [int(v) for v in series.client_initiated[first : last + 1]],
        "therapist_absent": [
            bool(v) for v in series.therapist_absent[first : last + 1]
        ],
        "baseline_weeks": int(base_weeks),
        "baseline_contacts": base,
        "baseline_rate_per_week": clean_number(baseline_rate),
        "reference_rate_per_week": clean_number(s.baseline_rate[0, -1]),
        "dispersion_phi": clean_number(s.dispersion[0, -1]),
        "recent_weeks": int(recent_weeks),
        "recent_contacts": recent,
        "recent_rate_per_week": clean_number(recent_rate),
        "rate_ratio": clean_number(test.ratio),
        "rate_ratio_ci95": [clean_number(test.ci_low), clean_number(test.ci_high)],
        "rate_ratio_p_value": clean_number(test.p_value, 6),
        "cusum": clean_number(statistic),
        "cusum_threshold": clean_number(threshold),
        "cusum_rise_started": series.week_starts[start].isoformat(),
    }
    begins = series.week_starts[start]
    end = series.week_starts[last] + dt.timedelta(days=6)
    return Finding(
        kind=Kind.RISING_CONTACT_FREQUENCY,
        tier=Tier.RED if red else Tier.YELLOW,
        window_start=series.week_starts[start],
        window_end=series.week_starts[last] + dt.timedelta(days=6),
        score=round(statistic / threshold, 3),
        evidence=evidence,
        explanation=(
            f"Contacts from the client rose to about {recent_rate:.1f} a week in "
            f"{_weeks_to(int(recent_weeks), end)} ({recent} contacts), "
            f"against a usual {baseline_rate:.1f} a week; the rise began in the "
            f"week of {day_text(begins)}."
            if np.isfinite(test.ratio)
            else f"Contacts from the client rose to {recent} in "
            f"{_weeks_to(int(recent_weeks), end)}, after none in the "
            f"weeks before; the rise began in the week of {day_text(begins)}."
        ),
    )
