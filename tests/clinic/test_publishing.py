"""Publishing a task when Redis may be down: a broker that refuses the
connection runs the caller's fallback, quickly, with a warning that carries
ids only; a broker that answers gets the message and no fallback runs.

The task is a real one of the project, published through a real Celery app
configured as the project's (``CELERY_*`` settings) but pointed at the broker
under test; the project's shared tasks publish through whichever app is
current, so :func:`broker_at` makes the test's app current for its block.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from celery import Celery
from celery._state import get_current_app
from django.conf import settings

from attachment.engine.tasks import client_rescan_task, clinic_scan_task
from clinic.publishing import publish

# Nothing listens on port 1: the connection is refused at once.
REFUSING_BROKER = "redis://127.0.0.1:1/0"
PUBLISHING_LOGGER = "between.publishing"


@contextmanager
def broker_at(url: str, *, queue: str = "celery") -> Iterator[Celery]:
    """For the block, the project's tasks publish to ``url`` (queue ``queue``),
    with the project's broker settings otherwise (timeouts, no retries)."""
    app = Celery("publishing-under-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    # CELERY_BROKER_URL in the environment overrides broker_url; the write
    # URL is taken as given.
    app.conf.broker_url = url
    app.conf.broker_write_url = url
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    previous = get_current_app()
    app.set_current()
    try:
        yield app
    finally:
        previous.set_current()
        app.close()


@contextmanager
def broker_refusing() -> Iterator[Celery]:
    """For the block, publishing finds the broker down."""
    with broker_at(REFUSING_BROKER) as app:
        yield app


def _warnings(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == PUBLISHING_LOGGER and record.levelno == logging.WARNING
    ]


def test_a_refused_publish_runs_the_fallback_and_logs_ids_only(caplog):
    ran: list[int] = []
    caplog.set_level(logging.WARNING, logger=PUBLISHING_LOGGER)

    with broker_refusing():
        started = time.monotonic()
        queued = publish(
            client_rescan_task,
            kwargs={"client_id": 4711},
            fallback=lambda: ran.append(4711),
            what="rescan",
            countdown=60,
        )
        elapsed = time.monotonic() - started

    assert queued is False
    assert ran == [4711]
    assert elapsed < 5  # the request that saved something is waiting
    assert _warnings(caplog) == ["rescan not queued client_id=4711: broker unavailable"]
    (message,) = _warnings(caplog)
    ids = message.removeprefix("rescan not queued ").split(":")[0]
    assert re.fullmatch(r"(\w+=\d+ ?)+", ids)


def test_a_refused_publish_names_every_argument_in_a_stable_order(caplog):
    caplog.set_level(logging.WARNING, logger=PUBLISHING_LOGGER)

    with broker_refusing():
        publish(
            clinic_scan_task,
            kwargs={"clinic_id": 3, "chunk_clients": 2},
            fallback=lambda: None,
            what="scan",
        )

    assert _warnings(caplog) == [
        "scan not queued chunk_clients=2 clinic_id=3: broker unavailable"
    ]


def _redis_url() -> str:
    configured = settings.CELERY_BROKER_URL or os.environ.get("CELERY_BROKER_URL")
    return configured or "redis://127.0.0.1:6379/0"


@pytest.fixture
def answering_broker() -> Iterator[tuple[str, str]]:
    """The real Redis and a queue of this test's own, removed afterwards."""
    url = _redis_url()
    server = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"publishing needs Redis under CI: {error.__class__.__name__}")
        pytest.skip(f"Redis does not answer at {url}")
    queue = f"publishing-test-{uuid.uuid4().hex}"
    yield url, queue
    # The queue, and the bindings kombu keeps for it.
    server.delete(queue, *server.scan_iter(match=f"_kombu.*{queue}"))


def test_an_answering_broker_gets_the_message_and_no_fallback_runs(
    answering_broker, caplog
):
    url, queue = answering_broker
    ran: list[int] = []
    caplog.set_level(logging.WARNING, logger=PUBLISHING_LOGGER)

    with broker_at(url, queue=queue):
        queued = publish(
            client_rescan_task,
            kwargs={"client_id": 4712},
            fallback=lambda: ran.append(4712),
            what="rescan",
            countdown=60,
        )

    assert queued is True
    assert ran == []
    assert _warnings(caplog) == []
    (raw,) = redis.Redis.from_url(url).lrange(queue, 0, -1)
    message = json.loads(raw)
    assert message["headers"]["task"] == "attachment.tasks.rescan_client"
    assert message["headers"]["eta"] is not None
    assert message["headers"]["kwargsrepr"] == "{'client_id': 4712}"
