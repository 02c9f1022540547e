"""Inputs and checks shared by the detector tests: the default thresholds, one
moment to judge at, a weekly series builder and the check that a finding can be
shown to a reader."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from attachment.engine.patterns import DetectorThresholds, Finding, WeeklySeries

DEFAULTS = DetectorThresholds()
NOW = dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.UTC)
FIRST_MONDAY = dt.date(2024, 1, 1)
CLIENT_ID = 987654


def weekly_series(client_initiated: list[int], **others: object) -> WeeklySeries:
    """Consecutive weeks from :data:`FIRST_MONDAY`, for :data:`CLIENT_ID`."""
    weeks = [FIRST_MONDAY + dt.timedelta(weeks=i) for i in range(len(client_initiated))]
    return WeeklySeries.build(
        client_id=CLIENT_ID,
        week_starts=weeks,
        client_initiated=client_initiated,
        **others,
    )


def monday_after(series: WeeklySeries) -> dt.datetime:
    """Early on the Monday after the series' last week."""
    last = series.week_starts[-1] + dt.timedelta(days=7)
    return dt.datetime.combine(last, dt.time(3), dt.UTC)


def switched_off(name: str) -> DetectorThresholds:
    return dataclasses.replace(DEFAULTS, **{f"{name}_enabled": False})


def assert_presentable(finding: Finding) -> None:
    """Evidence stores as strict JSON; the explanation is one plain sentence
    that carries no identifiers from the input."""
    json.dumps(finding.evidence, allow_nan=False)
    assert finding.window_start <= finding.window_end
    assert finding.explanation.endswith(".")
    assert finding.explanation.count(". ") == 0
    assert str(CLIENT_ID) not in finding.explanation
    assert "{" not in finding.explanation
