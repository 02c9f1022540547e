"""The unmatched inbox's retention: messages older than their clinic's
``unmatched_retention_days`` (by arrival) are deleted, resolved or not;
newer ones stay.  The task is run as beat would run it, in process."""

from __future__ import annotations

import datetime as dt

from django_celery_beat.models import PeriodicTask

from attachment.models import Contact, UnmatchedMessage
from attachment.unmatched.services import unmatched_assign, unmatched_purge_expired
from attachment.unmatched.tasks import purge_expired_task
from clinic.models import AuditAction, AuditEvent
from tests.attachment.unmatched.conftest import waiting_message


def _arrived(integration, now, days: float, **fields):
    at = now - dt.timedelta(days=days)
    return waiting_message(
        integration, now=now, occurred_at=at, received_at=at, **fields
    )


def test_expired_messages_go_and_fresh_ones_stay(integration, now):
    old = _arrived(integration, now, 31)
    edge = _arrived(integration, now, 29.9)
    counts = unmatched_purge_expired(now=now)
    assert (counts.clinics, counts.deleted) == (1, 1)
    assert list(UnmatchedMessage.objects.all()) == [edge]
    deleted = AuditEvent.objects.get(action=AuditAction.DELETE)
    assert (deleted.actor_id, deleted.object_id, deleted.clinic_id) == (
        None,
        old.pk,
        integration.clinic_id,
    )
    assert deleted.object_type == "attachment.unmatchedmessage"


def test_each_clinic_keeps_its_messages_its_own_number_of_days(
    integration, other_integration, other_clinic, now
):
    other_clinic.unmatched_retention_days = 7
    other_clinic.save(update_fields=["unmatched_retention_days"])
    ten_days_here = _arrived(integration, now, 10)
    _arrived(other_integration, now, 10)
    kept_there = _arrived(other_integration, now, 6)
    unmatched_purge_expired(now=now)
    assert set(UnmatchedMessage.objects.all()) == {ten_days_here, kept_there}


def test_an_assigned_message_goes_and_its_contact_stays(
    therapist, client, integration, now, policy
):
    message = _arrived(integration, now, 40)
    contact = unmatched_assign(
        actor=therapist,
        message=message,
        client=client,
        now=now - dt.timedelta(days=39),
    )
    unmatched_purge_expired(now=now)
    assert not UnmatchedMessage.objects.exists()
    assert Contact.objects.get() == contact


def test_a_second_run_deletes_nothing_more(integration, now):
    _arrived(integration, now, 31)
    unmatched_purge_expired(now=now)
    counts = unmatched_purge_expired(now=now)
    assert (counts.clinics, counts.deleted) == (0, 0)


def test_the_task_returns_counts_only(integration):
    from django.utils import timezone

    _arrived(integration, timezone.now(), 45)
    _arrived(integration, timezone.now(), 1)
    assert purge_expired_task.apply().get() == {"clinics": 1, "deleted": 1}
    assert purge_expired_task.name == "attachment.unmatched.purge_expired"


def test_beat_runs_the_purge_daily(db):
    task = PeriodicTask.objects.get(task="attachment.unmatched.purge_expired")
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour) == ("30", "3")
    assert task.crontab.day_of_week == "*"
