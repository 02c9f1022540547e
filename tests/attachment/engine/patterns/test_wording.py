"""Every detector's sentence on a firing history: words a client could read
(none of the labels), times in human units, and the period it names agrees
with the flag's window."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from attachment.engine.patterns import (
    AbsenceContactCounts,
    AbsenceFacts,
    ContactFacts,
    EndingFacts,
    Finding,
    MeasureFacts,
    ObservationFacts,
    RuptureFacts,
    abrupt_withdrawal,
    absence_ahead,
    absence_surge,
    after_ending_contact,
    dependency_measure_rise,
    dependency_trend,
    policy_pattern,
    repeated_ruptures,
    rising_contact_frequency,
    therapist_overextension,
    unrepaired_rupture,
)
from attachment.engine.patterns.findings import (
    UNSAID_WORDS,
    day_text,
    duration_words,
    period_text,
)
from tests.attachment.engine.patterns.helpers import (
    DEFAULTS,
    NOW,
    assert_presentable,
    monday_after,
    weekly_series,
)

TODAY = NOW.date()
DAY = dt.timedelta(days=1)
DATE = r"\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"


def _contact(days_ago: float, **facts: bool) -> ContactFacts:
    return ContactFacts(
        occurred_at=NOW - dt.timedelta(days=days_ago), from_client=True, **facts
    )


def _rising() -> Finding | None:
    counts = [2, 1, 3, 2, 2, 1, 3, 2] * 7 + [2, 6, 7, 8]
    series = weekly_series(counts)
    return rising_contact_frequency(
        series, now=monday_after(series), thresholds=DEFAULTS
    )


def _overextension() -> Finding | None:
    n = 18
    series = weekly_series(
        [3] * n,
        replied=[3] * n,
        therapist_initiated=[1] * 12 + [4] * 6,
        after_hours_replies=[0] * 12 + [3] * 6,
        median_response_minutes=[6000.0, 5400.0, 6600.0] * 4 + [128.0, 90, 150] * 2,
    )
    return therapist_overextension(
        series, now=monday_after(series), thresholds=DEFAULTS
    )


def _withdrawal() -> Finding | None:
    series = weekly_series(
        [5] * 8 + [5, 6, 4, 5],
        replied=[5] * 8 + [1, 1, 1, 1],
        median_response_minutes=[128.0, 130, 125, 140, 120, 135, 128, 131]
        + [5343.0, 4000, 6000, 5500],
    )
    return abrupt_withdrawal(series, now=monday_after(series), thresholds=DEFAULTS)


def _absence() -> Finding | None:
    counts = AbsenceContactCounts(
        absence=AbsenceFacts(TODAY - 13 * DAY, TODAY + 7 * DAY, has_cover=True),
        during=10,
        baseline=6,
        baseline_days=84,
        answered_as_planned=1,
    )
    return absence_surge(counts, now=NOW, thresholds=DEFAULTS)


def _ahead() -> Finding | None:
    absence = AbsenceFacts(TODAY + 5 * DAY, TODAY + 19 * DAY, has_cover=False)
    fearful = [
        ObservationFacts(TODAY - 3 * DAY, 4, fear_of_abandonment=True),
        ObservationFacts(TODAY - 12 * DAY, 3, fear_of_abandonment=True),
    ]
    return absence_ahead(absence, fearful, now=NOW, thresholds=DEFAULTS)


def _ruptures(repeat: bool) -> Finding | None:
    ruptures = [
        RuptureFacts(i, TODAY - (30 + 5 * i) * DAY, 1, True, 0) for i in range(4)
    ]
    detector = repeated_ruptures if repeat else unrepaired_rupture
    wide = dataclasses.replace(DEFAULTS, rupture_repeat_weeks=12)
    return detector(ruptures, now=NOW, thresholds=wide)


def _trend() -> Finding | None:
    usual = [
        ObservationFacts(TODAY - (13 * 7 + 7 * i) * DAY, v)
        for i, v in enumerate([1, 2, 1, 1, 2, 1, 2, 1])
    ]
    recent = [
        ObservationFacts(TODAY - (30 - 10 * i) * DAY, v)
        for i, v in enumerate([3, 3, 4, 4])
    ]
    return dependency_trend(usual + recent, now=NOW, thresholds=DEFAULTS)


def _measure() -> Finding | None:
    measures = [MeasureFacts(TODAY - 90 * DAY, 2.5), MeasureFacts(TODAY - DAY, 4.2)]
    return dependency_measure_rise(measures, now=NOW, thresholds=DEFAULTS)


def _policy() -> Finding | None:
    contacts = [_contact(d, after_hours=True) for d in (3, 6, 10, 15, 40)]
    return policy_pattern(contacts, now=NOW, thresholds=DEFAULTS)


def _after_ending() -> Finding | None:
    ending = EndingFacts(TODAY - 40 * DAY, after_ending_allowed=False)
    contacts = [_contact(d) for d in (2, 9, 16)]
    return after_ending_contact(ending, contacts, now=NOW, thresholds=DEFAULTS)


# Each firing history, and the dates its sentence must name.
FIRING = {
    "rising_contact_frequency": (_rising, lambda f: [f.window_start, f.window_end]),
    "therapist_overextension": (
        _overextension,
        lambda f: [f.window_start, f.window_end],
    ),
    "abrupt_withdrawal": (_withdrawal, lambda f: [f.window_start, f.window_end]),
    "absence_surge": (_absence, lambda f: [f.window_start, f.window_end]),
    "absence_ahead": (_ahead, lambda f: [f.window_start, f.window_end + DAY]),
    "unrepaired_rupture": (
        lambda: _ruptures(repeat=False),
        lambda f: [dt.date.fromisoformat(f.evidence["oldest_noticed_on"])],
    ),
    "repeated_ruptures": (
        lambda: _ruptures(repeat=True),
        lambda f: [f.window_start, f.window_end],
    ),
    "dependency_escalation": (_trend, lambda f: [f.window_start, f.window_end]),
    "dependency_measure_rise": (_measure, lambda f: [f.window_start, f.window_end]),
    "policy_pattern": (_policy, lambda f: [f.window_start, f.window_end]),
    "after_ending_contact": (_after_ending, lambda f: [f.window_start, f.window_end]),
}


@pytest.fixture(params=sorted(FIRING))
def fired(request) -> tuple[str, Finding]:
    build, _ = FIRING[request.param]
    finding = build()
    assert finding is not None, f"{request.param} did not fire"
    return request.param, finding


def test_no_sentence_uses_a_label_a_client_could_read_as_blame(fired):
    _, finding = fired
    lowered = finding.explanation.lower()
    for word in UNSAID_WORDS:
        assert word not in lowered
    assert_presentable(finding)


def test_times_are_in_hours_and_days_not_hundreds_of_minutes(fired):
    _, finding = fired
    for minutes in re.findall(r"(\d+) minutes?", finding.explanation):
        assert int(minutes) < 60
    assert "p = " not in finding.explanation
    assert "CUSUM" not in finding.explanation


def test_the_sentence_names_the_flags_window(fired):
    name, finding = fired
    _, expected = FIRING[name]
    named = re.findall(DATE, finding.explanation)
    for day in expected(finding):
        assert day_text(day) in named
    for start, end in re.findall(f"from ({DATE}) to ({DATE})", finding.explanation):
        assert (start, end) == (
            day_text(finding.window_start),
            day_text(finding.window_end),
        )
    spans = re.findall(r"the (\d+) (weeks|days) from", finding.explanation)
    days = (finding.window_end - finding.window_start).days + 1
    for count, unit in spans:
        assert int(count) * (7 if unit == "weeks" else 1) == days


def test_the_slow_replies_are_told_in_hours_and_days():
    finding = _withdrawal()
    assert finding.evidence["slower_replies"] is True
    assert "about 4 days against about 2 hours before" in finding.explanation
    faster = _overextension()
    assert "typically about 2 hours, against about 4 days before" in (
        faster.explanation
    )


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (1, "1 minute"),
        (45, "45 minutes"),
        (60, "1 hour"),
        (75, "1 hour 15 minutes"),
        (128, "about 2 hours"),
        (47 * 60, "about 47 hours"),
        (5343, "about 4 days"),
    ],
)
def test_durations_in_human_units(minutes, words):
    assert duration_words(minutes) == words


def test_a_period_in_words_agrees_with_its_dates():
    nov_9 = dt.date(2026, 11, 9)
    assert period_text(nov_9, dt.date(2026, 11, 29)) == (
        "in the 3 weeks from 9 Nov to 29 Nov"
    )
    assert period_text(nov_9, dt.date(2026, 11, 13)) == (
        "in the 5 days from 9 Nov to 13 Nov"
    )
    assert period_text(nov_9, nov_9 + 6 * DAY) == "in the week from 9 Nov to 15 Nov"
    assert period_text(nov_9, nov_9) == "on 9 Nov"
