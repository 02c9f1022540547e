"""The boundary refresh's Celery tasks: after a change of a clinic's default
policy, the contacts of every client who follows it get their facts again,
in chunks of client ids."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from attachment.engine.tasks import TASK_OPTIONS
from attachment.records.boundary_refresh import (
    REFRESH_CHUNK_CLIENTS,
    default_policy_chunks,
    default_policy_refresh_chunk,
)


@shared_task(name="attachment.policy_refresh.refresh_default_policy", **TASK_OPTIONS)
def default_policy_refresh_task(
    *, clinic_id: int, chunk_clients: int | None = None
) -> int:
    """Fan the refresh after a change of the clinic's default policy out in
    chunks of client ids; returns how many chunks were queued."""
    chunks = default_policy_chunks(
        clinic_id=clinic_id, size=chunk_clients or REFRESH_CHUNK_CLIENTS
    )
    for first_id, last_id in chunks:
        default_policy_refresh_chunk_task.apply_async(
            kwargs={"clinic_id": clinic_id, "first_id": first_id, "last_id": last_id}
        )
    return len(chunks)


@shared_task(
    name="attachment.policy_refresh.refresh_default_policy_chunk", **TASK_OPTIONS
)
def default_policy_refresh_chunk_task(
    *, clinic_id: int, first_id: int, last_id: int
) -> int:
    return default_policy_refresh_chunk(
        clinic_id=clinic_id, first_id=first_id, last_id=last_id, now=timezone.now()
    )
