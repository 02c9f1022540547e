"""The pattern engine's Celery tasks: thin, keyword-only, ids only.

Every task is idempotent (flags are upserted on ``(client, kind,
window_start)``), acknowledged late and rejected back to the queue when its
worker dies, so a killed worker's task is delivered again and loses nothing.
Time limits come from the settings (below the broker's visibility timeout).
Database hiccups are retried with backoff.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import TypedDict

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from attachment.engine import services
from attachment.engine.scan import CHUNK_CLIENTS
from clinic.models import Clinic
from clinic.publishing import publish

log = logging.getLogger("attachment.engine.tasks")

# A re-scan waits this long, so that a burst of saves (an import, a therapist
# catching up on a day's texts) costs one scan.
RESCAN_DEBOUNCE_SECONDS = 60


class TaskOptions(TypedDict):
    """The delivery and retry options every task of the app is declared with."""

    acks_late: bool
    reject_on_worker_lost: bool
    autoretry_for: tuple[type[Exception], ...]
    retry_backoff: int
    retry_backoff_max: int
    retry_jitter: bool
    max_retries: int


TASK_OPTIONS: TaskOptions = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


def _moment(at: str | None) -> dt.datetime:
    return dt.datetime.fromisoformat(at) if at else timezone.now()


# Celery ships no types: to mypy the task is an untyped object.
@shared_task(name="attachment.tasks.scan_clinic", **TASK_OPTIONS)  # type: ignore[untyped-decorator]
def clinic_scan_task(
    *, clinic_id: int, at: str | None = None, chunk_clients: int | None = None
) -> int:
    """Fan a full scan of one clinic out in chunks of clients; returns how
    many chunks were queued (0 when a scan of the clinic is already running)."""
    now = timezone.now()
    as_of = _moment(at)
    run = services.scan_run_start(
        clinic_id=clinic_id,
        as_of=as_of,
        now=now,
        chunk_clients=chunk_clients or CHUNK_CLIENTS,
    )
    if run is None:
        log.info("scan clinic=%s skipped: a scan is already running", clinic_id)
        return 0
    chunks = list(run.chunks.values_list("first_client_id", "last_client_id"))
    for first, last in chunks:
        scan_chunk_task.apply_async(
            kwargs={
                "clinic_id": clinic_id,
                "first_client_id": first,
                "last_client_id": last,
                "at": as_of.isoformat(),
                "run_id": run.pk,
            }
        )
    log.info("scan clinic=%s run=%s chunks=%s", clinic_id, run.pk, len(chunks))
    return len(chunks)


# Celery ships no types: to mypy the task is an untyped object.
@shared_task(name="attachment.tasks.scan_chunk", **TASK_OPTIONS)  # type: ignore[untyped-decorator]
def scan_chunk_task(
    *,
    clinic_id: int,
    first_client_id: int,
    last_client_id: int,
    at: str | None = None,
    run_id: int | None = None,
) -> None:
    """Scan the clinic's clients with ids in ``first..last`` as of ``at``."""
    clinic = Clinic.objects.get(pk=clinic_id)
    services.clinic_scan(
        clinic=clinic,
        now=_moment(at),
        first_id=first_client_id,
        last_id=last_client_id,
    )
    if run_id is not None:
        services.scan_chunk_done(
            run_id=run_id, first_client_id=first_client_id, now=timezone.now()
        )


# Celery ships no types: to mypy the task is an untyped object.
@shared_task(name="attachment.tasks.rescan_client", **TASK_OPTIONS)  # type: ignore[untyped-decorator]
def client_rescan_task(*, client_id: int) -> bool:
    """Scan one client again, unless nothing changed since the last re-scan."""
    from clinic.models import Client

    if not services.rescan_due(client_id=client_id):
        return False
    started_at = timezone.now()
    client = Client.objects.select_related("clinic").get(pk=client_id)
    services.clinic_scan(clinic=client.clinic, now=started_at, client_ids=[client_id])
    services.rescan_done(client_id=client_id, started_at=started_at)
    return True


# Celery ships no types: to mypy the task is an untyped object.
@shared_task(name="attachment.tasks.nightly_scan", **TASK_OPTIONS)  # type: ignore[untyped-decorator]
def nightly_scan_task() -> int:
    """Beat's nightly job: a full scan of every clinic."""
    clinic_ids = list(Clinic.objects.order_by("pk").values_list("pk", flat=True))
    for clinic_id in clinic_ids:
        clinic_scan_task.apply_async(kwargs={"clinic_id": clinic_id})
    return len(clinic_ids)


def request_rescan(client_id: int) -> None:
    """Queue a debounced re-scan of one client (called after commit by the
    contact services).  With the broker down (:func:`clinic.publishing.publish`)
    the request is marked not queued: the contact is saved, the next save
    tries again and the nightly scan catches up meanwhile."""
    if not services.rescan_wanted(client_id=client_id, now=timezone.now()):
        return
    publish(
        client_rescan_task,
        kwargs={"client_id": client_id},
        fallback=lambda: services.rescan_not_queued(client_id=client_id),
        what="rescan",
        countdown=RESCAN_DEBOUNCE_SECONDS,
    )


def request_rescans(client_ids: list[int]) -> None:
    """:func:`request_rescan` for many clients (after a batch of arrived
    contacts): one statement records them all, and only the clients with no
    re-scan queued yet are put on the queue."""
    for client_id in services.rescans_wanted(client_ids=client_ids, now=timezone.now()):
        publish(
            client_rescan_task,
            kwargs={"client_id": client_id},
            fallback=partial(services.rescan_not_queued, client_id=client_id),
            what="rescan",
            countdown=RESCAN_DEBOUNCE_SECONDS,
        )
