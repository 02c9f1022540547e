"""How the detectors' plain inputs are built and checked."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from attachment.engine.patterns import WeeklySeries

MONDAYS = [dt.date(2024, 1, 1) + dt.timedelta(weeks=i) for i in range(3)]


def test_omitted_weekly_series_are_zeros_and_reply_times_unknown():
    series = WeeklySeries.build(client_id=1, week_starts=MONDAYS, client_initiated=None)
    for name in (
        "client_initiated",
        "therapist_initiated",
        "replied",
        "after_hours_replies",
    ):
        assert getattr(series, name).tolist() == [0.0, 0.0, 0.0], name
    assert all(math.isnan(v) for v in series.median_response_minutes)
    assert series.therapist_absent.tolist() == [False, False, False]


def test_counts_are_stored_as_floats_and_absence_marks_as_booleans():
    series = WeeklySeries.build(
        client_id=1,
        week_starts=MONDAYS,
        client_initiated=[1, 2, 3],
        replied=[1, 0, 2],
        therapist_absent=[0, 1, 0],
    )
    assert series.client_initiated.dtype == np.float64
    assert series.replied.dtype == np.float64
    assert series.therapist_absent.tolist() == [False, True, False]
    assert (~series.therapist_absent).tolist() == [True, False, True]


def test_series_of_the_wrong_length_or_with_gaps_are_refused():
    message = "^every weekly series must have one value per week$"
    with pytest.raises(ValueError, match=message):
        WeeklySeries.build(client_id=1, week_starts=MONDAYS, client_initiated=[1, 2])
    with pytest.raises(ValueError, match=message):
        WeeklySeries.build(
            client_id=1,
            week_starts=MONDAYS,
            client_initiated=[1, 2, 3],
            therapist_absent=[False],
        )
    gap = [MONDAYS[0], MONDAYS[2]]
    with pytest.raises(ValueError, match="^week_starts must be consecutive weeks$"):
        WeeklySeries.build(client_id=1, week_starts=gap, client_initiated=[1, 2])
