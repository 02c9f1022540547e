"""Writes around flags: detector settings, scans and their runs, status
changes and re-scan requests.

The review screens (who may move a flag, supervision sessions) are built on
:func:`flag_status_change`; the scan itself is in :mod:`attachment.engine.scan`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Collection
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q

from attachment.engine.patterns import FIELDS, DetectorThresholds
from attachment.engine.scan import CHUNK_CLIENTS, ScanCounts, scan_clinic_clients
from attachment.models import (
    DetectorSettings,
    Flag,
    FlagStatus,
    FlagStatusChange,
    RescanRequest,
    ScanChunk,
    ScanRun,
)
from clinic.audit import audit_record
from clinic.models import AuditAction, Clinic, User
from clinic.refusals import Refused

log = logging.getLogger("attachment.engine.scan")

# Advisory lock keys: (namespace, clinic id) in the two-int form.
SCAN_LOCK_NAMESPACE = 5_150_001
# An unfinished run older than this is taken as dead (its chunks were lost
# with a broker, say) and no longer blocks the next full scan.
RUN_STALE_AFTER = dt.timedelta(hours=6)
# A re-scan queued longer ago than this without running is taken as lost.
RESCAN_LOST_AFTER = dt.timedelta(minutes=10)


class ScanAlreadyRunning(RuntimeError):
    """A full scan of this clinic is in progress; ids only in the message."""


def detector_settings_for(*, clinic: Clinic) -> DetectorSettings:
    """The clinic's settings row, created with the documented defaults on
    first use."""
    settings_row, _ = DetectorSettings.objects.get_or_create(clinic=clinic)
    return settings_row


def thresholds_for(*, clinic: Clinic) -> DetectorThresholds:
    row = detector_settings_for(clinic=clinic)
    return DetectorThresholds.from_mapping(
        {spec.name: getattr(row, spec.name) for spec in FIELDS}
    )


def default_thresholds_row() -> dict[str, Any]:
    return dataclasses.asdict(DetectorThresholds())


def clinic_scan(
    *,
    clinic: Clinic,
    now: dt.datetime,
    client_ids: list[int] | None = None,
    first_id: int | None = None,
    last_id: int | None = None,
    chunk_clients: int = CHUNK_CLIENTS,
    progress: Callable[[int], None] | None = None,
) -> ScanCounts:
    """Scan a clinic (or some of its clients) as of ``now`` with its settings."""
    counts = scan_clinic_clients(
        clinic_id=clinic.pk,
        zone_name=clinic.timezone,
        now=now,
        thresholds=thresholds_for(clinic=clinic),
        client_ids=client_ids,
        first_id=first_id,
        last_id=last_id,
        chunk_clients=chunk_clients,
        progress=progress,
    )
    log.info("scan clinic=%s %s", clinic.pk, counts)
    return counts


def clinic_scan_exclusive(
    *,
    clinic: Clinic,
    now: dt.datetime,
    progress: Callable[[int], None] | None = None,
) -> ScanCounts:
    """A whole-clinic scan in this process, holding the clinic's scan lock
    (``pg_try_advisory_lock``) so that no other full scan overlaps it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", [SCAN_LOCK_NAMESPACE, clinic.pk]
        )
        (locked,) = cursor.fetchone()
    if not locked or _unfinished_run(clinic.pk, now):
        if locked:
            _unlock(clinic.pk)
        raise ScanAlreadyRunning(f"a scan of clinic {clinic.pk} is running")
    try:
        return clinic_scan(clinic=clinic, now=now, progress=progress)
    finally:
        _unlock(clinic.pk)


def _unlock(clinic_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_unlock(%s, %s)", [SCAN_LOCK_NAMESPACE, clinic_id]
        )


def _unfinished_run(clinic_id: int, now: dt.datetime) -> bool:
    return ScanRun.objects.filter(
        clinic_id=clinic_id,
        finished_at__isnull=True,
        started_at__gt=now - RUN_STALE_AFTER,
    ).exists()


CHUNKS_SQL = """
    SELECT min(id), max(id) FROM (
        SELECT id, (row_number() OVER (ORDER BY id) - 1) / %(size)s AS chunk
        FROM clinic_client WHERE clinic_id = %(clinic_id)s
    ) numbered
    GROUP BY chunk ORDER BY 1
"""


