"""The daily digest's Celery tasks: thin, keyword-only, ids only.

``daily_digest_task`` is beat's job (``attachment/migrations/0007``); it fans
out one ``digest_send_task`` per supervisor.  Task names are pinned with
``name=``: beat's stored rows and the workers' queues know them by name.  Each is idempotent per day (the
:class:`~attachment.models.DigestLog` claim), so a redelivered or retried task
sends nothing twice.  A mail server that refuses is retried with backoff.
"""

from __future__ import annotations

import datetime as dt
import smtplib

from celery import shared_task
from django.utils import timezone

from attachment.engine.tasks import TASK_OPTIONS, TaskOptions
from attachment.supervision import digest

DIGEST_TASK_OPTIONS: TaskOptions = {
    **TASK_OPTIONS,
    "autoretry_for": (
        *TASK_OPTIONS["autoretry_for"],
        smtplib.SMTPException,
        ConnectionError,
    ),
}


@shared_task(name="attachment.supervision_tasks.daily_digest", **DIGEST_TASK_OPTIONS)
def daily_digest_task() -> int:
    """Queue one digest per supervisor with a current supervisee; returns how many."""
    now = timezone.now()
    supervisor_ids = digest.digest_recipient_ids(now=now)
    for supervisor_id in supervisor_ids:
        digest_send_task.apply_async(
            kwargs={"supervisor_id": supervisor_id, "at": now.isoformat()}
        )
    return len(supervisor_ids)


@shared_task(name="attachment.supervision_tasks.digest_send", **DIGEST_TASK_OPTIONS)
def digest_send_task(*, supervisor_id: int, at: str | None = None) -> bool:
    """Send one supervisor's digest of the day of ``at`` (default now), once."""
    now = dt.datetime.fromisoformat(at) if at else timezone.now()
    return digest.digest_send(supervisor_id=supervisor_id, now=now)
