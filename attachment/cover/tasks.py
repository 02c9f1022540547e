"""The cover notices' Celery task: thin, no arguments, idempotent per absence
(the :class:`~attachment.models.CoverNotice` claim).  Beat runs it daily
(``attachment/migrations/0010``); its name is pinned with ``name=``."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from attachment.cover import notices
from attachment.engine.tasks import TASK_OPTIONS


@shared_task(name="attachment.cover_tasks.daily_cover_notices", **TASK_OPTIONS)
def daily_cover_notices_task() -> int:
    """Tell absent therapists and their supervisors who covers, and how many
    clients the cover opened; returns how many notices were sent."""
    return notices.cover_notices_send(now=timezone.now())
