"""The rupture detectors: their verdicts, pinned to exact findings, day
boundaries and ordering, and judged as of the moment they are given."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from attachment.engine.patterns import (
    Finding,
    Kind,
    Part,
    RuptureFacts,
    Tier,
    repeated_ruptures,
    unrepaired_rupture,
)
from tests.attachment.engine.patterns.helpers import (
    DEFAULTS,
    NOW,
    assert_presentable,
    switched_off,
)

# These histories were built for a repair limit of 21 days; the evaluated
# default (28) is tested in test_thresholds.py.
DEFAULTS = dataclasses.replace(
    DEFAULTS,
    rupture_repair_days=21,
)

TODAY = NOW.date()


def _rupture(
    pk: int,
    days_ago: int,
    *,
    severity: int = 1,
    is_open: bool = True,
    attempts: int = 0,
) -> RuptureFacts:
    return RuptureFacts(
        rupture_id=pk,
        noticed_on=TODAY - dt.timedelta(days=days_ago),
        severity=severity,
        is_open=is_open,
        repair_attempts=attempts,
    )


# --- open without repair ----------------------------------------------------------


def test_the_oldest_overdue_rupture_sets_the_finding_whatever_the_input_order():
    ruptures = [_rupture(7, 25), _rupture(8, 30), _rupture(9, 23)]
    finding = unrepaired_rupture(ruptures, now=NOW, thresholds=DEFAULTS)
    assert finding == Finding(
        kind=Kind.UNREPAIRED_RUPTURE,
        part=Part.OPEN_WITHOUT_REPAIR,
        tier=Tier.YELLOW,
        # Overdue from the 22nd day after it was noticed.
        window_start=TODAY - dt.timedelta(days=30 - 22),
        window_end=TODAY,
        score=round(30 / 21, 3),
        evidence={
            "part": "open_without_repair",
            "rupture_ids": [8, 7, 9],
            "oldest_noticed_on": (TODAY - dt.timedelta(days=30)).isoformat(),
            "days_without_repair": 30,
            "ruptures_without_repair": 3,
            "severe": 0,
            "yellow_after_days": 21,
            "red_after_days": 42,
        },
        explanation=(
            "A rupture noticed on 3 May (30 days ago) has had no repair attempt "
            "yet (3 such ruptures are open)."
        ),
    )


def test_a_single_overdue_rupture_is_told_without_a_count():
    finding = unrepaired_rupture([_rupture(1, 23)], now=NOW, thresholds=DEFAULTS)
    assert finding.explanation == (
        "A rupture noticed on 10 May (23 days ago) has had no repair attempt yet."
    )
    assert finding.score == 1.095  # 23 / 21, to three decimals
    two = unrepaired_rupture(
        [_rupture(1, 23), _rupture(2, 22)], now=NOW, thresholds=DEFAULTS
    )
    assert two.explanation.endswith("(2 such ruptures are open).")


@pytest.mark.parametrize(("days_ago", "flagged"), [(21, False), (22, True)])
def test_a_rupture_is_overdue_only_after_the_repair_limit(days_ago, flagged):
    finding = unrepaired_rupture([_rupture(1, days_ago)], now=NOW, thresholds=DEFAULTS)
    assert (finding is not None) is flagged


@pytest.mark.parametrize(("days_ago", "tier"), [(42, Tier.YELLOW), (43, Tier.RED)])
def test_red_comes_only_after_the_red_limit(days_ago, tier):
    finding = unrepaired_rupture([_rupture(1, days_ago)], now=NOW, thresholds=DEFAULTS)
    assert finding.tier == tier


def test_severity_three_counts_as_severe_and_makes_it_red():
    ruptures = [_rupture(1, 30, severity=2), _rupture(2, 25, severity=3)]
    finding = unrepaired_rupture(ruptures, now=NOW, thresholds=DEFAULTS)
    assert finding.tier == Tier.RED
    assert finding.evidence["severe"] == 1


def test_the_window_start_follows_the_repair_limit():
    short = dataclasses.replace(DEFAULTS, rupture_repair_days=10)
    finding = unrepaired_rupture([_rupture(1, 15)], now=NOW, thresholds=short)
    assert finding.window_start == TODAY - dt.timedelta(days=4)
    assert finding.score == 1.5


def test_an_open_rupture_without_repair_for_weeks_is_flagged():
    yellow = unrepaired_rupture([_rupture(1, 30)], now=NOW, thresholds=DEFAULTS)
    assert yellow is not None
    assert yellow.tier == Tier.YELLOW
    assert yellow.evidence["days_without_repair"] == 30
    assert_presentable(yellow)
    assert "1" not in re.sub(r"\d{2,}", "", yellow.explanation)  # no rupture id
    old = unrepaired_rupture([_rupture(1, 50)], now=NOW, thresholds=DEFAULTS)
    assert old.tier == Tier.RED
    severe = unrepaired_rupture(
        [_rupture(1, 25, severity=3)], now=NOW, thresholds=DEFAULTS
    )
    assert severe.tier == Tier.RED


def test_a_quickly_repaired_or_recent_rupture_is_not_flagged():
    ruptures = [
        _rupture(1, 60, attempts=1),
        _rupture(2, 60, is_open=False, attempts=1),
        _rupture(3, 10),
    ]
    assert unrepaired_rupture(ruptures, now=NOW, thresholds=DEFAULTS) is None


# --- repeated ruptures ------------------------------------------------------------


def test_repeated_ruptures_report_every_number_they_rest_on():
    ruptures = [
        _rupture(4, 3, attempts=1, is_open=False),
        _rupture(2, 40),
        _rupture(3, 20, attempts=1),
        _rupture(5, 1, attempts=1, is_open=False),
    ]
    finding = repeated_ruptures(ruptures, now=NOW, thresholds=DEFAULTS)
    assert finding == Finding(
        kind=Kind.UNREPAIRED_RUPTURE,
        part=Part.REPEATED,
        tier=Tier.YELLOW,
        window_start=TODAY - dt.timedelta(days=40),
        window_end=TODAY - dt.timedelta(days=1),
        score=round(4 / 3, 3),
        evidence={
            "part": "repeated",
            "rupture_ids": [2, 3, 4, 5],
            "ruptures": 4,
            "still_open": 2,
            "window_weeks": 8,
            "yellow_at": 3,
            "red_at": 5,
        },
        explanation=(
            "4 ruptures without a completed repair were noticed in the 40 days "
            "from 23 Apr to 1 Jun, 2 of them still open."
        ),
    )


def test_the_repeat_window_runs_from_after_its_start_up_to_today():
    start = 8 * 7
    edge = [_rupture(1, start), _rupture(2, 10), _rupture(3, 5)]
    assert repeated_ruptures(edge, now=NOW, thresholds=DEFAULTS) is None
    inside = [_rupture(1, start - 1), _rupture(2, 10), _rupture(3, 0)]
    finding = repeated_ruptures(inside, now=NOW, thresholds=DEFAULTS)
    assert finding is not None
    assert finding.window_end == TODAY


def test_repeated_ruptures_are_flagged_apart_from_unrepaired_ones():
    three = [_rupture(1, 40), _rupture(2, 20, attempts=1), _rupture(3, 5, attempts=1)]
    repeated = repeated_ruptures(three, now=NOW, thresholds=DEFAULTS)
    assert repeated is not None
    assert repeated.part == Part.REPEATED and repeated.tier == Tier.YELLOW
    unrepaired = unrepaired_rupture(three, now=NOW, thresholds=DEFAULTS)
    assert unrepaired.window_start != repeated.window_start
    five = [_rupture(i, 5 * i) for i in range(1, 6)]
    assert repeated_ruptures(five, now=NOW, thresholds=DEFAULTS).tier == Tier.RED
    assert repeated_ruptures(three[:2], now=NOW, thresholds=DEFAULTS) is None


# --- both detectors ---------------------------------------------------------------


def test_rupture_detectors_can_be_switched_off():
    off = switched_off("rupture")
    assert unrepaired_rupture([_rupture(1, 60)], now=NOW, thresholds=off) is None
    five = [_rupture(i, 5 * i) for i in range(1, 6)]
    assert repeated_ruptures(five, now=NOW, thresholds=off) is None


def test_the_same_data_judged_at_another_moment_gives_another_answer():
    rupture = [_rupture(1, 30)]
    assert unrepaired_rupture(rupture, now=NOW, thresholds=DEFAULTS)
    earlier = NOW - dt.timedelta(days=15)
    assert unrepaired_rupture(rupture, now=earlier, thresholds=DEFAULTS) is None
