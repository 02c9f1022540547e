"""The CUSUM machinery behind the rising-frequency detector: the likelihood
ratio, the run lengths, the decision-interval table (interpolation between its
cells, clamping at its edges, lazy loading, regeneration) and the rate-ratio
test, edge cases included."""

from __future__ import annotations

import math
import pathlib
import warnings

import numpy as np
import pytest
from scipy import stats

from attachment.engine.patterns import cusum
from attachment.engine.patterns._h_table import H_TABLE

TABLE = np.asarray(H_TABLE, dtype=float)


# --- the likelihood ratio ---------------------------------------------------------


def test_the_poisson_reference_value_is_the_likelihood_ratio_k():
    a, b = cusum.llr_coefficients(3.0, 0.0)
    assert float(b / a) == pytest.approx(3.0 / np.log(2))


def test_over_dispersion_weakens_each_contact_as_evidence():
    a_poisson, _ = cusum.llr_coefficients(3.0, 0.0)
    a_bursty, _ = cusum.llr_coefficients(3.0, 0.5)
    assert a_bursty < a_poisson


# --- the decision-interval table --------------------------------------------------


def _by_hand(mu0: float, phi: float, arl: float) -> float:
    """Trilinear interpolation in log mu, phi and log ARL, written out."""

    def bracket(grid, value):
        for i in range(len(grid) - 1):
            if grid[i] <= value <= grid[i + 1]:
                return i, (value - grid[i]) / (grid[i + 1] - grid[i])
        raise AssertionError("value off the grid")

    i, fi = bracket([math.log(m) for m in cusum.GRID_MU], math.log(mu0))
    j, fj = bracket(cusum.GRID_PHI, phi)
    k, fk = bracket([math.log(a) for a in cusum.GRID_ARL], math.log(arl))
    total = 0.0
    for di, wi in ((0, 1 - fi), (1, fi)):
        for dj, wj in ((0, 1 - fj), (1, fj)):
            for dk, wk in ((0, 1 - fk), (1, fk)):
                total += wi * wj * wk * TABLE[i + di, j + dj, k + dk]
    return total


@pytest.mark.parametrize(
    ("mu0", "phi", "arl"),
    [
        (0.3, 0.07, 70.0),  # inside the first cell of every axis
        (2.7, 0.42, 300.0),
        (50.0, 1.8, 3000.0),  # inside the last cell of every axis
    ],
)
def test_h_between_the_grid_points_is_interpolated(mu0, phi, arl):
    got = float(cusum.lookup_h(mu0, phi, arl)[0])
    assert got == pytest.approx(_by_hand(mu0, phi, arl), rel=1e-12)


def test_h_at_the_last_grid_point_is_the_last_cell():
    got = cusum.lookup_h(cusum.GRID_MU[-1], cusum.GRID_PHI[-1], cusum.GRID_ARL[-1])
    assert float(got[0]) == pytest.approx(TABLE[-1, -1, -1], rel=1e-12)


def test_values_beyond_the_grid_read_its_edge_without_numeric_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        low = cusum.lookup_h([0.0, 0.1], [-0.5, -0.5], [0.0, 10.0])
        high = cusum.lookup_h([100.0, 1e6], [5.0, 5.0], 1e5)
    assert low.tolist() == pytest.approx([TABLE[0, 0, 0]] * 2, rel=1e-12)
    assert high.tolist() == pytest.approx([TABLE[-1, -1, -1]] * 2, rel=1e-12)


def test_the_table_is_loaded_on_first_use(monkeypatch):
    monkeypatch.setattr(cusum, "_TABLE", None)
    got = cusum.lookup_h(cusum.GRID_MU[3], cusum.GRID_PHI[2], cusum.GRID_ARL[1])
    assert float(got[0]) == pytest.approx(TABLE[3, 2, 1], rel=1e-12)
    assert np.array_equal(cusum._TABLE, TABLE)
    assert np.array_equal(cusum._load_table(), TABLE)


def test_the_stored_table_is_exactly_what_the_writer_produces():
    stored = pathlib.Path(cusum.__file__).with_name("_h_table.py").read_text()
    assert cusum.h_table_source(TABLE) == stored


def test_rebuilding_part_of_the_grid_gives_the_stored_cells():
    # The cheapest corner of the grid, two points along each axis.
    part = cusum.build_h_table(
        cusum.GRID_MU[:2], cusum.GRID_PHI[:2], cusum.GRID_ARL[:2]
    )
    assert part.shape == (2, 2, 2)
    assert np.allclose(part, TABLE[:2, :2, :2], atol=5e-5, rtol=0)


