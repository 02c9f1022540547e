"""The client timeline and the weekly contact chart."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attachment.records.charts import weekly_chart, weekly_counts
from attachment.records.timeline import timeline_kinds_chosen, timeline_page
from tests.attachment.factories import (
    ContactFactory,
    CopingPlanFactory,
    ObservationFactory,
    RepairAttemptFactory,
    RuptureFactory,
)
from tests.factories import AbsenceFactory, ContactPolicyFactory
from tests.notes.factories import ProcessNoteFactory, SessionNoteFactory

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def history(client):
    """One of each kind, a day apart, oldest first."""
    start = timezone.now() - 10 * DAY
    note = SessionNoteFactory(
        client=client, session_at=start, subjective="NOTE-TEXT-NEVER-ON-TIMELINE"
    )
    ProcessNoteFactory(client=client)
    contact = ContactFactory(
        client=client, occurred_at=start + DAY, summary="Asked to move"
    )
    rupture = RuptureFactory(client=client, noticed_at=start + 2 * DAY)
    repair = RepairAttemptFactory(rupture=rupture, attempted_at=start + 3 * DAY)
    observation = ObservationFactory(client=client, observed_at=start + 4 * DAY)
    plan = CopingPlanFactory(client=client, written_at=start + 5 * DAY)
    return [note, contact, rupture, repair, observation, plan]


def test_the_timeline_merges_every_kind_newest_first(client, history):
    page, entries = timeline_page(client=client, kinds=None, page_number=1)
    assert [entry.kind for entry in entries] == [
        "plan",
        "observation",
        "repair",
        "rupture",
        "contact",
        "session",
    ]
    assert [entry.obj.pk for entry in entries] == [obj.pk for obj in reversed(history)]


def test_the_timeline_filters_by_type(client, history):
    _, entries = timeline_page(
        client=client, kinds=["contact", "repair"], page_number=1
    )
    assert [entry.kind for entry in entries] == ["repair", "contact"]


def test_an_unknown_type_filter_shows_everything(client, history):
    _, entries = timeline_page(client=client, kinds=["gossip"], page_number=1)
    assert len(entries) == 6


def test_a_repeated_or_unknown_type_counts_once_in_the_timelines_order(client, history):
    _, entries = timeline_page(
        client=client,
        kinds=["repair", "gossip", "contact", "repair", "contact"],
        page_number=1,
    )
    assert [entry.kind for entry in entries] == ["repair", "contact"]
    assert timeline_kinds_chosen(["flag", "contact", "x", "contact", "flag"]) == [
        "contact",
        "flag",
    ]


def _union_branches(http, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert http.get(url).status_code == 200
    keys = [q["sql"] for q in queries.captured_queries if "entry_kind" in q["sql"]]
    assert keys, "the page of keys was not read"
    return max(sql.count("UNION ALL") for sql in keys)


@pytest.mark.parametrize(
    ("kinds", "branches"), [(["contact"], 0), (["contact", "rupture"], 1)]
)
def test_a_type_asked_for_999_times_costs_one_union_branch(
    login, therapist, client, history, kinds, branches
):
    http = login(therapist)
    url = reverse("attachment:timeline", args=[client.pk])
    once = "&".join(f"type={kind}" for kind in kinds)
    # Django refuses a query string of more than 1,000 fields.
    repeated = "&".join([once] * (999 // len(kinds)) + ["type=gossip"])

    assert _union_branches(http, f"{url}?{once}") == branches
    assert _union_branches(http, f"{url}?{repeated}") == branches


def test_the_next_pages_link_names_each_known_type_once(login, therapist, client):
    ContactFactory.create_batch(30, client=client, occurred_at=timezone.now() - DAY)
    url = reverse("attachment:timeline", args=[client.pk])
    asked = "&".join(["type=contact", "type=gossip", "type=contact"] * 50)

    page = login(therapist).get(f"{url}?{asked}").content.decode()

    assert 'href="?type=contact&amp;page=2"' in page
    assert "gossip" not in page


def test_the_timeline_page_shows_sessions_without_their_text(
    login, therapist, client, history
):
    page = login(therapist).get(reverse("attachment:timeline", args=[client.pk]))
    html = page.content.decode()
    assert "SOAP note" in html
    assert "Asked to move" in html
    assert "NOTE-TEXT-NEVER-ON-TIMELINE" not in html
    assert "PRIVATE-PROCESS-TEXT" not in html
    assert "style=" not in html


def test_the_timeline_is_paginated(login, therapist, client):
    ContactFactory.create_batch(30, client=client, occurred_at=timezone.now() - DAY)
    http = login(therapist)
    first = http.get(reverse("attachment:timeline", args=[client.pk]) + "?type=contact")
    assert "Page 1 of 2" in first.content.decode()
    assert "?type=contact&amp;page=2" in first.content.decode()
    second = http.get(
        reverse("attachment:timeline", args=[client.pk]) + "?type=contact&page=2"
    )
    assert second.content.decode().count('badge text-bg-secondary">contact') == 5


def test_the_timeline_costs_a_fixed_number_of_queries(
    login, therapist, client, policy, history, django_assert_max_num_queries
):
    for offset in range(40):
        ContactFactory(client=client, occurred_at=timezone.now() - offset * DAY)
        ObservationFactory(client=client, observed_at=timezone.now() - offset * DAY)
    http = login(therapist)
    # The count includes the navigation (roles, unread notifications) and
    # the flags that have reached the reader (the clinic's delay).
    with django_assert_max_num_queries(25):
        response = http.get(reverse("attachment:timeline", args=[client.pk]))
    assert response.status_code == 200


def test_weekly_counts_cover_26_weeks_zero_filled(client, now):
    weeks = weekly_counts(client=client, now=now)
    assert len(weeks) == 26
    assert weeks[-1].starts_on == dt.date(2026, 3, 16)
    assert weeks[0].starts_on == dt.date(2025, 9, 22)
    assert all(week.total == 0 for week in weeks)


def test_weekly_counts_split_by_direction_and_after_hours(client, now):
    monday = dt.datetime(2026, 3, 9, 10, tzinfo=dt.UTC)
    ContactFactory(client=client, occurred_at=monday)
    ContactFactory(client=client, occurred_at=monday + DAY, after_hours=True)
    ContactFactory(client=client, occurred_at=monday, direction="from_therapist")
    week = weekly_counts(client=client, now=now)[-2]
    assert (week.from_client, week.from_therapist, week.client_after_hours) == (2, 1, 1)
    assert week.after_hours_share == 33


def test_weeks_are_local_weeks(client, now):
    # 23:30 UTC on Sunday 8 March is still Sunday in London (GMT), so the
    # contact belongs to the week of 2 March; in Berlin it is Monday already.
    ContactFactory(
        client=client, occurred_at=dt.datetime(2026, 3, 8, 23, 30, tzinfo=dt.UTC)
    )
    assert weekly_counts(client=client, now=now)[-3].from_client == 1
    client.clinic.timezone = "Europe/Berlin"
    assert weekly_counts(client=client, now=now)[-2].from_client == 1


def test_absence_weeks_are_marked(client, therapist, now):
    AbsenceFactory(
        clinic=client.clinic,
        therapist=therapist,
        starts_on=dt.date(2026, 2, 27),
        ends_on=dt.date(2026, 3, 3),
    )
    weeks = weekly_counts(client=client, now=now)
    assert [w.starts_on for w in weeks if w.absence] == [
        dt.date(2026, 2, 23),
        dt.date(2026, 3, 2),
    ]


def test_the_chart_draws_the_weekly_limit_and_a_table(login, therapist, client):
    ContactPolicyFactory(clinic=client.clinic, weekly_limit=3)
    ContactFactory(client=client, occurred_at=timezone.now() - DAY)
    AbsenceFactory(
        clinic=client.clinic,
        therapist=therapist,
        starts_on=timezone.now().date() - 20 * DAY,
        ends_on=timezone.now().date() - 15 * DAY,
    )
    html = (
        login(therapist)
        .get(reverse("attachment:timeline", args=[client.pk]))
        .content.decode()
    )
    assert 'class="weekly-limit"' in html
    assert "weekly limit (3)" in html
    assert html.count('class="absence"') in (1, 2)
    table = html[html.index('<table class="table table-sm small weekly-table') :]
    assert len(re.findall(r"<tr><th scope=\"row\">", table)) == 26
    assert 'role="img"' in html


def test_the_chart_geometry_puts_the_limit_line_at_its_value(client, now):
    ContactPolicyFactory(clinic=client.clinic, weekly_limit=4)
    for day in range(6):
        ContactFactory(
            client=client,
            occurred_at=dt.datetime(2026, 3, 9, 10, tzinfo=dt.UTC) + day * DAY,
        )
    chart = weekly_chart(client=client, now=now)
    bar = chart.shapes[-2].client
    base = chart.height - chart.bottom
    assert bar.height == pytest.approx((base - chart.limit_y) * 6 / 4)


@pytest.mark.parametrize(
    ("tallest", "ticks"),
    [
        (4, [0, 1, 2, 3, 4]),
        (5, [0, 2, 4, 6]),
        (6, [0, 2, 4, 6]),
        (13, [0, 4, 8, 12, 16]),
    ],
)
def test_the_chart_gridlines_reach_the_tallest_bar(tallest, ticks):
    from attachment.records.charts import _ticks

    assert _ticks(tallest) == ticks
