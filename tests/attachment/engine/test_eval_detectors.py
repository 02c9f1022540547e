"""A small, fast run of the detector evaluation (the full run is a command)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from attachment.engine import synthetic
from attachment.engine.evaluation import report
from attachment.engine.patterns import DetectorThresholds
from attachment.management.commands import eval_detectors as ev


@pytest.fixture(scope="module")
def small_run() -> ev.Evaluation:
    return ev.evaluate(seed=3, clients=240, calibration_clients=300)


def test_the_evaluation_reports_every_population_and_cell(small_run):
    populations = {(r.population, r.rate) for r in small_run.false_alarms}
    for kind in ("Poisson", "over-dispersed"):
        for rate in (*synthetic.BASELINE_RATES, None):
            assert (kind, rate) in populations
    assert ("combined", None) in populations
    cells = {(c.rate, c.rise) for c in small_run.recall}
    assert cells == {(r, k) for r in synthetic.BASELINE_RATES for k in synthetic.RISES}


def test_false_alarm_rates_are_finite_and_add_up(small_run):
    for row in small_run.false_alarms:
        assert np.isfinite(row.per_client_year) and row.per_client_year >= 0
    poisson = small_run.false_alarm_rate("Poisson")
    bursty = small_run.false_alarm_rate("over-dispersed")
    combined = small_run.false_alarm_rate("combined")
    assert min(poisson, bursty) <= combined <= max(poisson, bursty)
    assert combined < 2.0


def test_recall_grows_with_time_and_the_oracle_beats_chance(small_run):
    for cell in small_run.recall:
        for series in (cell.detector, cell.oracle):
            assert all(0.0 <= v <= 1.0 for v in series)
            assert list(series) == sorted(series)
    tripled = next(c for c in small_run.recall if c.rate == 4.0 and c.rise == 3.0)
    assert tripled.oracle[-1] > 0.9
    assert tripled.detector[-1] > 0.9
    # Chance: alarms at the false-alarm rate alone would catch about
    # 8 weeks * 0.5 / 52 of these clients.
    doubled = next(c for c in small_run.recall if c.rate == 2.0 and c.rise == 2.0)
    assert doubled.oracle[-1] > 8 * 0.5 / 52 * 3


def test_the_report_is_markdown_with_both_tables(small_run):
    text = ev.render(small_run)
    assert "| population | baseline/week |" in text
    assert "| baseline/week | rise | detector 3 |" in text
    assert text.count("\n| 4 | 3x |") == 1
    assert "Goals met:" in text


def test_a_run_of_alarm_weeks_counts_once():
    alarm = np.array([[False, True, True, False, True], [False] * 5])
    assert ev.alarm_episodes(alarm).tolist() == [2, 0]


def test_the_oracle_is_calibrated_to_the_requested_false_alarm_rate():
    rng = np.random.default_rng(11)
    h, achieved = ev.oracle_threshold(rng, 1.0, 2.0, 0.5, clients=400)
    assert 0.35 <= achieved <= 0.5
    assert h > 0


def test_the_detector_is_silent_on_a_perfectly_steady_client():
    steady = synthetic.Histories(
        counts=np.full((3, 120), 2),
        absent=np.zeros((3, 120), dtype=bool),
        kind=np.full(3, "poisson"),
        rate=np.full(3, 2.0),
        rise=np.ones(3),
        change_week=np.full(3, -1),
    )
    assert not ev.detector_alarms(steady, DetectorThresholds()).any()


def test_the_command_prints_the_tables_and_every_detector_against_its_goals():
    out = io.StringIO()
    call_command(
        "eval_detectors",
        clients=40,
        record_clients=8,
        pattern_clients=6,
        jobs=1,
        seed=5,
        stdout=out,
        stderr=io.StringIO(),
    )
    text = out.getvalue()
    assert "False alarms per stable client-year" in text
    assert "Finished in" in text
    for label in ("Contacts rising", *(d.label for d in report.detectors())):
        assert text.count(f"\n| {label} |") == 1
    assert "Goals: at most 0.2 false alarms per stable client-year" in text
    assert "All 8 together:" in text
    assert "Every goal met: " in text


def test_a_rising_detector_switched_off_raises_no_alarm():
    off = DetectorThresholds(rising_enabled=False)
    run = ev.evaluate(seed=3, clients=40, thresholds=off, calibration_clients=200)
    row = ev.rising_row(run)
    assert row.alarms == 0
    assert row.recalls[0].hits == 0 and row.recalls[0].clients > 0


def test_the_rising_row_counts_the_goal_cells_within_the_monitored_weeks(small_run):
    row = ev.rising_row(small_run)
    combined = next(r for r in small_run.false_alarms if r.population == "combined")
    assert row.alarms == combined.alarms
    assert row.per_client_year == pytest.approx(combined.per_client_year)
    goal_cells = [c for c in small_run.recall if c.in_goal]
    assert row.recalls[0].clients == sum(c.clients for c in goal_cells)
    assert 0 <= row.recalls[0].hits <= row.recalls[0].clients


def test_thresholds_can_be_overridden_by_name_and_are_checked():
    t = ev.thresholds_with(["policy_min_count=5", "dependency_enabled=false"])
    assert t.policy_min_count == 5 and t.dependency_enabled is False
    with pytest.raises(CommandError):
        ev.thresholds_with(["no_such_threshold=1"])
    with pytest.raises(CommandError):
        ev.thresholds_with(["policy_min_count=0"])
