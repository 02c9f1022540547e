"""The unmatched inbox's retention as a Celery task: thin, no arguments,
idempotent.  Beat runs it daily (``attachment/migrations/0021``); its name
is pinned with ``name=``."""

from __future__ import annotations

import dataclasses

from celery import shared_task
from django.utils import timezone

from attachment.engine.tasks import TASK_OPTIONS
from attachment.unmatched import services


@shared_task(name="attachment.unmatched.purge_expired", **TASK_OPTIONS)
def purge_expired_task() -> dict[str, int]:
    """Delete the messages past their clinic's retention; returns the
    counts (no ids, no addresses)."""
    counts = services.unmatched_purge_expired(now=timezone.now())
    return dataclasses.asdict(counts)