def test_the_writer_writes_the_source_to_the_path_given(tmp_path):
    target = tmp_path / "_h_table.py"
    cusum.write_h_table(TABLE, target)
    assert target.read_text() == cusum.h_table_source(TABLE)


@pytest.mark.parametrize(("i", "j", "k"), [(4, 0, 1), (10, 5, 3)])
def test_the_stored_h_table_matches_a_fresh_computation(i, j, k):
    fresh = cusum.decision_interval(
        cusum.GRID_MU[i], cusum.GRID_PHI[j], cusum.GRID_ARL[k]
    )
    stored = cusum.lookup_h(cusum.GRID_MU[i], cusum.GRID_PHI[j], cusum.GRID_ARL[k])
    assert float(stored[0]) == pytest.approx(fresh, abs=2e-3)


# --- run lengths ------------------------------------------------------------------


def test_a_doubled_rate_shortens_the_run_length():
    in_control = cusum.cusum_arl(3.0, 1.0, 0.0)
    doubled = cusum.cusum_arl(3.0, 1.0, 0.0, mu=2.0)
    assert doubled < in_control / 4
    assert cusum.cusum_arl(3.0, 1.0, 0.0, mu=1.0) == in_control


def test_a_dispersion_at_the_poisson_tolerance_is_poisson():
    assert cusum.cusum_arl(3.0, 1.0, 1e-9) == cusum.cusum_arl(3.0, 1.0, 0.0)


def test_the_markov_chain_arl_agrees_with_simulation():
    rng = np.random.default_rng(7)
    h = cusum.decision_interval(1.0, 0.0, 104.0)
    counts = rng.poisson(1.0, size=(2000, 520))
    s = np.zeros(2000)
    alarms = 0
    for week in range(counts.shape[1]):
        s = np.maximum(0.0, s + np.log(2) * counts[:, week] - 1.0)
        alarms += int((s >= h).sum())
        s[s >= h] = 0.0
    simulated_arl = counts.size / alarms
    assert simulated_arl == pytest.approx(104.0, rel=0.1)


# --- the rate-ratio test ----------------------------------------------------------


def test_no_contacts_at_all_give_an_uninformative_test():
    assert cusum.rate_ratio_test(0, 3, 0, 52) == cusum.RateRatioTest(
        ratio=1.0, ci_low=0.0, ci_high=math.inf, p_value=1.0
    )


def test_the_rate_ratio_p_value_is_one_sided():
    test = cusum.rate_ratio_test(
        recent=1, recent_weeks=3, baseline=40, baseline_weeks=52
    )
    greater = stats.binomtest(1, 41, 3 / 55, alternative="greater").pvalue
    assert test.p_value == pytest.approx(greater, rel=1e-12)
    assert test.p_value > 0.5


def test_a_target_shorter_than_the_first_weeks_gives_the_smallest_interval():
    # Even an h of 0.01 runs longer than one week on average.
    assert cusum.decision_interval(1.0, 0.0, 1.0) == 0.01


def test_an_astronomically_long_run_is_reported_as_infinite():
    assert cusum.cusum_arl(50.0, 0.25, 0.0) == math.inf
    assert math.isfinite(cusum.cusum_arl(3.0, 0.25, 0.0))


def test_h_stays_at_its_floor_when_even_the_floor_alarms_too_rarely():
    # The run length at the floor is 1.5 times the target: any h would do,
    # and the smallest is the one taken (without a search that cannot
    # bracket a root).
    floor_arl = cusum.cusum_arl(0.01, 0.5, 0.0)
    assert cusum.decision_interval(0.5, 0.0, floor_arl / 1.5) == 0.01


def test_the_rate_ratio_interval_is_the_exact_binomial_one_transformed():
    test = cusum.rate_ratio_test(
        recent=18, recent_weeks=3, baseline=52, baseline_weeks=52
    )
    assert test.ratio == pytest.approx(6.0)
    assert test.ci_low < 6.0 < test.ci_high
    assert test.ci_low > 2.0
    assert test.p_value < 0.001
    even = cusum.rate_ratio_test(
        recent=3, recent_weeks=3, baseline=52, baseline_weeks=52
    )
    assert even.ci_low < 1.0 < even.ci_high
    assert even.p_value > 0.3