def scan_run_start(
    *, clinic_id: int, as_of: dt.datetime, now: dt.datetime, chunk_clients: int
) -> ScanRun | None:
    """Open a fanned-out run with its chunks, unless one is already going.

    The clinic's advisory lock is taken for the transaction, so that two
    starts cannot both find no unfinished run; it is the same lock a
    synchronous scan holds, so neither can start while the other runs.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)",
                [SCAN_LOCK_NAMESPACE, clinic_id],
            )
            (locked,) = cursor.fetchone()
            if not locked or _unfinished_run(clinic_id, now):
                return None
            cursor.execute(CHUNKS_SQL, {"size": chunk_clients, "clinic_id": clinic_id})
            ranges = cursor.fetchall()
        run = ScanRun.objects.create(
            clinic_id=clinic_id,
            as_of=as_of,
            started_at=now,
            finished_at=now if not ranges else None,
        )
        ScanChunk.objects.bulk_create(
            ScanChunk(run=run, first_client_id=lo, last_client_id=hi)
            for lo, hi in ranges
        )
    return run


def scan_chunk_done(*, run_id: int, first_client_id: int, now: dt.datetime) -> bool:
    """Mark a chunk done (compare-and-set, so a redelivered chunk counts once)
    and close the run when it was the last; True if the run is finished."""
    with transaction.atomic():
        ScanChunk.objects.filter(
            run_id=run_id, first_client_id=first_client_id, done_at__isnull=True
        ).update(done_at=now)
        finished = (
            ScanRun.objects.filter(pk=run_id, finished_at__isnull=True)
            .exclude(chunks__done_at__isnull=True)
            .update(finished_at=now)
        )
    return (
        bool(finished)
        or ScanRun.objects.filter(pk=run_id, finished_at__isnull=False).exists()
    )


def rescan_wanted(*, client_id: int, now: dt.datetime) -> bool:
    """Record that a client's records changed; True if a re-scan should be put
    on the queue (none is queued already, or the queued one looks lost)."""
    with transaction.atomic():
        request, created = RescanRequest.objects.select_for_update().get_or_create(
            client_id=client_id, defaults={"requested_at": now, "enqueued_at": now}
        )
        if created:
            return True
        queued = (
            request.enqueued_at is not None
            and request.enqueued_at > now - RESCAN_LOST_AFTER
            and (request.scanned_at is None or request.scanned_at < request.enqueued_at)
        )
        request.requested_at = now
        if not queued:
            request.enqueued_at = now
        request.save(update_fields=["requested_at", "enqueued_at"])
        return not queued


_RESCANS_WANTED_SQL = """
    INSERT INTO attachment_rescanrequest AS r (client_id, requested_at, enqueued_at)
    SELECT client_id, %(now)s, %(now)s FROM unnest(%(ids)s::bigint[]) AS client_id
    ON CONFLICT (client_id) DO UPDATE SET
        requested_at = EXCLUDED.requested_at,
        enqueued_at = CASE
            WHEN r.enqueued_at IS NOT NULL
                 AND r.enqueued_at > %(lost)s
                 AND (r.scanned_at IS NULL OR r.scanned_at < r.enqueued_at)
            THEN r.enqueued_at
            ELSE EXCLUDED.enqueued_at
        END
    RETURNING client_id, enqueued_at = %(now)s
"""


def rescans_wanted(*, client_ids: list[int], now: dt.datetime) -> list[int]:
    """:func:`rescan_wanted` for many clients in one statement: the clients
    whose re-scan should be put on the queue."""
    if not client_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            _RESCANS_WANTED_SQL,
            {
                "ids": sorted(set(client_ids)),
                "now": now,
                "lost": now - RESCAN_LOST_AFTER,
            },
        )
        return sorted(client_id for client_id, enqueue in cursor.fetchall() if enqueue)


def rescan_not_queued(*, client_id: int) -> None:
    """The broker refused the re-scan: forget it was queued, so the next save
    tries again (and the nightly scan catches up meanwhile)."""
    RescanRequest.objects.filter(client_id=client_id).update(enqueued_at=None)


def rescan_due(*, client_id: int) -> bool:
    """Has anything changed since the client was last re-scanned?"""
    return RescanRequest.objects.filter(
        Q(scanned_at__isnull=True) | Q(scanned_at__lt=F("requested_at")),
        client_id=client_id,
    ).exists()


def rescan_done(*, client_id: int, started_at: dt.datetime) -> None:
    RescanRequest.objects.filter(client_id=client_id).update(scanned_at=started_at)


class FlagTransitionRefused(Refused):
    """The flag's status does not allow the move; the message names statuses
    only, so it may be shown and logged."""


def _refusal(
    current: FlagStatus,
    to_status: FlagStatus,
    allowed_from: Collection[FlagStatus] | None,
) -> str | None:
    if allowed_from is not None and current not in allowed_from:
        return (
            f"This flag is {current.label.lower()}; it cannot be moved to "
            f"{to_status.label.lower()}."
        )
    if current == to_status:
        return f"This flag is already {to_status.label.lower()}."
    return None


def flag_status_change(
    *,
    actor: User | None,
    flag: Flag,
    to_status: str,
    now: dt.datetime,
    reason: str = "",
    usefulness: str = "",
    allowed_from: Collection[FlagStatus] | None = None,
) -> FlagStatusChange:
    """Move a flag to another review status, keeping the step in its history.

    Who may do it is the review screens' decision (they call this after their
    access check, passing the statuses the step may start from); this keeps
    the record consistent and audited.  The status is checked under the
    flag's row lock, the only one the step takes, so that two reviewers
    acting at once cannot both move it.
    """
    to_status = FlagStatus(to_status)
    with transaction.atomic():
        locked = Flag.objects.select_for_update().get(pk=flag.pk)
        refusal = _refusal(FlagStatus(locked.status), to_status, allowed_from)
        if refusal:
            raise FlagTransitionRefused(refusal)
        change = FlagStatusChange(
            flag=locked,
            from_status=locked.status,
            to_status=to_status,
            changed_by=actor,
            changed_at=now,
            reason=reason,
            usefulness=usefulness,
        )
        change.full_clean()
        change.save()
        locked.status = to_status
        locked.updated_at = now
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            at=now,
            obj=locked,
            client_id=locked.client_id,
        )
    flag.status, flag.updated_at = locked.status, locked.updated_at
    return change
