"""The engine's Celery tasks, run in-process (eager); the reliability tests in
``tests/reliability`` run them on real workers through Redis."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from attachment.engine import tasks
from attachment.engine.services import rescan_wanted, scan_run_start
from attachment.models import Flag, RescanRequest, ScanRun
from attachment.records.services import contact_log, rupture_record
from clinic.celery import app
from tests.attachment.engine.test_scan import contacts_at
from tests.attachment.factories import RuptureFactory
from tests.clinic.test_publishing import broker_refusing
from tests.factories import ClientFactory, ClinicFactory


@pytest.fixture
def flagged_clients(clinic, therapist, now):
    """Five clients, each with four contacts on a channel not agreed."""
    clients = [ClientFactory(clinic=clinic, therapist=therapist) for _ in range(5)]
    for client in clients:
        contacts_at(
            client,
            [now - dt.timedelta(days=d) for d in (1, 2, 3, 4)],
            outside_agreement=True,
        )
    return clients


def test_a_full_scan_fans_out_in_chunks_and_finishes_its_run(
    clinic, flagged_clients, now
):
    queued = tasks.clinic_scan_task.delay(
        clinic_id=clinic.pk, at=now.isoformat(), chunk_clients=2
    ).get()

    assert queued == 3
    run = ScanRun.objects.get(clinic=clinic)
    assert run.finished_at is not None and run.as_of == now
    assert [c.done_at is not None for c in run.chunks.all()] == [True] * 3
    assert Flag.objects.filter(client__in=flagged_clients).count() == 5
    assert set(Flag.objects.values_list("detected_at", flat=True)) == {now}


def test_a_second_full_scan_does_not_start_while_one_is_running(clinic, now):
    ClientFactory(clinic=clinic)
    running = scan_run_start(
        clinic_id=clinic.pk, as_of=now, now=timezone.now(), chunk_clients=10
    )

    assert tasks.clinic_scan_task.delay(clinic_id=clinic.pk).get() == 0
    assert ScanRun.objects.filter(clinic=clinic).count() == 1

    running.started_at = timezone.now() - dt.timedelta(hours=7)
    running.save()
    assert tasks.clinic_scan_task.delay(clinic_id=clinic.pk).get() == 1


def test_the_nightly_scan_covers_every_clinic(clinic, flagged_clients):
    other = ClinicFactory()
    ClientFactory(clinic=other)

    assert tasks.nightly_scan_task.delay().get() == 2
    assert ScanRun.objects.filter(finished_at__isnull=False).count() == 2


def test_saving_a_contact_rescans_its_client(
    client, therapist, policy, django_capture_on_commit_callbacks
):
    now = timezone.now()  # the re-scan judges the present, as tasks do
    for days in (1, 2, 3):
        contacts_at(client, [now - dt.timedelta(days=days)], outside_agreement=True)
    with django_capture_on_commit_callbacks(execute=True):
        contact_log(
            actor=therapist,
            client=client,
            occurred_at=now - dt.timedelta(hours=3),
            channel="social",
            direction="from_client",
            now=now,
        )

    request = RescanRequest.objects.get(client=client)
    assert request.scanned_at is not None
    assert Flag.objects.get(client=client).kind == "policy_pattern"


def test_recording_a_rupture_rescans_its_client(
    client, therapist, django_capture_on_commit_callbacks
):
    now = timezone.now()
    for days in (20, 10):
        RuptureFactory(client=client, noticed_at=now - dt.timedelta(days=days))
    with django_capture_on_commit_callbacks(execute=True):
        rupture_record(
            actor=therapist,
            client=client,
            noticed_at=now - dt.timedelta(hours=2),
            setting="in_session",
            kind="confrontation",
            markers=["complaint_therapist"],
            now=now,
        )

    assert RescanRequest.objects.get(client=client).scanned_at is not None
    assert Flag.objects.filter(client=client, kind="repeated_ruptures").exists()


def test_a_rescan_already_queued_is_not_queued_again(client, now):
    assert rescan_wanted(client_id=client.pk, now=now)
    assert not rescan_wanted(client_id=client.pk, now=now + dt.timedelta(seconds=5))
    # Taken as lost after ten minutes without running: queue it again.
    assert rescan_wanted(client_id=client.pk, now=now + dt.timedelta(minutes=11))


def test_a_rescan_with_nothing_new_does_nothing(client, now):
    rescan_wanted(client_id=client.pk, now=now)

    assert tasks.client_rescan_task.delay(client_id=client.pk).get() is True
    assert tasks.client_rescan_task.delay(client_id=client.pk).get() is False


def test_tasks_are_acknowledged_late_and_retried_on_database_errors():
    for task in (
        tasks.clinic_scan_task,
        tasks.scan_chunk_task,
        tasks.client_rescan_task,
        tasks.nightly_scan_task,
    ):
        assert task.acks_late and task.reject_on_worker_lost
        assert task.name in app.tasks
        assert "OperationalError" in {e.__name__ for e in task.autoretry_for}
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert (
        app.conf.task_time_limit
        < app.conf.broker_transport_options["visibility_timeout"]
    )


def test_beat_runs_the_nightly_scan_at_half_past_two(db):
    task = PeriodicTask.objects.get(name="nightly pattern scan")

    assert task.task == "attachment.tasks.nightly_scan"
    assert task.task in app.tasks
    assert (task.crontab.hour, task.crontab.minute) == ("2", "30")
    assert task.enabled


def test_every_task_keeps_its_pinned_name():
    """Beat's stored rows and queued messages name tasks; moving a module
    must not rename one."""
    from clinic.celery import app

    app.loader.import_default_modules()
    names = {name for name in app.tasks if name.startswith("attachment.")}
    assert names == {
        "attachment.tasks.scan_clinic",
        "attachment.tasks.scan_chunk",
        "attachment.tasks.rescan_client",
        "attachment.tasks.nightly_scan",
        "attachment.supervision_tasks.daily_digest",
        "attachment.supervision_tasks.digest_send",
        "attachment.cover_tasks.daily_cover_notices",
        "attachment.alerts.unanswered_distress_sweep",
        "attachment.policy_refresh.refresh_default_policy",
        "attachment.policy_refresh.refresh_default_policy_chunk",
        "attachment.unmatched.purge_expired",
        "attachment.retention.list_due",
        "attachment.ingestion.poll_mailboxes",
    }


def test_with_the_broker_down_a_saved_contact_is_left_to_the_nightly_scan(
    client, therapist, policy, caplog, django_capture_on_commit_callbacks
):
    now = timezone.now()
    caplog.set_level(logging.WARNING, logger="between.publishing")
    with broker_refusing(), django_capture_on_commit_callbacks(execute=True):
        contact = contact_log(
            actor=therapist,
            client=client,
            occurred_at=now - dt.timedelta(hours=1),
            channel="text",
            direction="from_client",
            now=now,
        )

    assert contact.pk is not None
    request = RescanRequest.objects.get(client=client)
    assert request.enqueued_at is None and request.scanned_at is None
    assert f"rescan not queued client_id={client.pk}: broker unavailable" in (
        caplog.messages
    )
    # Not taken as queued: the next save tries to queue it again.
    assert rescan_wanted(client_id=client.pk, now=now + dt.timedelta(seconds=5))
