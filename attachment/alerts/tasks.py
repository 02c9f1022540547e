"""The unanswered-distress sweep's Celery task: thin, no arguments,
idempotent (the sweep claims its rows).  Beat runs it every five minutes
(``attachment/migrations/0015``); its name is pinned with ``name=``."""

from __future__ import annotations

import dataclasses

from celery import shared_task
from django.utils import timezone

from attachment.alerts import services
from attachment.engine.tasks import TASK_OPTIONS


@shared_task(name="attachment.alerts.unanswered_distress_sweep", **TASK_OPTIONS)
def unanswered_distress_sweep_task() -> dict[str, int]:
    """Raise, escalate and settle the unanswered-distress alerts; returns
    the counts (no ids, no text)."""
    counts = services.unanswered_distress_sweep(now=timezone.now())
    return dataclasses.asdict(counts)
