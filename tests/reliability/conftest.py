"""Real Redis, real ``celery worker`` processes, the test database.

The tests run whenever Redis answers at the configured ``CELERY_BROKER_URL``
(``.ci/run`` makes sure it does).  Without it they are skipped with the
reason shown, except under ``CI=true``, where a missing Redis fails the run.

Each session uses a Redis database of its own (``RELIABILITY_REDIS_DB``,
default 13, flushed before and after) and a queue named after the process, so
that nothing else on the machine's Redis is touched and no other worker takes
the tests' messages.  Workers get a short visibility timeout, so that a
killed worker's task comes back within seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
VISIBILITY_TIMEOUT = 8
WORKER_READY_SECONDS = 30


def _session_broker_url() -> str | None:
    configured = settings.CELERY_BROKER_URL or os.environ.get("CELERY_BROKER_URL")
    if not configured:
        return None
    parts = urlsplit(configured)
    db = os.environ.get("RELIABILITY_REDIS_DB", "13")
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))


@pytest.fixture(scope="session")
def broker_url() -> Iterator[str]:
    url = _session_broker_url()
    reason = None
    if url is None:
        reason = "CELERY_BROKER_URL is not set"
    else:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        except redis.RedisError as error:
            reason = f"Redis does not answer at {url}: {error.__class__.__name__}"
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"reliability tests need Redis under CI: {reason}")
        pytest.skip(f"reliability tests need Redis: {reason}")
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


@pytest.fixture(scope="session")
def queue() -> str:
    return f"reliability-{os.getpid()}"


@pytest.fixture
def producer(broker_url, queue) -> Iterator[Celery]:
    """A Celery app of the test's own that publishes to the session's queue."""
    app = Celery("reliability", broker=broker_url)
    # Celery lets the CELERY_BROKER_URL environment variable override
    # broker_url; the write URL is taken as given.
    app.conf.broker_write_url = broker_url
    app.conf.broker_transport_options = {"visibility_timeout": VISIBILITY_TIMEOUT}
    app.conf.task_default_queue = queue
    yield app
    app.close()


def database_url() -> str:
    """The *test* database, as ``DATABASE_URL`` for a subprocess."""
    db = connection.settings_dict
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or "5432"
    # A socket directory (the embedded PostgreSQL of `make test`) goes in
    # percent-encoded, as in the URL the parent was given.
    return f"postgres://{auth}{quote(host, safe='')}:{port}/{db['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "SECURE_SSL_REDIRECT": "false",
        "DEBUG": "false",
        "LOG_LEVEL": "INFO",
    }
    env.update(extra)
    return env


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(
    transactional_db, broker_url, queue, tmp_path
) -> Iterator[Callable[[], Worker]]:
    """Start ``celery -A clinic worker`` processes (solo pool: the task runs
    in the worker's own process, so SIGKILL takes the task down with it)."""
    started: list[Worker] = []

    def start() -> Worker:
        log = tmp_path / f"worker-{len(started)}.log"
        process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "clinic",
                "worker",
                "--pool",
                "solo",
                "--queues",
                queue,
                "--hostname",
                f"reliability-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=child_env(
                CELERY_BROKER_URL=broker_url,
                CELERY_QUEUE=queue,
                CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
            ),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        worker = Worker(process, log)
        started.append(worker)
        deadline = time.monotonic() + WORKER_READY_SECONDS
        while "ready." not in worker.output():
            if process.poll() is not None or time.monotonic() > deadline:
                worker.stop()
                pytest.fail(f"worker did not start:\n{worker.output()[-3000:]}")
            time.sleep(0.1)
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)
