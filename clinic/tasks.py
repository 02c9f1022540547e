"""The clinic app's Celery tasks: thin, keyword-only, ids only.

``audit_anchor_task`` is beat's daily job (``clinic/migrations/0006``).  Its
name is pinned with ``name=``: beat's stored row knows it by name.  A
repeated run only appends one more anchor line, so a redelivery is harmless.
"""

from __future__ import annotations

from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from clinic.audit import chain_anchor


@shared_task(
    name="clinic.tasks.audit_anchor",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError, OSError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def audit_anchor_task() -> int | None:
    """Anchor the audit chain's head; returns the anchored seq (None while
    the log is empty)."""
    head = chain_anchor(directory=Path(settings.AUDIT_ANCHOR_DIR))
    return None if head is None else head.seq
