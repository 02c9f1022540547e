"""The nightly listing of clients past retention as a Celery task: thin, no
arguments, idempotent.  Beat runs it daily (``attachment/migrations/0026``);
its name is pinned with ``name=``."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from attachment.engine.tasks import TASK_OPTIONS
from attachment.retention import services


@shared_task(name="attachment.retention.list_due", **TASK_OPTIONS)
def list_due_task() -> int:
    """List the clients past retention; returns how many (no ids)."""
    return services.retention_list_due(now=timezone.now())
