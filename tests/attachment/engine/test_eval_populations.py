"""The synthetic populations and the counting of the eight-detector
evaluation, on small runs (the full run is ``manage.py eval_detectors``)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from attachment.engine import patterns as p
from attachment.engine.evaluation import measure as m
from attachment.engine.evaluation import populations as pop
from attachment.engine.evaluation import report


@pytest.fixture(scope="module")
def small_rows() -> list[report.DetectorRow]:
    return report.evaluate_records(seed=4, clients=24, pattern_clients=16)


def test_every_record_detector_has_a_row_with_computed_figures(small_rows):
    assert [r.kind for r in small_rows] == [d.kind for d in report.detectors()]
    assert len({r.kind for r in small_rows}) == 7
    for row in small_rows:
        assert row.clients == 24
        assert row.client_years == pytest.approx(24 * pop.EVALUATION_WEEKS / 52)
        assert np.isfinite(row.per_client_year) and row.per_client_year >= 0
        assert row.recalls
        for recall in row.recalls:
            assert 0 < recall.clients <= 16
            assert 0 <= recall.hits <= recall.clients
            assert recall.share == pytest.approx(recall.hits / recall.clients)


def test_the_summary_prints_each_detector_and_the_goals(small_rows):
    text = report.render_summary(small_rows)
    for row in small_rows:
        assert text.count(f"\n| {row.label} |") == 1
        for recall in row.recalls:
            assert f"| {recall.population} |" in text
    assert "at most 0.2 false alarms per stable client-year" in text
    assert "at most 0.5 for all eight together" in text
    assert "recall of at least 80%" in text
    total = report.total_false_alarms(small_rows)
    assert f"All 7 together: {total:.3f} false alarms" in text
    assert "Every goal met: " in text


def test_a_detector_switched_off_raises_no_alarm_and_finds_nothing():
    off = p.DetectorThresholds(policy_enabled=False, rupture_enabled=False)
    rows = report.evaluate_records(
        seed=4,
        clients=24,
        pattern_clients=16,
        thresholds=off,
        only=(p.Kind.POLICY_PATTERN, p.Kind.UNREPAIRED_RUPTURE),
    )
    assert len(rows) == 2
    for row in rows:
        assert row.alarms == 0
        assert all(r.hits == 0 and r.clients > 0 for r in row.recalls)


def test_the_true_pattern_is_found_far_more_often_than_stable_clients_alarm():
    rows = report.evaluate_records(
        seed=9,
        clients=40,
        pattern_clients=40,
        only=(p.Kind.UNREPAIRED_RUPTURE, p.Kind.AFTER_ENDING_CONTACT),
    )
    for row in rows:
        # a stable client alarms at most a few times a year; a chance hit
        # within a horizon of a few weeks is far rarer than most of the
        # pattern clients being found
        share = row.recalls[0].share
        assert share is not None and share > 0.5
        assert row.per_client_year < 1.0


def test_a_population_without_a_true_pattern_has_no_recall():
    stable = pop.rupture_population(np.random.default_rng(1), 10, pattern=None)
    hits, total = m.recalled(
        stable,
        m.rupture_findings,
        p.DetectorThresholds(),
        horizon_weeks=4,
        parts=(p.Part.OPEN_WITHOUT_REPAIR,),
    )
    assert (hits, total) == (0, 0)
    recall = report.Recall("none", "4 weeks", hits, total)
    assert recall.share is None and recall.met is None
    row = report.DetectorRow(
        p.Kind.UNREPAIRED_RUPTURE, "Ruptures", "stable", 10, 10.0, 1, (recall,), 0.1
    )
    assert "| n/a (0/0) | n/a |" in report.render_summary([row])


def _row(label: str, alarms: int, hits: int) -> report.DetectorRow:
    return report.DetectorRow(
        p.Kind.POLICY_PATTERN,
        label,
        "stable",
        100,
        100.0,
        alarms,
        (report.Recall("pattern", "4 weeks", hits, 100),),
        0.0,
    )


def test_the_goals_are_judged_from_the_figures():
    assert _row("a", 20, 80).met
    assert not _row("b", 21, 80).met  # 0.21 false alarms a client-year
    assert not _row("c", 20, 79).met  # 79% recall
    within = [_row(f"d{i}", 10, 90) for i in range(5)]  # 5 x 0.1 = 0.5
    assert report.render_summary(within).endswith("Every goal met: yes.")
    over = [*within, _row("e", 1, 90)]
    text = report.render_summary(over)
    assert "Every goal met: no" in text and "all together" in text


def _finding(start: dt.date, end: dt.date) -> p.Finding:
    return p.Finding(
        kind=p.Kind.POLICY_PATTERN,
        tier=p.Tier.YELLOW,
        window_start=start,
        window_end=end,
        score=1.0,
        evidence={},
        explanation="x",
    )


def test_findings_that_continue_a_flag_count_once():
    episodes = m.Episodes()
    monday = dt.date(2024, 3, 4)
    assert episodes.add(_finding(monday, monday + dt.timedelta(days=6)))
    # the next week's finding overlaps or follows within a week: same flag
    assert not episodes.add(
        _finding(monday + dt.timedelta(days=3), monday + dt.timedelta(days=13))
    )
    assert not episodes.add(
        _finding(monday + dt.timedelta(days=20), monday + dt.timedelta(days=22))
    )
    # more than a week after the flag's end: a new flag
    assert episodes.add(
        _finding(monday + dt.timedelta(days=31), monday + dt.timedelta(days=33))
    )


def test_inputs_are_built_from_the_fields_the_detectors_know():
    facts = m.build(
        p.ObservationFacts,
        observed_on=dt.date(2024, 1, 1),
        intensity=2,
        not_a_field=True,
    )
    assert facts.intensity == 2
    assert not hasattr(facts, "not_a_field")
    assert m.has_field(p.RuptureFacts, "rupture_id")
    assert not m.has_field(p.RuptureFacts, "not_a_field")


def test_stable_clients_have_no_onset_and_pattern_clients_one_in_the_evaluation():
    rng = np.random.default_rng(2)
    first = 7 * pop.WARMUP_WEEKS
    for draw in (pop.policy_population, pop.absence_population):
        assert all(c.onset is None for c in draw(rng, 8, pattern=False))
        onsets = [c.onset for c in draw(rng, 8, pattern=True)]
        assert all(o is not None and first <= o < pop.total_days() for o in onsets)
    for pattern in ("unrepaired", "repeated"):
        clients = pop.rupture_population(rng, 8, pattern=pattern)
        assert all(c.onset is not None and c.onset >= first for c in clients)


def test_the_unrepaired_pattern_leaves_its_rupture_without_an_attempt():
    clients = pop.rupture_population(np.random.default_rng(3), 12, pattern="unrepaired")
    for c in clients:
        (at_onset,) = [r for r in c.ruptures if r.noticed == c.onset]
        assert at_onset.attempts == () and at_onset.repaired is None


def test_stable_endings_keep_to_what_the_agreement_allows():
    clients = pop.after_ending_population(np.random.default_rng(5), 16, pattern=False)
    for c in clients:
        assert c.ended_on is not None
        after = [k for k in c.contacts if k.on > c.ended_on]
        if c.after_ending_allowed:
            assert not any(k.over_weekly_limit for k in after)
        else:
            assert after == []


def test_cover_answers_are_part_of_the_contacts_during_an_absence():
    clients = pop.absence_population(np.random.default_rng(6), 12, pattern=False)
    for c in clients:
        assert (c.to_therapist + c.cover_answered == c.all_contacts).all()
        assert (c.cover_answered[~c.away] == 0).all()


def test_the_overextension_pattern_answers_everything_then_withdraws():
    (c,) = pop.therapist_population(np.random.default_rng(7), 1, pattern=True)
    assert c.onset is not None and c.withdrawal is not None
    start, stop = c.onset // 7, c.withdrawal // 7
    assert stop - start == pop.OVEREXTENSION_WEEKS
    assert (c.replied[start:stop] == c.client_initiated[start:stop]).all()
    asked_after = c.client_initiated[stop:].sum()
    assert asked_after > 0
    assert c.replied[stop:].sum() < asked_after


def test_a_steady_population_under_switched_off_thresholds_is_unchanged():
    """The switch is the only difference: same seed, same histories."""
    on = report.evaluate_records(
        seed=8, clients=16, pattern_clients=8, only=(p.Kind.AFTER_ENDING_CONTACT,)
    )
    off = report.evaluate_records(
        seed=8,
        clients=16,
        pattern_clients=8,
        thresholds=dataclasses.replace(
            p.DetectorThresholds(), after_ending_enabled=False
        ),
        only=(p.Kind.AFTER_ENDING_CONTACT,),
    )
    assert on[0].recalls[0].clients == off[0].recalls[0].clients
    assert on[0].recalls[0].hits > 0 and off[0].recalls[0].hits == 0


def test_the_evaluation_and_the_scan_read_the_usual_weeks_the_detector_needs():
    """The intensity comparison reads 26 usual weeks before the 12-week
    window; the evaluation's inputs and the scan's query both reach back that
    far, and the scan reads as many measures as the measure rise compares."""
    from attachment.engine import reads
    from attachment.engine.patterns import dependency

    t = p.DetectorThresholds()
    weeks = t.dependency_window_weeks + dependency.USUAL_WEEKS
    assert m._usual_weeks() == dependency.USUAL_WEEKS
    now = dt.datetime(2026, 6, 1, 6, tzinfo=dt.UTC)
    params = reads.query_parameters(
        clinic_id=1,
        zone_name="UTC",
        window=reads.ScanWindow.build(now=now, thresholds=t),
        thresholds=t,
    )
    assert params["observation_since"] == now - dt.timedelta(weeks=weeks)
    assert params["measures_read"] == dependency.PREVIOUS_MEASURES + 1
    assert params["policy_since"] == now - dt.timedelta(
        weeks=t.policy_window_weeks + t.policy_baseline_weeks
    )


@pytest.mark.parametrize(
    "kind", [p.Kind.THERAPIST_OVEREXTENSION, p.Kind.ABRUPT_WITHDRAWAL]
)
def test_the_scan_screen_in_front_of_the_therapist_detectors_hides_nothing(
    monkeypatch, kind
):
    screened = report.evaluate_records(
        seed=13, clients=40, pattern_clients=20, only=(kind,)
    )
    monkeypatch.setattr(m, "_screen", lambda c, kind, t: None)
    unscreened = report.evaluate_records(
        seed=13, clients=40, pattern_clients=20, only=(kind,)
    )
    assert screened[0].alarms == unscreened[0].alarms
    assert screened[0].recalls == unscreened[0].recalls
    assert unscreened[0].recalls[0].hits > 0
