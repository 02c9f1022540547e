"""The practice mailboxes' poll as a Celery task: thin, no arguments,
idempotent (a message read twice is a duplicate, and one poll of a mailbox
runs at a time).  Beat runs it every five minutes
(``attachment/migrations/0022``); its name is pinned with ``name=``."""

from __future__ import annotations

import dataclasses

from celery import shared_task
from django.utils import timezone

from attachment.engine.tasks import TASK_OPTIONS
from attachment.ingestion.mailbox import services


@shared_task(name="attachment.ingestion.poll_mailboxes", **TASK_OPTIONS)
def mailboxes_poll_task() -> dict[str, int]:
    """Read the new mail of every mailbox integration in use; returns the
    counts (no ids, no addresses, no text)."""
    counts = services.mailboxes_poll(now=timezone.now())
    return dataclasses.asdict(counts)
