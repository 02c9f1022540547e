"""The sequence card's timeline: one client's weeks, events and findings on
one weekly axis, drawn as SVG with the same figures in tables."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attachment.models import FlagKind
from attachment.review.sequence_chart import LEFT, sequence_chart
from attachment.review.sequence_layers import EventKind, sequence_layers
from clinic.models import AuditEvent
from tests.attachment.factories import (
    AgreementFactory,
    ContactFactory,
    FlagFactory,
    MeasureFactory,
    ObservationFactory,
    RepairAttemptFactory,
    RuptureFactory,
)
from tests.factories import AbsenceFactory
from tests.notes.factories import SessionNoteFactory

pytestmark = pytest.mark.django_db

# A Wednesday; London is on UTC in these weeks, so local dates are UTC dates.
NOW = dt.datetime(2026, 3, 18, 12, 0, tzinfo=dt.UTC)
SINCE = dt.date(2026, 2, 4)  # a Wednesday: the chart starts on its Monday
SECRET = "Synthetic words that must never reach the chart"


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


def answered(client, day: dt.date, minutes: int | None, **extra):
    """A contact from the client, answered after ``minutes`` (None: not yet)."""
    occurred_at = at(day)
    reply = {}
    if minutes is not None:
        reply = {
            "responded_at": occurred_at + dt.timedelta(minutes=minutes),
            "response_minutes": minutes,
        }
    return ContactFactory(
        client=client, occurred_at=occurred_at, summary=SECRET, **reply, **extra
    )


@pytest.fixture
def history(client, clinic, therapist):
    """Seven weeks, 2 Feb to the week of 16 Mar 2026, with one of everything."""
    ContactFactory(client=client, occurred_at=at(dt.date(2026, 1, 28)))  # before
    first = answered(client, dt.date(2026, 2, 9), 60)
    answered(client, dt.date(2026, 2, 10), 180)
    answered(client, dt.date(2026, 2, 11), None)
    ContactFactory(  # a reply: not a contact the therapist started
        client=client,
        direction="from_therapist",
        occurred_at=first.responded_at,
        in_reply_to=first,
    )
    ContactFactory(
        client=client, direction="from_therapist", occurred_at=at(dt.date(2026, 2, 12))
    )
    answered(client, dt.date(2026, 2, 24), 30)
    AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        starts_on=dt.date(2026, 2, 23),
        ends_on=dt.date(2026, 3, 1),
    )
    AgreementFactory(client=client, version=2, effective_from=at(dt.date(2026, 3, 2)))
    rupture = RuptureFactory(
        client=client, noticed_at=at(dt.date(2026, 3, 4)), description=SECRET
    )
    RepairAttemptFactory(
        rupture=rupture,
        attempted_at=at(dt.date(2026, 3, 4), 15),
        outcome="partial",
        client_response=SECRET,
    )
    RepairAttemptFactory(
        rupture=rupture, attempted_at=at(dt.date(2026, 3, 5)), outcome="complete"
    )
    SessionNoteFactory(
        client=client, session_at=at(dt.date(2026, 3, 10)), attendance="no_show"
    )
    MeasureFactory(client=client, measured_on=dt.date(2026, 3, 12))
    ObservationFactory(
        client=client,
        observed_at=at(dt.date(2026, 3, 13)),
        markers=["internalised_security"],
        intensity=0,
    )
    return [
        FlagFactory(
            client=client,
            kind=FlagKind.RISING_CONTACT_FREQUENCY,
            tier="red",
            window_start=dt.date(2026, 2, 9),
            window_end=dt.date(2026, 3, 8),
        ),
        FlagFactory(
            client=client,
            kind=FlagKind.POLICY_PATTERN,
            tier="yellow",
            window_start=dt.date(2026, 3, 2),
            window_end=dt.date(2026, 3, 15),
        ),
    ]


def test_the_weeks_count_contacts_replies_and_the_median_reply_time(client, history):
    layers = sequence_layers(client=client, flags=history, since=SINCE, now=NOW)

    assert [week.starts_on for week in layers.weeks] == [
        dt.date(2026, 2, 2) + dt.timedelta(weeks=n) for n in range(7)
    ]
    by_week = {week.starts_on: week for week in layers.weeks}
    busy = by_week[dt.date(2026, 2, 9)]
    assert (busy.from_client, busy.answered, busy.started_by_therapist) == (3, 2, 1)
    assert busy.median_response_hours == 2.0
    assert busy.median_response_text == "2 hours"
    quick = by_week[dt.date(2026, 2, 23)]
    assert (quick.from_client, quick.answered, quick.median_response_hours) == (
        1,
        1,
        0.5,
    )
    quiet = by_week[dt.date(2026, 2, 2)]
    assert (quiet.from_client, quiet.answered, quiet.started_by_therapist) == (0, 0, 0)
    assert quiet.median_response_hours is None
    assert sum(week.from_client for week in layers.weeks) == 4


def test_every_event_is_on_its_day_and_the_absence_shades_its_week(client, history):
    layers = sequence_layers(client=client, flags=history, since=SINCE, now=NOW)

    assert [(e.on, e.kind, e.text) for e in layers.events] == [
        (dt.date(2026, 2, 23), EventKind.ABSENCE, "therapist away until 1 Mar"),
        (dt.date(2026, 3, 2), EventKind.AGREEMENT, "agreement version 2"),
        (dt.date(2026, 3, 4), EventKind.RUPTURE, "rupture (withdrawal)"),
        (dt.date(2026, 3, 4), EventKind.REPAIR, "repair attempt (partial)"),
        (dt.date(2026, 3, 5), EventKind.REPAIR, "repair attempt (complete)"),
        (dt.date(2026, 3, 10), EventKind.NO_SHOW, "session missed"),
        (dt.date(2026, 3, 12), EventKind.MEASURE, "attachment measure taken"),
        (dt.date(2026, 3, 13), EventKind.SECURITY, "internalised security observed"),
    ]
    repairs = [e.successful for e in layers.events if e.kind == EventKind.REPAIR]
    assert repairs == [False, True]
    away = [week.starts_on for week in layers.weeks if week.therapist_away]
    assert away == [dt.date(2026, 2, 23)]


def test_the_marks_sit_on_their_days_with_a_shape_per_kind(client, history):
    chart = sequence_chart(client=client, flags=history, since=SINCE, now=NOW)
    day = chart.slot / 7

    def x_of(on: dt.date) -> float:
        return LEFT + ((on - dt.date(2026, 2, 2)).days + 0.5) * day

    shapes = [(mark.shape, mark.x) for mark in chart.marks]
    for shape, on in [
        ("rupture", dt.date(2026, 3, 4)),
        ("repair_other", dt.date(2026, 3, 4)),
        ("repair_complete", dt.date(2026, 3, 5)),
        ("no_show", dt.date(2026, 3, 10)),
        ("measure", dt.date(2026, 3, 12)),
        ("security", dt.date(2026, 3, 13)),
    ]:
        assert (shape, pytest.approx(x_of(on), abs=0.1)) in shapes
    [version] = chart.agreements
    assert version.shape == "v2"
    assert version.x == pytest.approx(x_of(dt.date(2026, 3, 2)), abs=0.1)
    [absence] = chart.absences
    assert absence.x == pytest.approx(LEFT + 3 * chart.slot, abs=0.1)
    assert absence.width == pytest.approx(chart.slot, abs=0.1)


def test_the_bars_and_the_median_line_follow_the_weeks(client, history):
    chart = sequence_chart(client=client, flags=history, since=SINCE, now=NOW)
    busy, quick = chart.shapes[1], chart.shapes[3]

    assert busy.from_client.height == pytest.approx(1.5 * busy.answered.height)
    assert busy.started.height == pytest.approx(busy.answered.height / 2)
    assert chart.shapes[0].from_client is None
    # 2 h against half an hour, on the same scale from the same base line.
    assert chart.plot_bottom - busy.median[1] == pytest.approx(
        4 * (chart.plot_bottom - quick.median[1])
    )
    assert chart.median_lines == []  # no two weeks in a row have replies


def test_the_findings_bands_span_their_windows_one_lane_per_kind(client, history):
    chart = sequence_chart(client=client, flags=history, since=SINCE, now=NOW)

    assert [lane.label for lane in chart.findings] == [
        "Contacts rising",
        "Contacts outside the agreement",
    ]
    rising, policy = (lane.bands[0] for lane in chart.findings)
    assert rising.x == pytest.approx(LEFT + chart.slot, abs=0.1)
    assert rising.width == pytest.approx(4 * chart.slot, abs=0.1)
    assert rising.band.strong and not policy.band.strong
    assert policy.x == pytest.approx(LEFT + 4 * chart.slot, abs=0.1)
    assert policy.width == pytest.approx(2 * chart.slot, abs=0.1)
    weeks = {week.starts_on: week.findings for week in chart.layers.weeks}
    assert weeks[dt.date(2026, 2, 2)] == ()
    assert weeks[dt.date(2026, 3, 2)] == (
        "Contacts rising",
        "Contacts outside the agreement",
    )
    assert weeks[dt.date(2026, 3, 16)] == ()


def test_the_description_tells_every_layer_in_words(client, history):
    chart = sequence_chart(client=client, flags=history, since=SINCE, now=NOW)

    words = chart.description
    assert "4 contacts from the client, 3 of them answered" in words
    assert "ranged from 0.5 h to 2.0 h" in words
    assert "2 repair attempts, 1 of them complete" in words
    assert "Contacts rising (strong evidence) 9 Feb to 8 Mar" in words


def test_a_long_history_is_drawn_from_its_last_weeks_only(client):
    flag = FlagFactory(
        client=client,
        window_start=dt.date(2023, 1, 2),
        window_end=dt.date(2026, 3, 8),
    )
    chart = sequence_chart(
        client=client, flags=[flag], since=dt.date(2022, 12, 1), now=NOW
    )

    assert len(chart.layers.weeks) == 78
    [band] = chart.findings[0].bands
    assert band.x == LEFT  # clipped to the first week drawn


# The page -----------------------------------------------------------------------


def _page_history(client, therapist, clinic, *, weeks: int, events: int, start: int):
    """A finding whose window began ``weeks`` - 4 weeks ago, a contact and a
    reply in each of the ``weeks`` weeks before today, and ``events`` events
    of every kind but absences (plus one absence)."""
    now = timezone.now()
    FlagFactory(
        client=client,
        kind=FlagKind.RISING_CONTACT_FREQUENCY,
        window_start=now.date() - dt.timedelta(weeks=weeks - 4),
        window_end=now.date(),
        detected_at=now - dt.timedelta(days=30),
    )
    for week in range(weeks):
        ContactFactory(
            client=client,
            occurred_at=now - dt.timedelta(weeks=week, hours=1),
            responded_at=now - dt.timedelta(weeks=week),
            response_minutes=60,
            summary=SECRET,
        )
    for index in range(start, start + events):
        # Repairs follow their rupture by an hour: all of it in the past.
        moment = now - dt.timedelta(days=index % 20, hours=index + 2)
        rupture = RuptureFactory(client=client, noticed_at=moment, description=SECRET)
        RepairAttemptFactory(rupture=rupture, client_response=SECRET)
        AgreementFactory(client=client, version=index + 1, effective_from=moment)
        SessionNoteFactory(client=client, session_at=moment, attendance="no_show")
        MeasureFactory(
            client=client, measured_on=moment.date() - dt.timedelta(days=index)
        )
        ObservationFactory(
            client=client, observed_at=moment, markers=["internalised_security"]
        )
    AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        starts_on=now.date() - dt.timedelta(days=10 + start),
        ends_on=now.date() - dt.timedelta(days=8 + start),
    )


def _table_rows(page: str, css: str) -> int:
    table = re.search(rf'<table class="[^"]*{css}">(.*?)</table>', page, re.S)
    assert table is not None
    return table.group(1).count("<tr>") - 1  # less the header row


@pytest.mark.parametrize("reader", ["therapist", "supervisor"])
def test_the_page_draws_the_timeline_and_its_tables(
    request, reader, login, client, therapist, clinic
):
    _page_history(client, therapist, clinic, weeks=8, events=2, start=0)
    user = request.getfixturevalue(reader)

    response = login(user).get(reverse("attachment:client_sequence", args=[client.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert (
        'role="img" aria-labelledby="sequence-chart-title sequence-chart-desc"' in page
    )
    assert '<title id="sequence-chart-title">Contacts, events and findings' in page
    assert (
        '<desc id="sequence-chart-desc">Bars per week: 8 contacts from the client'
        in page
    )
    assert page.count('class="event ') == 2 * 5  # agreements are lines
    assert "The chart as tables" in page
    assert _table_rows(page, "sequence-weeks-table") == 9
    assert _table_rows(page, "sequence-events-table") == 2 * 6 + 1
    assert "session missed" in page and "repair attempt (complete)" in page
    assert "Contacts rising" in page
    assert 'style="' not in page.split('<figure class="sequence-chart')[1]
    assert SECRET not in page
    assert AuditEvent.objects.filter(
        actor=user, action="read", client_id=client.pk
    ).exists()


def test_the_page_costs_the_same_queries_for_4_or_40_weeks_and_2_or_20_events(
    login, client, therapist, clinic
):
    http = login(therapist)
    url = reverse("attachment:client_sequence", args=[client.pk])
    _page_history(client, therapist, clinic, weeks=4, events=2, start=0)
    http.get(url)  # the session and the clinic's settings are warm now
    with CaptureQueriesContext(connection) as few:
        small = http.get(url).content.decode()
    _page_history(client, therapist, clinic, weeks=40, events=18, start=2)
    with CaptureQueriesContext(connection) as many:
        large = http.get(url).content.decode()

    assert _table_rows(small, "sequence-weeks-table") == 5
    assert _table_rows(large, "sequence-weeks-table") == 41
    assert _table_rows(small, "sequence-events-table") == 2 * 6 + 1
    assert _table_rows(large, "sequence-events-table") == 20 * 6 + 2
    assert len(many.captured_queries) == len(few.captured_queries)
    assert SECRET not in large


def test_the_scales_read_in_whole_contacts_and_hours_in_human_steps(client):
    answered(client, dt.date(2026, 3, 9), 30 * 60)
    for _ in range(5):
        answered(client, dt.date(2026, 3, 16), 20 * 60)
    flag = FlagFactory(client=client, window_start=dt.date(2026, 3, 9))
    chart = sequence_chart(client=client, flags=[flag], since=SINCE, now=NOW)

    assert [label for _y, label in chart.count_ticks] == ["0", "2", "4", "6", "8"]
    assert [label for _y, label in chart.hour_ticks] == ["0", "12", "24", "36", "48"]
    # The two scales share their gridlines.
    assert [y for y, _ in chart.count_ticks] == [y for y, _ in chart.hour_ticks]
    assert chart.shapes[-1].week.median_response_text == "20 hours"
