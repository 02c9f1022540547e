"""Deriving contact facts again when a boundary changes, and re-scanning.

The rule: a contact's stored facts (after hours, outside the agreement, over
the weekly limit) judge it against the terms *in force when it happened*
(``attachment.agreements.terms``): the agreement version of that moment, or
the clinic's frame as it stood then (read from its history).  A new agreement
version or a change of the frame therefore applies forward only: it is
refreshed from the moment it takes effect, and earlier contacts keep their
facts.  An absence added, moved or removed, a client's ending date or a
client's move to another therapist are facts about the time itself, so the
contacts they concern are derived again; the clients are re-scanned, and the
next scan shows the effect of the change.

The clinic app announces the change through
:func:`clinic.extensions.boundary_changed` (it must not import this app) with
ids and dates only.  One client's change is refreshed inside the admin's
transaction; a change of the clinic's default, which may concern thousands of
clients, is refreshed by Celery tasks in chunks of client ids.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from attachment.agreements.terms import frame_changed_at, terms_timelines
from attachment.engine import services as engine_services
from attachment.engine.tasks import request_rescan
from attachment.models import Contact
from attachment.records.contact_columns import contact_columns_update
from attachment.records.services import (
    absence_periods,
    apply_facts,
    weekly_limit_refresh,
)
from clinic.extensions import BoundaryChange
from clinic.models import Client, Clinic
from clinic.publishing import publish

log = logging.getLogger("attachment.records.boundary_refresh")

# Facts set by apply_facts; over_weekly_limit is refreshed over whole series.
FACT_FIELDS = (
    "after_hours",
    "outside_agreement",
    "during_absence",
    "after_ending",
    "response_minutes",
    "responded_after_hours",
)
READ_FIELDS = (
    "id",
    "client_id",
    "occurred_at",
    "channel",
    "direction",
    "purpose",
    "responded_at",
    "over_weekly_limit",
    *FACT_FIELDS,
)
BATCH = 2000
# Bounds wide enough for any contact (the rolling week is taken off the start).
WHOLE_HISTORY = (
    dt.datetime(1900, 1, 8, tzinfo=dt.UTC),
    dt.datetime(2200, 1, 1, tzinfo=dt.UTC),
)
# Clients per task when the clinic's default policy changed.
REFRESH_CHUNK_CLIENTS = 500
# Absence dates are local; contacts are stored in UTC.  A day either side
# covers every time zone, and deriving an unaffected contact again is harmless.
ZONE_MARGIN = dt.timedelta(days=1)


def contact_facts_refresh(
    *,
    client_ids: Iterable[int],
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    weekly_limits: bool = True,
) -> int:
    """Derive the stored facts of the clients' contacts (those between
    ``since`` and ``until`` if given) against the terms in force at each and
    the therapists' absences now; returns how many contacts changed.

    Set-based: the contacts are read in batches and only changed rows are
    written, a batch per statement; the weekly-limit fact is recomputed over
    each client's whole series (:func:`attachment.records.facts.over_limit_flags`).
    """
    clients = {
        client.pk: client
        for client in Client.objects.filter(pk__in=list(client_ids)).select_related(
            "clinic"
        )
    }
    if not clients:
        return 0
    timelines = terms_timelines(clients=clients.values())
    absences = absence_periods(
        therapist_ids={client.therapist_id for client in clients.values()}
    )
    contacts = Contact.objects.filter(client_id__in=list(clients))
    if since is not None:
        contacts = contacts.filter(occurred_at__gte=since)
    if until is not None:
        contacts = contacts.filter(occurred_at__lte=until)
    changed = 0
    batch: list[Contact] = []
    for contact in contacts.only(*READ_FIELDS).order_by("pk").iterator(BATCH):
        client = clients[contact.client_id]
        before = [getattr(contact, name) for name in FACT_FIELDS]
        apply_facts(
            contact,
            client=client,
            timeline=timelines[client.pk],
            absences=absences.get(client.therapist_id, []),
        )
        if before != [getattr(contact, name) for name in FACT_FIELDS]:
            batch.append(contact)
        if len(batch) >= BATCH:
            changed += _write(batch)
    changed += _write(batch)
    if weekly_limits:
        changed += weekly_limit_refresh(
            timelines=timelines,
            start=since or WHOLE_HISTORY[0],
            end=WHOLE_HISTORY[1],
        )
    return changed


def _write(batch: list[Contact]) -> int:
    written = contact_columns_update(
        [(c.pk, *(getattr(c, name) for name in FACT_FIELDS)) for c in batch],
        FACT_FIELDS,
    )
    batch.clear()
    return written


def _rescan_on_commit(client_ids: Iterable[int]) -> None:
    ids = sorted(set(client_ids))

    def rescan_all() -> None:
        for pk in ids:
            request_rescan(pk)

    transaction.on_commit(rescan_all)


def clients_following_default(
    *, clinic_id: int, first_id: int | None = None, last_id: int | None = None
) -> list[int]:
    """Every client of the clinic: any of them may have contacts that no
    agreement covers, and those are judged against the frame."""
    clients = Client.objects.filter(clinic_id=clinic_id)
    if first_id is not None:
        clients = clients.filter(pk__gte=first_id)
    if last_id is not None:
        clients = clients.filter(pk__lte=last_id)
    return list(clients.order_by("pk").values_list("pk", flat=True))


def default_policy_refresh_chunk(
    *, clinic_id: int, first_id: int, last_id: int, now: dt.datetime
) -> int:
    """Refresh the facts of the contacts of the clients in
    ``first_id..last_id`` from the frame's latest change on (forward only),
    and scan them; one set-based scan for the whole chunk."""
    client_ids = clients_following_default(
        clinic_id=clinic_id, first_id=first_id, last_id=last_id
    )
    if not client_ids:
        return 0
    with transaction.atomic():
        changed = contact_facts_refresh(
            client_ids=client_ids, since=frame_changed_at(clinic_id=clinic_id)
        )
    engine_services.clinic_scan(
        clinic=Clinic.objects.get(pk=clinic_id), now=now, client_ids=client_ids
    )
    log.info(
        "default policy refresh clinic=%s clients=%s..%s changed=%s",
        clinic_id,
        first_id,
        last_id,
        changed,
    )
    return changed


def default_policy_chunks(*, clinic_id: int, size: int) -> list[tuple[int, int]]:
    ids = clients_following_default(clinic_id=clinic_id)
    return [
        (ids[start], ids[min(start + size, len(ids)) - 1])
        for start in range(0, len(ids), size)
    ]


def _queue_default_refresh(clinic_id: int) -> None:
    """Queue the default-policy refresh; with the broker down
    (:func:`clinic.publishing.publish`), do it here (slower for the admin, but
    the facts must not stay stale: the nightly scan reads them, it does not
    derive them)."""
    from attachment.records.tasks import default_policy_refresh_task

    publish(
        default_policy_refresh_task,
        kwargs={"clinic_id": clinic_id},
        fallback=lambda: _default_refresh_inline(clinic_id),
        what="default policy refresh",
    )


def _default_refresh_inline(clinic_id: int) -> None:
    for first_id, last_id in default_policy_chunks(
        clinic_id=clinic_id, size=REFRESH_CHUNK_CLIENTS
    ):
        default_policy_refresh_chunk(
            clinic_id=clinic_id,
            first_id=first_id,
            last_id=last_id,
            now=timezone.now(),
        )


def _moments_around(
    period: tuple[dt.date, dt.date], zone: dt.tzinfo
) -> tuple[dt.datetime, dt.datetime]:
    """The moments from the first to the last day of ``period``, a margin
    either side, kept inside what a datetime can hold."""
    first = max(period[0], dt.date.min + ZONE_MARGIN)
    last = min(period[1], dt.date.max - ZONE_MARGIN)
    return (
        dt.datetime.combine(first, dt.time.min, zone) - ZONE_MARGIN,
        dt.datetime.combine(last, dt.time.max, zone) + ZONE_MARGIN,
    )


def boundary_refresh(*, change: BoundaryChange, now: dt.datetime) -> None:
    """The boundary listener (registered from ``AttachmentConfig.ready``)."""
    if change.client_ids:
        contact_facts_refresh(client_ids=change.client_ids)
        _rescan_on_commit(change.client_ids)
    elif change.therapist_id is not None and change.period is not None:
        client_ids = list(
            Client.objects.filter(therapist_id=change.therapist_id).values_list(
                "pk", flat=True
            )
        )
        since, until = _moments_around(
            change.period, Clinic.objects.get(pk=change.clinic_id).zone
        )
        contact_facts_refresh(
            client_ids=client_ids, since=since, until=until, weekly_limits=False
        )
        _rescan_on_commit(client_ids)
    else:
        clinic_id = change.clinic_id
        transaction.on_commit(lambda: _queue_default_refresh(clinic_id))
