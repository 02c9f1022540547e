"""What the contact import sets off when it commits: the re-scan of every
client it wrote to.  With a broker configured, one message per client goes
onto the real Redis queue and nothing is scanned in the import's process;
with none (Celery's eager mode, ``clinic.settings``), the re-scan runs in the
process before the import returns."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings

from attachment.models import RescanRequest
from attachment.records.imports import HEADER, contacts_import
from tests.clinic.test_publishing import broker_at
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

RESCAN_TASK = "attachment.tasks.rescan_client"


def csv_text(*codes: str) -> str:
    rows = [
        f"{code},2026-03-09T10:0{minute}:00+00:00,text,from_client,scheduling,,"
        for minute, code in enumerate(codes)
    ]
    return "\n".join([",".join(HEADER), *rows]) + "\n"


@pytest.fixture
def queue() -> Iterator[tuple[str, str]]:
    """The real Redis and a queue of this test's own, removed afterwards."""
    url = (
        settings.CELERY_BROKER_URL
        or os.environ.get("CELERY_BROKER_URL")
        or "redis://127.0.0.1:6379/0"
    )
    server = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the queued re-scan needs Redis under CI: {error}")
        pytest.skip(f"Redis does not answer at {url}")
    name = f"import-rescan-test-{uuid.uuid4().hex}"
    yield url, name
    server.delete(name, *server.scan_iter(match=f"_kombu.*{name}"))


@pytest.fixture
def two_clients(clinic, client, therapist):
    neighbour = ClientFactory(clinic=clinic, therapist=therapist, code="RS-002")
    ClientFactory(clinic=clinic, therapist=therapist, code="RS-003")  # not in the file
    return client, neighbour


def test_with_a_broker_the_rescans_are_queued_and_none_runs_here(
    clinic, two_clients, policy, now, queue, django_capture_on_commit_callbacks
):
    url, name = queue
    with (
        broker_at(url, queue=name),
        django_capture_on_commit_callbacks(execute=True),
    ):
        contacts_import(
            clinic=clinic, text=csv_text("RS-001", "RS-002", "RS-001"), now=now
        )

    messages = [
        json.loads(raw) for raw in redis.Redis.from_url(url).lrange(name, 0, -1)
    ]
    assert sorted(
        (message["headers"]["task"], message["headers"]["kwargsrepr"])
        for message in messages
    ) == sorted((RESCAN_TASK, f"{{'client_id': {c.pk}}}") for c in two_clients)
    # Debounced: each waits before it runs, on a worker.
    assert all(message["headers"]["eta"] for message in messages)
    requests = RescanRequest.objects.order_by("client_id")
    assert list(requests.values_list("client_id", "scanned_at")) == [
        (c.pk, None) for c in sorted(two_clients, key=lambda c: c.pk)
    ]
    assert all(r.enqueued_at == r.requested_at for r in requests)


def test_a_second_import_before_the_worker_runs_queues_nothing_more(
    clinic, two_clients, policy, now, queue, django_capture_on_commit_callbacks
):
    url, name = queue
    with broker_at(url, queue=name):
        for codes in (("RS-001", "RS-002"), ("RS-002", "RS-001", "RS-002")):
            with django_capture_on_commit_callbacks(execute=True):
                contacts_import(clinic=clinic, text=csv_text(*codes), now=now)

    assert redis.Redis.from_url(url).llen(name) == len(two_clients)


def test_without_a_broker_the_rescan_runs_in_the_importing_process(
    clinic, two_clients, policy, now, queue, django_capture_on_commit_callbacks
):
    # tests/attachment/conftest.py keeps the project's app eager, as the
    # settings make it when CELERY_BROKER_URL is empty.
    url, name = queue
    with django_capture_on_commit_callbacks(execute=True):
        contacts_import(clinic=clinic, text=csv_text("RS-001", "RS-002"), now=now)

    scanned = dict(RescanRequest.objects.values_list("client_id", "scanned_at"))
    assert set(scanned) == {c.pk for c in two_clients}
    assert all(at is not None for at in scanned.values())
    assert redis.Redis.from_url(url).llen(name) == 0
