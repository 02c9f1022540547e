"""One week for every count: calendar weeks from Monday in the clinic's time
zone, and after hours counted as the flags count it.  The scan's weekly
input, the client chart, the flag chart and the caseload overview give the
same numbers for the same week, around local midnight in a zone far from UTC."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from attachment.engine.detect import ChunkClient, week_matrix
from attachment.engine.patterns import WeeklySeries
from attachment.engine.reads import STREAMS, ClientStream, ScanWindow, query_parameters
from attachment.engine.services import thresholds_for
from attachment.models import Contact
from attachment.oversight.selectors import supervisee_overview
from attachment.records.charts import weekly_counts
from attachment.records.weeks import (
    LocalWeek,
    after_hours_reply,
    in_local_week_sql,
    local_week_sql,
    local_week_start,
    week_bounds,
    week_start,
)
from attachment.review.charts import weekly_rows
from tests.attachment.factories import ContactFactory, FlagFactory

pytestmark = pytest.mark.django_db

AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")  # UTC+13 until 5 April 2026
# Thursday 19 March 2026, 01:00 in Auckland; still Wednesday in UTC.
NOW = dt.datetime(2026, 3, 18, 12, 0, tzinfo=dt.UTC)
WEEK_OF_2_MARCH, WEEK_OF_9_MARCH, WEEK_OF_16_MARCH = (
    dt.date(2026, 3, 2),
    dt.date(2026, 3, 9),
    dt.date(2026, 3, 16),
)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of March 2026 on the clinic's clock in Auckland."""
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=AUCKLAND)


# The rule in Python ----------------------------------------------------------


def test_a_week_starts_on_the_monday_of_its_date():
    assert week_start(dt.date(2026, 3, 15)) == WEEK_OF_9_MARCH  # a Sunday
    assert week_start(WEEK_OF_9_MARCH) == WEEK_OF_9_MARCH


def test_a_moment_falls_in_the_week_of_its_local_date():
    sunday_night_in_utc = dt.datetime(2026, 3, 8, 11, 30, tzinfo=dt.UTC)

    assert local_week_start(sunday_night_in_utc, AUCKLAND) == WEEK_OF_9_MARCH
    london = zoneinfo.ZoneInfo("Europe/London")
    assert local_week_start(sunday_night_in_utc, london) == WEEK_OF_2_MARCH


def test_a_week_runs_from_local_midnight_to_local_midnight_across_a_clock_change():
    start, end = week_bounds(dt.date(2026, 4, 2), AUCKLAND)

    assert start == dt.datetime(2026, 3, 29, 11, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 4, 5, 12, 0, tzinfo=dt.UTC)
    # An hour longer than seven days of 24 hours (aware subtraction in one
    # zone is wall-clock time, so compare in UTC).
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(
        days=7, hours=1
    )


# The rule in SQL agrees ------------------------------------------------------

MOMENTS = [
    at(8, 23, 59),
    at(9, 0, 0),
    at(9, 0, 1),
    at(10, 23, 50),
    at(11, 0, 10),
    at(15, 23, 45),
    at(16, 0, 15),
    dt.datetime(2026, 4, 5, 23, 59, tzinfo=AUCKLAND),  # the day the clocks go back
    dt.datetime(2026, 4, 6, 0, 0, tzinfo=AUCKLAND),
]


@pytest.mark.parametrize(
    "zone", ["Pacific/Auckland", "America/Los_Angeles", "Europe/London"]
)
def test_the_sql_week_is_the_python_week(zone):
    sql = (
        f"SELECT {local_week_sql('%(moment)s', '%(zone)s')}, "
        f"{in_local_week_sql('%(moment)s', '%(week)s::timestamp', '%(zone)s')}"
    )
    with connection.cursor() as cursor:
        for moment in MOMENTS:
            week = local_week_start(moment, zoneinfo.ZoneInfo(zone))
            cursor.execute(
                sql,
                {
                    "moment": moment,
                    "zone": zone,
                    "week": dt.datetime.combine(week, dt.time()),
                },
            )
            assert cursor.fetchone() == (week, True), moment


def test_the_orm_week_is_the_python_week(client):
    client.clinic.timezone = "Pacific/Auckland"
    client.clinic.save(update_fields=["timezone"])
    for moment in MOMENTS:
        ContactFactory(client=client, occurred_at=moment)

    weeks = Contact.objects.annotate(
        week=LocalWeek("occurred_at", "client__clinic__timezone")
    ).values_list("occurred_at", "week")

    assert sorted(weeks) == [(m, local_week_start(m, AUCKLAND)) for m in MOMENTS]


def test_an_after_hours_reply_counts_once_it_is_sent(client):
    asked = ContactFactory(
        client=client,
        occurred_at=NOW - dt.timedelta(hours=2),
        responded_at=NOW + dt.timedelta(hours=1),
        responded_after_hours=True,
    )
    ContactFactory(client=client, direction="from_therapist", after_hours=True)
    ContactFactory(client=client, after_hours=True)  # the client's, not a reply
    ContactFactory(client=client, direction="from_therapist")

    def counted(as_of: dt.datetime) -> set[int]:
        return set(
            Contact.objects.filter(after_hours_reply(as_of=as_of)).values_list(
                "pk", flat=True
            )
        )

    therapists = set(
        Contact.objects.filter(
            direction="from_therapist", after_hours=True
        ).values_list("pk", flat=True)
    )
    assert counted(NOW) == therapists
    assert counted(NOW + dt.timedelta(hours=1)) == therapists | {asked.pk}


