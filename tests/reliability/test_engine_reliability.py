"""The pattern engine with a real broker and real worker processes."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import redis
from django.utils import timezone

from attachment.engine.services import clinic_scan
from attachment.models import Contact, Flag, ScanChunk, ScanRun
from tests.attachment.engine.test_scan import contacts_at
from tests.factories import (
    ClientFactory,
    ClinicFactory,
    ContactPolicyFactory,
    MembershipFactory,
    UserFactory,
)
from tests.reliability.conftest import ROOT, VISIBILITY_TIMEOUT, child_env, wait_for

pytestmark = pytest.mark.reliability

SCAN_CLINIC = "attachment.tasks.scan_clinic"


def task_ids(log: str, event: str) -> set[str]:
    """Ids of the chunk tasks a worker's log says were received or succeeded."""
    return set(re.findall(rf"scan_chunk\[([0-9a-f-]+)\] {event}", log))


def unacknowledged_task_ids(broker_url: str) -> set[str]:
    """Ids of the tasks Redis has handed out and not yet seen acknowledged
    (kombu keeps them in the ``unacked`` hash until the ack)."""
    held = redis.Redis.from_url(broker_url).hvals("unacked")
    return {json.loads(raw)[0]["headers"]["id"] for raw in held}


def kill_while_holding_a_task(worker, broker_url: str) -> set[str]:
    """SIGKILL ``worker`` at a moment it holds an unacknowledged task, and
    return that task's id.  The worker is frozen (SIGSTOP) while Redis is
    looked at, so the kill cannot fall between an acknowledgement and the
    next delivery; if it holds nothing at that instant it is let go on."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        os.kill(worker.process.pid, signal.SIGSTOP)
        held = unacknowledged_task_ids(broker_url)
        if held:
            worker.kill()
            return held
        os.kill(worker.process.pid, signal.SIGCONT)
        time.sleep(0.02)
    return set()


def flagged_clinic(clients: int):
    """A clinic whose every client has four contacts on a channel not agreed
    in the last days (none before): each must end with exactly one policy
    flag."""
    clinic = ClinicFactory()
    therapist = UserFactory()
    MembershipFactory(user=therapist, clinic=clinic, role="therapist")
    now = timezone.now()
    for _ in range(clients):
        client = ClientFactory(clinic=clinic, therapist=therapist)
        contacts_at(
            client,
            [now - dt.timedelta(days=d, hours=1) for d in (1, 2, 3, 4)],
            outside_agreement=True,
        )
    return clinic


def test_a_scan_enqueued_through_redis_runs_on_a_worker_and_writes_flags(
    producer, start_worker
):
    clinic = flagged_clinic(3)
    start_worker()

    producer.send_task(SCAN_CLINIC, kwargs={"clinic_id": clinic.pk, "chunk_clients": 2})

    wait_for(
        lambda: ScanRun.objects.filter(
            clinic=clinic, finished_at__isnull=False
        ).exists(),
        seconds=30,
        what="the scan run to finish",
    )
    assert (
        Flag.objects.filter(client__clinic=clinic, kind="policy_pattern").count() == 3
    )


def test_a_worker_killed_mid_scan_loses_and_duplicates_nothing(
    producer, start_worker, broker_url
):
    clients = 40
    clinic = flagged_clinic(clients)
    first = start_worker()
    producer.send_task(SCAN_CLINIC, kwargs={"clinic_id": clinic.pk, "chunk_clients": 1})

    def chunks_done() -> int:
        return ScanChunk.objects.filter(
            run__clinic=clinic, done_at__isnull=False
        ).count()

    wait_for(lambda: chunks_done() >= 3, seconds=30, what="the first chunks")
    held = kill_while_holding_a_task(first, broker_url)
    done_at_kill = chunks_done()

    assert done_at_kill < clients
    assert held, "the killed worker held no unacknowledged task"

    # Redis hands an unacknowledged task out again once it is older than the
    # visibility timeout; a worker restores such tasks when it starts.
    time.sleep(VISIBILITY_TIMEOUT + 1)
    second = start_worker()
    wait_for(
        lambda: ScanRun.objects.filter(
            clinic=clinic, finished_at__isnull=False
        ).exists(),
        seconds=45,
        what="the scan to finish on the second worker",
    )
    assert chunks_done() == clients
    per_client = Flag.objects.filter(client__clinic=clinic).values_list(
        "client_id", "kind"
    )
    assert len(per_client) == clients
    assert len(set(per_client)) == clients
    # Whatever the killed worker held (the task it was running, or the one it
    # had just taken) ran to the end on the second worker, and the first
    # worker never finished it.
    assert held <= task_ids(second.output(), "succeeded")
    assert not held & task_ids(first.output(), "succeeded")


SAVE_A_CONTACT = textwrap.dedent(
    """
    import datetime as dt, sys, time, django
    django.setup()
    from django.db import transaction
    from django.utils import timezone
    from attachment.records.services import contact_log
    from clinic.models import Client, User

    client = Client.objects.get(pk=int(sys.argv[1]))
    actor = User.objects.get(pk=client.therapist_id)
    started = time.monotonic()
    with transaction.atomic():
        # Between the seeded contacts of one and two days ago: inside the
        # days any policy window over those four holds, whatever the weekday.
        contact = contact_log(
            actor=actor, client=client,
            occurred_at=timezone.now() - dt.timedelta(days=1, hours=2),
            channel="social", direction="from_client", now=timezone.now(),
        )
    print(f"saved={contact.pk} seconds={time.monotonic() - started:.2f}")
    """
)


def test_with_redis_down_a_contact_is_saved_and_the_nightly_scan_catches_up(
    transactional_db,
):
    clinic = flagged_clinic(1)
    # Social media is not among the clinic's channels: the contact saved while
    # Redis is down lies outside the policy like the four seeded ones.
    ContactPolicyFactory(clinic=clinic, weekly_limit=None)
    client = clinic.clients.get()
    before = Contact.objects.filter(client=client).count()

    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-c", SAVE_A_CONTACT, str(client.pk)],
        cwd=ROOT,
        env=child_env(
            DJANGO_SETTINGS_MODULE="clinic.settings",
            CELERY_BROKER_URL="redis://127.0.0.1:6390/0",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    elapsed = time.monotonic() - started

    assert result.returncode == 0, result.stderr[-2000:]
    assert "saved=" in result.stdout
    assert float(result.stdout.split("seconds=")[1]) < 5
    assert (
        f"rescan not queued client_id={client.pk}: broker unavailable" in result.stderr
    )
    assert Contact.objects.filter(client=client).count() == before + 1
    assert Flag.objects.filter(client=client).count() == 0
    assert elapsed < 30

    clinic_scan(clinic=clinic, now=timezone.now())

    flag = Flag.objects.get(client=client)
    # The four seeded contacts and the one saved while Redis was down: it is
    # counted like any other.
    assert flag.evidence["contacts_outside_policy"] == 5
