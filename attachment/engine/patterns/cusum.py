"""Count-data CUSUM machinery: likelihood-ratio coefficients, Markov-chain ARLs,
the decision-interval table, and the conditional rate-ratio test.

Why a Markov chain: the one-sided CUSUM ``S_t = max(0, S_{t-1} + a*x_t - b)`` on
integer counts is a Markov process on ``[0, h)``.  Discretising that interval
(Brook & Evans, 1972) turns the in-control average run length into one linear
solve, exact enough (checked against simulation to within a few per cent) to
choose ``h`` for any baseline rate and dispersion without simulating at scan
time.  The table below is generated once by :func:`build_h_table` and stored in
``_h_table.py``; a test recomputes some cells so the two cannot drift apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import optimize, stats

# The alternative the CUSUM is tuned to: a doubling of the baseline rate.
RATE_RATIO = 2.0

# Grids of the decision-interval table: baseline mean per week, NB2 dispersion
# phi (variance = mu + phi * mu**2; 0 is Poisson) and the Markov-chain ARL target.
GRID_MU = tuple(round(0.25 * math.sqrt(2) ** i, 6) for i in range(17))  # 0.25..64
GRID_PHI = (0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0)
GRID_ARL = (52.0, 104.0, 208.0, 416.0, 832.0, 1664.0, 3328.0)

_STATES = 200


def llr_coefficients(
    mu0: float | np.ndarray, phi: float | np.ndarray, ratio: float = RATE_RATIO
) -> tuple[np.ndarray, np.ndarray]:
    """Per-week log-likelihood ratio ``a*x - b`` of mean ``ratio*mu0`` against ``mu0``.

    Negative binomial (NB2) with a common dispersion ``phi``; ``phi = 0`` gives the
    Poisson case ``a = ln(ratio)``, ``b = mu1 - mu0``, whose reference value
    ``k = b / a = (mu1 - mu0) / ln(mu1 / mu0)`` is the classic Poisson CUSUM k
    (``mu0 / ln 2`` for a doubling).  Over-dispersion lowers ``a``: one busy week
    is weaker evidence of a sustained rise than under Poisson.
    """
    mu0 = np.asarray(mu0, dtype=float)
    phi = np.asarray(phi, dtype=float)
    mu1 = ratio * mu0
    safe = np.where(phi > 1e-9, phi, 1.0)
    r = 1.0 / safe
    a_nb = np.log(mu1 * (r + mu0) / (mu0 * (r + mu1)))
    b_nb = r * np.log((r + mu1) / (r + mu0))
    poisson = phi <= 1e-9
    a = np.where(poisson, math.log(ratio), a_nb)
    b = np.where(poisson, mu1 - mu0, b_nb)
    return a, b


def _count_pmf(mu: float, phi: float, xmax: int) -> np.ndarray:
    x = np.arange(xmax + 1)
    if phi <= 1e-9:
        pmf: np.ndarray = stats.poisson.pmf(x, mu)
        return pmf
    r = 1.0 / phi
    pmf = stats.nbinom.pmf(x, r, r / (r + mu))
    return pmf


def cusum_arl(h: float, mu0: float, phi: float, *, mu: float | None = None) -> float:
    """Average run length of the CUSUM tuned to ``mu0 -> 2*mu0`` when the true
    weekly mean is ``mu`` (default ``mu0``: the in-control ARL), from a
    Brook-Evans Markov chain with the CUSUM started at zero."""
    a, b = (float(v) for v in llr_coefficients(mu0, phi))
    true_mu = mu0 if mu is None else mu
    # Counts at or beyond xmax always cross h from any state: their mass is
    # simply absorbed (rows of Q sum to less than one).
    xmax = int(math.ceil((h + b) / a)) + 1
    pmf = _count_pmf(true_mu, phi, xmax)
    width = h / _STATES
    values = np.arange(_STATES) * width
    nxt = values[:, None] + a * np.arange(xmax + 1)[None, :] - b
    inside = nxt < h
    target = np.clip(np.rint(nxt / width).astype(int), 0, _STATES - 1)
    rows = np.broadcast_to(np.arange(_STATES)[:, None], nxt.shape)
    weights = np.broadcast_to(pmf[None, :], nxt.shape)
    flat = rows[inside] * _STATES + target[inside]
    q = np.bincount(flat, weights=weights[inside], minlength=_STATES * _STATES)
    q = q.reshape(_STATES, _STATES)
    lengths = np.linalg.solve(np.eye(_STATES) - q, np.ones(_STATES))
    arl = float(lengths[0])
    # A near-singular system (astronomically long runs) can come back negative.
    return arl if math.isfinite(arl) and arl > 0 else math.inf


def decision_interval(mu0: float, phi: float, arl: float) -> float:
    """The ``h`` whose in-control ARL (Markov chain) equals ``arl`` weeks."""

    def gap(h: float) -> float:
        return math.log(cusum_arl(h, mu0, phi)) - math.log(arl)

    low, high = 0.01, 1.0
    if gap(low) >= 0:
        # Even the first week above k would alarm too rarely: h is as low as it gets.
        return low
    while gap(high) < 0:
        high *= 1.5
    return float(optimize.brentq(gap, low, high, xtol=1e-4))


def build_h_table(
    grid_mu: tuple[float, ...] = GRID_MU,
    grid_phi: tuple[float, ...] = GRID_PHI,
    grid_arl: tuple[float, ...] = GRID_ARL,
) -> np.ndarray:
    """Recompute the table (shape mu x phi x arl); the full grid takes about a
    minute.

    Run ``python -m attachment.engine.patterns.cusum`` to regenerate ``_h_table.py``.
    """
    table = np.empty((len(grid_mu), len(grid_phi), len(grid_arl)))
    for i, mu in enumerate(grid_mu):
        for j, phi in enumerate(grid_phi):
            for k, arl in enumerate(grid_arl):
                table[i, j, k] = decision_interval(mu, phi, arl)
    return table


def _load_table() -> np.ndarray:
    from attachment.engine.patterns._h_table import H_TABLE

    return np.asarray(H_TABLE, dtype=float)


_TABLE: np.ndarray | None = None


def lookup_h(
    mu0: np.ndarray | float, phi: np.ndarray | float, arl: np.ndarray | float
) -> np.ndarray:
    """Interpolate ``h`` (linear in log mu, phi and log ARL), clamped to the grid.

    Linear interpolation in log ARL is natural: a CUSUM's ARL grows roughly
    exponentially in ``h``.
    """
    global _TABLE  # noqa: PLW0603 - a lazily loaded read-only constant
    if _TABLE is None:
        _TABLE = _load_table()
    mu0 = np.atleast_1d(np.asarray(mu0, dtype=float))
    phi = np.atleast_1d(np.asarray(phi, dtype=float))
    lm = np.log(np.clip(mu0, GRID_MU[0], GRID_MU[-1]))
    grid_lm = np.log(np.asarray(GRID_MU))
    i, fi = _bracket(grid_lm, lm)
    j, fj = _bracket(np.asarray(GRID_PHI), np.clip(phi, 0.0, GRID_PHI[-1]))
    la = np.log(np.clip(np.asarray(arl, dtype=float), GRID_ARL[0], GRID_ARL[-1]))
    k, fk = _bracket(np.log(np.asarray(GRID_ARL)), np.broadcast_to(la, lm.shape))
    out: np.ndarray = np.zeros_like(lm)
    for di, wi in ((0, 1 - fi), (1, fi)):
        for dj, wj in ((0, 1 - fj), (1, fj)):
            for dk, wk in ((0, 1 - fk), (1, fk)):
                out += wi * wj * wk * _TABLE[i + di, j + dj, k + dk]
    return out


def _bracket(grid: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    idx = np.clip(np.searchsorted(grid, values, side="right") - 1, 0, len(grid) - 2)
    frac = (values - grid[idx]) / (grid[idx + 1] - grid[idx])
    return idx, np.clip(frac, 0.0, 1.0)


@dataclass(frozen=True)
class RateRatioTest:
    """Exact conditional comparison of two Poisson counts over two exposures."""

    ratio: float
    ci_low: float
    ci_high: float
    p_value: float


def rate_ratio_test(
    recent: int, recent_weeks: float, baseline: int, baseline_weeks: float
) -> RateRatioTest:
    """Conditional on the total, the recent count is binomial with
    ``p = w_r * RR / (w_r * RR + w_b)``; the Clopper-Pearson interval for ``p``
    (``scipy.stats.binomtest``) maps monotonically onto the rate ratio ``RR``.
    The p-value is one-sided (recent rate higher than baseline)."""
    total = recent + baseline
    if total == 0:
        return RateRatioTest(ratio=1.0, ci_low=0.0, ci_high=math.inf, p_value=1.0)
    null_p = recent_weeks / (recent_weeks + baseline_weeks)
    result = stats.binomtest(recent, total, null_p, alternative="greater")
    ci = stats.binomtest(recent, total, null_p).proportion_ci(0.95, method="exact")
    scale = baseline_weeks / recent_weeks

    def to_ratio(p: float) -> float:
        return math.inf if p >= 1.0 else p / (1.0 - p) * scale

    ratio = (
        math.inf
        if baseline == 0
        else (recent / recent_weeks) / (baseline / baseline_weeks)
    )
    return RateRatioTest(
        ratio=ratio,
        ci_low=to_ratio(ci.low),
        ci_high=to_ratio(ci.high),
        p_value=float(result.pvalue),
    )


def h_table_source(table: np.ndarray) -> str:
    """The table as the text of ``_h_table.py``: a formatted Python literal."""
    planes = []
    for plane in table:
        cells = "".join(
            "        (" + ", ".join(f"{v:.4f}" for v in cell) + "),\n" for cell in plane
        )
        planes.append(f"    (\n{cells}    ),\n")
    return (
        '"""Generated by ``python -m attachment.engine.patterns.cusum``; do not edit.\n\n'
        "H_TABLE[i][j][k] is the CUSUM decision interval h for GRID_MU[i],\n"
        'GRID_PHI[j] and GRID_ARL[k] (see cusum.py)."""\n\n'
        "H_TABLE = (\n" + "".join(planes) + ")\n"
    )


def write_h_table(table: np.ndarray, path: Path | None = None) -> None:
    """Store the table next to this module (or at ``path``)."""
    target = path or Path(__file__).with_name("_h_table.py")
    target.write_text(h_table_source(table))


if __name__ == "__main__":  # pragma: no cover - regeneration helper
    write_h_table(build_h_table())