# Every reader counts the same weeks ---------------------------------------------


@pytest.fixture
def around_midnight(client):
    """Contacts either side of the local midnights that begin the weeks of
    9 and 16 March, and of a midnight inside the week of 9 March, in a clinic
    in Auckland.  In the week of 9 March: four from the client and three
    after-hours replies (two contacts of the therapist at night, one reply
    sent at night)."""
    client.clinic.timezone = "Pacific/Auckland"
    client.clinic.save(update_fields=["timezone"])

    def contact(moment: dt.datetime, **fields) -> None:
        ContactFactory(client=client, occurred_at=moment, **fields)

    contact(at(8, 23, 30), after_hours=True)  # Sunday: the week of 2 March
    contact(
        at(9, 0, 30),
        after_hours=True,
        responded_at=at(9, 7),
        responded_after_hours=True,
        response_minutes=390,
    )
    contact(at(9, 0, 10), direction="from_therapist", after_hours=True)
    contact(at(10, 23, 50), after_hours=True)
    contact(at(11, 0, 10), after_hours=True)
    contact(at(13, 10), responded_at=at(13, 11), response_minutes=60)
    contact(at(15, 23, 45), direction="from_therapist", after_hours=True)
    contact(at(16, 0, 15), after_hours=True)  # Monday: the current week
    return client


def scan_input(client, now: dt.datetime) -> WeeklySeries:
    """The weekly series the scan hands the detectors for ``client``."""
    thresholds = thresholds_for(clinic=client.clinic)
    zone = client.clinic.timezone
    window = ScanWindow.build(
        now=now.astimezone(zoneinfo.ZoneInfo(zone)), thresholds=thresholds
    )
    params = query_parameters(
        clinic_id=client.clinic_id,
        zone_name=zone,
        window=window,
        thresholds=thresholds,
        client_ids=[client.pk],
    )
    clients = ClientStream(STREAMS["clients"], params)
    weekly = ClientStream(STREAMS["weekly"], params)
    try:
        (row,) = next(clients.batches(10))
        chunk_client = ChunkClient(*row)
        matrix = week_matrix([chunk_client], weekly.rows_through(client.pk), {}, window)
    finally:
        clients.close()
        weekly.close()
    return matrix.series(0, chunk_client, window)


def test_the_scan_the_charts_and_the_overview_count_the_same_weeks(
    around_midnight, supervisor
):
    expected = {WEEK_OF_2_MARCH: (1, 0), WEEK_OF_9_MARCH: (4, 3)}

    series = scan_input(around_midnight, NOW)
    scanned = {
        week: (int(ci), int(late))
        for week, ci, late in zip(
            series.week_starts,
            series.client_initiated,
            series.after_hours_replies,
            strict=True,
        )
    }
    assert series.week_starts[-1] == WEEK_OF_9_MARCH  # the last week that ended
    assert {week: scanned[week] for week in expected} == expected

    charted = {
        week.starts_on: (week.from_client, week.after_hours_replies)
        for week in weekly_counts(client=around_midnight, now=NOW)
    }
    assert {week: charted[week] for week in expected} == expected
    assert charted[WEEK_OF_16_MARCH] == (1, 0)

    flag = FlagFactory(client=around_midnight, kind="therapist_overextension")
    flagged = {
        row[0]: (row[1], row[4])
        for row in weekly_rows(flag=flag, first=WEEK_OF_2_MARCH, last=WEEK_OF_9_MARCH)
    }
    assert flagged == expected

    (row,) = supervisee_overview(user=supervisor, now=NOW)
    assert row.weekly_from_client[-3:] == [1, 4, 1]
    assert row.after_hours_replies == 3


def test_a_reply_sent_after_the_moment_counted_is_not_yet_an_after_hours_reply(
    around_midnight, supervisor
):
    ContactFactory(
        client=around_midnight,
        occurred_at=at(12, 10),
        responded_at=NOW + dt.timedelta(hours=1),
        responded_after_hours=True,
        response_minutes=10000,
    )

    series = scan_input(around_midnight, NOW)
    charted = weekly_counts(client=around_midnight, now=NOW)
    (row,) = supervisee_overview(user=supervisor, now=NOW)

    assert int(series.after_hours_replies[-1]) == 3
    assert charted[-2].starts_on == WEEK_OF_9_MARCH
    assert charted[-2].after_hours_replies == 3
    assert row.after_hours_replies == 3


def test_the_client_chart_table_shows_the_after_hours_replies(login, therapist, client):
    ContactFactory(
        client=client,
        direction="from_therapist",
        occurred_at=timezone.now(),
        after_hours=True,
    )

    html = (
        login(therapist)
        .get(reverse("attachment:timeline", args=[client.pk]))
        .content.decode()
    )

    table = html[html.index('<table class="table table-sm small weekly-table') :]
    assert '<th scope="col">After-hours replies</th>' in table
    last_row = table.split('<tr><th scope="row">')[-1]
    assert "<td>0</td><td>1</td><td>100%</td><td>1</td><td>no</td>" in last_row
