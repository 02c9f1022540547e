"""The nightly listing: exactly the ended clients whose ending date plus
their clinic's retention period has come, on the clinic's today; a client
stops being listed when that no longer holds or once destroyed."""

from __future__ import annotations

import datetime as dt

import pytest

from attachment.models import RetentionDue
from attachment.retention.selectors import retention_due_on
from attachment.retention.services import (
    client_destroy,
    retention_list_due,
    retention_years_set,
)
from attachment.retention.tasks import list_due_task
from tests.attachment.retention.conftest import end
from tests.factories import ClientFactory

# NOW is 2026-03-18 12:00 UTC, the same day in London.
TODAY = dt.date(2026, 3, 18)


@pytest.fixture
def ended(clinic, therapist):
    def _ended(code: str, on: dt.date):
        return end(ClientFactory(clinic=clinic, therapist=therapist, code=code), on=on)

    return _ended


def listed() -> dict[str, dt.date]:
    return dict(RetentionDue.objects.values_list("client__code", "due_on"))


def test_a_client_is_listed_on_the_day_retention_runs_out_and_not_the_day_before(
    ended, now
):
    ended("DUE-TODAY", dt.date(2019, 3, 18))
    ended("DUE-TOMORROW", dt.date(2019, 3, 19))
    ended("DUE-LONG-AGO", dt.date(2010, 1, 4))
    assert retention_list_due(now=now) == 2
    assert listed() == {
        "DUE-TODAY": TODAY,
        "DUE-LONG-AGO": dt.date(2017, 1, 4),
    }


def test_each_clinic_s_clients_are_judged_by_its_own_period(
    ended, client, other_clinic, therapist, now
):
    ClientFactory(clinic=other_clinic, therapist=therapist, code="HT-ACTIVE")
    for code in ("HT-2010", "HT-2000"):
        end(
            ClientFactory(clinic=other_clinic, therapist=therapist, code=code),
            on=dt.date(int(code[3:]), 1, 4),
        )
    other_clinic.retention_years = 20
    other_clinic.save()
    ended("RS-2010", dt.date(2010, 1, 4))
    retention_list_due(now=now)
    assert listed() == {
        "HT-2000": dt.date(2020, 1, 4),
        "RS-2010": dt.date(2017, 1, 4),
    }


def test_a_longer_period_takes_a_client_off_the_list(ended, clinic, admin, now):
    ended("C-2017", dt.date(2017, 3, 1))
    retention_list_due(now=now)
    assert list(listed()) == ["C-2017"]
    retention_years_set(actor=admin, clinic=clinic, years=10, now=now)
    retention_list_due(now=now)
    assert listed() == {}


def test_the_listing_is_idempotent(ended, now):
    ended("C-2015", dt.date(2015, 5, 5))
    retention_list_due(now=now)
    first = list(RetentionDue.objects.values_list("pk", "client_id", "due_on"))
    retention_list_due(now=now + dt.timedelta(hours=1))
    assert list(RetentionDue.objects.values_list("pk", "client_id", "due_on")) == first


def test_a_destroyed_client_is_no_longer_listed(ended, admin, now):
    gone = ended("C-2012", dt.date(2012, 5, 5))
    retention_list_due(now=now)
    client_destroy(actor=admin, client=gone, reason="Retention ended", now=now)
    retention_list_due(now=now)
    assert listed() == {}


def test_the_task_lists_the_clients_due_by_the_real_clock(ended):
    ended("C-2000", dt.date(2000, 1, 3))
    assert list_due_task.name == "attachment.retention.list_due"
    assert list_due_task.delay().get() == 1
    assert list(listed()) == ["C-2000"]


@pytest.mark.parametrize(
    ("ended_on", "years", "due_on"),
    [
        (dt.date(2019, 3, 18), 7, dt.date(2026, 3, 18)),
        (dt.date(2016, 2, 29), 7, dt.date(2023, 2, 28)),
        (dt.date(2016, 2, 29), 8, dt.date(2024, 2, 29)),
        (dt.date(2020, 12, 31), 6, dt.date(2026, 12, 31)),
    ],
)
def test_the_due_day_is_the_anniversary_of_the_ending(ended_on, years, due_on):
    assert retention_due_on(ended_on=ended_on, years=years) == due_on


def test_a_leap_day_ending_is_due_on_the_28th_of_february(ended, now):
    ended("LEAP", dt.date(2016, 2, 29))
    retention_list_due(now=now.replace(year=2023, month=2, day=27))
    assert listed() == {}
    retention_list_due(now=now.replace(year=2023, month=2, day=28))
    assert listed() == {"LEAP": dt.date(2023, 2, 28)}


def test_beat_lists_the_clients_due_nightly(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="attachment.retention.list_due")
    assert task.enabled and task.kwargs == "{}"
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == (
        "45",
        "2",
        "*",
    )
