"""Contacts delivered by an integration, idempotent per ``external_id``.

An item names its client by code (``client``) or by the address the message
came from or went to (``address``, matched to a :class:`ClientAddress` in
use).  An address nobody has sends the item to the clinic's unmatched inbox
(:class:`UnmatchedMessage`, metadata only), where someone assigns it later.

Content stays out by default: a ``summary`` is kept, cut to
:data:`PREVIEW_MAX` characters, only where the clinic keeps message previews;
a body's length is kept as ``message_length``.  A missing ``purpose`` leaves
the contact *unclassified* until the therapist sets it.

Each item is checked by the CSV import's rules (the same fields, codes and
reasons, :func:`attachment.records.imports._check_row`), one by one, so that
one bad item loses no good one.  The good ones are then written together as
the import writes (:func:`attachment.records.imports.contacts_bulk_create`:
the derived facts set-wise, the weekly-limit facts of their neighbours, one
COPY), each with its ``ContactDelivery``, and their clients are re-scanned on
commit, as after a contact logged by hand.

A repeated delivery finds its ``ContactDelivery`` and changes nothing; two
deliveries of the same items at once are ordered by advisory locks
(:func:`_contacts_write`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from attachment.engine.tasks import request_rescans
from attachment.ingestion.addresses import address_normalised
from attachment.ingestion.replies_bulk import replies_link_batch
from attachment.models import (
    MAX_CALL_MINUTES,
    ClientAddress,
    Contact,
    ContactDelivery,
    Purpose,
    Source,
    UnmatchedMessage,
)
from attachment.records.imports import (
    HEADER,
    NewContact,
    _check_row,
    contacts_bulk_create,
)
from clinic.audit import audit_event, audit_events, client_write_events
from clinic.models import AuditAction, AuditEvent, Client, Integration

BATCH_MAX = 1000
# Characters of a message kept as its summary where the clinic keeps previews.
PREVIEW_MAX = 200
MESSAGE_LENGTH_MAX = 10_000_000
# The audit event of a call, whose object is the calling integration.
CALL_OBJECT_TYPE = "api.contacts"
EXTERNAL_ID_MAX = 128
# The item's fields in the CSV import's column order; ``client`` stands for
# ``client_code``.
FIELDS = ("client", *HEADER[1:])
OPTIONAL = ("client", "purpose", "summary", "responded_at")
NUMBERS = ("duration_minutes", "duration_seconds", "message_length")
# Stands in for the client's code while an unmatched item is checked.
_UNMATCHED = "\x00unmatched"


class Status:
    CREATED = "created"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    UNMATCHED = "unmatched"


@dataclass
class ItemResult:
    index: int
    status: str
    external_id: str | None = None
    contact_id: int | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "index": self.index,
            "external_id": self.external_id,
            "status": self.status,
        }
        if self.contact_id is not None:
            answer["contact_id"] = self.contact_id
        if self.reason:
            answer["reason"] = self.reason
        return answer


def _external_id(item: object) -> str | None:
    if not isinstance(item, dict):
        return None
    value = item.get("external_id")
    if (
        isinstance(value, str)
        and 0 < len(value.strip()) <= EXTERNAL_ID_MAX
        and "\x00" not in value
    ):
        return value.strip()
    return None


def _cells(item: dict[str, Any]) -> tuple[list[str], list[str]]:
    cells, problems = [], []
    for name in FIELDS:
        value = item.get(name)
        if value is None and name in OPTIONAL:
            value = ""
        if not isinstance(value, str):
            problems.append(f"{name} must be a string")
            value = ""
        cells.append(value)
    unknown = set(item) - {*FIELDS, *NUMBERS, "external_id", "address"}
    if unknown:
        problems.append("unknown fields: " + ", ".join(sorted(unknown)))
    return cells, problems


def _whole(item: dict[str, Any], name: str, most: int) -> tuple[int | None, str]:
    value = item.get(name)
    if value is None:
        return None, ""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        return None, f"{name} must be a whole number from 0 to {most}"
    return value, ""


def _numbers(item: dict[str, Any]) -> tuple[int | None, int | None, list[str]]:
    """(duration in minutes, message length, problems).  A call's duration
    comes in minutes or in seconds (rounded up to whole minutes)."""
    minutes, minutes_problem = _whole(item, "duration_minutes", MAX_CALL_MINUTES)
    seconds, seconds_problem = _whole(item, "duration_seconds", MAX_CALL_MINUTES * 60)
    length, length_problem = _whole(item, "message_length", MESSAGE_LENGTH_MAX)
    problems = [p for p in (minutes_problem, seconds_problem, length_problem) if p]
    if minutes is not None and seconds is not None:
        problems.append("give duration_minutes or duration_seconds, not both")
    if seconds is not None:
        minutes = math.ceil(seconds / 60)
    return minutes, length, problems


@dataclass
class _Context:
    """What a batch's items are checked against, read once per batch."""

    integration: Integration
    keep_preview: bool
    clients: dict[str, Client]  # by code
    by_address: dict[str, Client]  # normalised address -> its client
    delivered: dict[str, int]  # external_id -> contact id
    unmatched: set[str]  # external_ids waiting in the unmatched inbox
    now: dt.datetime
    by_id: dict[int, Client]  # every client the batch names
    codes: dict[str, int]  # the import's check's map, the stand-in included
    waiting: list[UnmatchedMessage] = field(default_factory=list)  # written now


def _who(item: dict[str, Any], context: _Context) -> tuple[str, str | None, str]:
    """(the client's code for the import's check, the normalised address if
    no client has it, a problem)."""
    code, address = item.get("client"), item.get("address")
    if code is not None and address is not None:
        return "", None, "give client or address, not both"
    if address is None:
        return (code if isinstance(code, str) else ""), None, ""
    if not isinstance(address, str) or "\x00" in address:
        return "", None, "address must be a string"
    try:
        _, value = address_normalised(address)
    except ValidationError:
        return "", None, "address is not a phone number or e-mail address"
    client = context.by_address.get(value)
    if client is None:
        return _UNMATCHED, value, ""
    return client.code, None, ""


def _unmatched_save(
    context: _Context, *, external_id: str, checked: _Checked
) -> UnmatchedMessage | None:
    """The item in the unmatched inbox, or ``None`` if a delivery of the same
    item at the same time put it there first."""
    integration, row = context.integration, checked.row
    assert checked.unmatched_address is not None  # noqa: S101 (the caller's test)
    try:
        with transaction.atomic():
            return UnmatchedMessage.objects.create(
                clinic_id=integration.clinic_id,
                integration=integration,
                external_id=external_id,
                address=checked.unmatched_address,
                channel=row.channel,
                direction=row.direction,
                occurred_at=row.occurred_at,
                duration_minutes=checked.duration,
                message_length=checked.length,
                received_at=context.now,
            )
    except IntegrityError:
        return None


@dataclass(frozen=True)
class _Checked:
    """An item that passed its checks."""

    row: Any  # the import's checked row
    unmatched_address: str | None  # set when no client has the address
    duration: int | None
    length: int | None


def _checked(
    index: int, item: dict[str, Any], external_id: str, context: _Context
) -> _Checked | ItemResult:
    """The item checked, or its rejection."""
    code, unmatched_address, who_problem = _who(item, context)
    cells, problems = _cells({**item, "client": code})
    purpose_given = cells[4].strip()
    if not purpose_given:
        cells[4] = Purpose.OTHER  # checked as any code; kept unclassified below
    # The summary is a preview, cut before it is checked, or nothing.
    cells[5] = cells[5][:PREVIEW_MAX] if context.keep_preview else ""
    duration, length, number_problems = _numbers(item)
    row, row_problems = _check_row(
        cells, index + 1, codes=context.codes, now=context.now
    )
    problems = [*([who_problem] if who_problem else []), *problems]
    problems += [*row_problems, *number_problems]
    if problems or row is None:
        reason = "; ".join(p.replace("client code", "client") for p in problems)
        return ItemResult(index, Status.REJECTED, external_id, reason=reason)
    row = dataclasses.replace(row, purpose=purpose_given and row.purpose)
    return _Checked(row, unmatched_address, duration, length)


@dataclass(frozen=True)
class _Accepted:
    """A new, valid item of a known client, to be written with the batch."""

    index: int
    external_id: str
    checked: _Checked


def _item(
    index: int, item: object, *, context: _Context, in_batch: set[str]
) -> ItemResult | _Accepted:
    """The item's answer, or the item accepted for writing.  An unmatched
    item is written here, to the unmatched inbox."""
    external_id = _external_id(item)
    if external_id is None or not isinstance(item, dict):
        reason = f"external_id must be a string of 1 to {EXTERNAL_ID_MAX} characters"
        return ItemResult(index, Status.REJECTED, reason=reason)
    if external_id in context.delivered:
        found = context.delivered[external_id]
        return ItemResult(index, Status.DUPLICATE, external_id, found)
    if external_id in context.unmatched:
        return ItemResult(index, Status.UNMATCHED, external_id)
    if external_id in in_batch:
        reason = "external_id repeats an earlier item of this batch"
        return ItemResult(index, Status.REJECTED, external_id, reason=reason)
    in_batch.add(external_id)
    checked = _checked(index, item, external_id, context)
    if isinstance(checked, ItemResult):
        return checked
    if checked.unmatched_address is None:
        return _Accepted(index, external_id, checked)
    message = _unmatched_save(context, external_id=external_id, checked=checked)
    if message is not None:
        context.waiting.append(message)
    return ItemResult(index, Status.UNMATCHED, external_id)


def _delivery_key(integration: Integration, external_id: str) -> int:
    """A signed 64-bit advisory-lock key for one delivery."""
    digest = hashlib.blake2b(
        f"{integration.pk}\x00{external_id}".encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


def _row_hash(integration: Integration, external_id: str) -> str:
    """The contact's natural key: a delivery's, never a CSV row's."""
    return hashlib.sha256(
        f"delivery\x00{integration.pk}\x00{external_id}".encode()
    ).hexdigest()


def _rescans_request(client_ids: list[int]) -> None:
    """The re-scans of the clients a batch wrote to (the engine's debounce)."""
    request_rescans(client_ids)


def _contacts_write(
    context: _Context, accepted: list[_Accepted]
) -> tuple[list[ItemResult], list[Contact], list[Contact]]:
    """Write the batch's accepted items in bulk, as the CSV import does
    (facts set-wise, one COPY), each with its delivery row.

    Two deliveries of the same items at once: each takes a transaction-scoped
    advisory lock per item, in one order (no deadlock), then looks again for
    deliveries; the second waits for the first to commit and answers
    ``duplicate`` for what the first wrote."""
    if not accepted:
        return [], [], []
    integration = context.integration
    keys = sorted({_delivery_key(integration, a.external_id) for a in accepted})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(key)) FROM unnest(%s::bigint[]) key",
            [keys],
        )
    delivered = dict(
        ContactDelivery.objects.filter(
            integration=integration,
            external_id__in=[a.external_id for a in accepted],
        ).values_list("external_id", "contact_id")
    )
    results = [
        ItemResult(a.index, Status.DUPLICATE, a.external_id, delivered[a.external_id])
        for a in accepted
        if a.external_id in delivered
    ]
    new = [a for a in accepted if a.external_id not in delivered]
    hashes = {a.external_id: _row_hash(integration, a.external_id) for a in new}
    contacts_bulk_create(
        clinic=integration.clinic,
        contacts=[
            NewContact(
                client_id=a.checked.row.client_id,
                occurred_at=a.checked.row.occurred_at,
                channel=a.checked.row.channel,
                direction=a.checked.row.direction,
                purpose=a.checked.row.purpose,
                summary=a.checked.row.summary,
                responded_at=a.checked.row.responded_at,
                duration_minutes=a.checked.duration,
                message_length=a.checked.length,
                source=Source.INTEGRATION.value,
                row_hash=hashes[a.external_id],
            )
            for a in new
        ],
    )
    stored = list(
        Contact.objects.filter(
            client_id__in={a.checked.row.client_id for a in new},
            row_hash__in=list(hashes.values()),
        ).values_list("row_hash", "pk", "client_id", "occurred_at")
    )
    written = {row_hash: (pk, client_id) for row_hash, pk, client_id, _ in stored}
    written_times = [(pk, client_id, at) for _, pk, client_id, at in stored]
    ContactDelivery.objects.bulk_create(
        ContactDelivery(
            integration=integration,
            external_id=a.external_id,
            contact_id=written[hashes[a.external_id]][0],
            created_at=context.now,
        )
        for a in new
    )
    created = [
        Contact(pk=pk, client_id=client_id, occurred_at=at)
        for pk, client_id, at in written_times
    ]
    answered = replies_link_batch(clinic=integration.clinic, new=created)
    # One statement for the batch's clients, on commit (as after a contact
    # logged by hand, one client at a time).
    transaction.on_commit(
        partial(_rescans_request, sorted({cid for _, cid in written.values()}))
    )
    results += [
        ItemResult(
            a.index, Status.CREATED, a.external_id, written[hashes[a.external_id]][0]
        )
        for a in new
    ]
    return results, created, answered


def _context(
    integration: Integration, items: list[object], now: dt.datetime
) -> _Context:
    dicts = [item for item in items if isinstance(item, dict)]
    # (PostgreSQL text holds no NUL: such a value matches nothing.)
    wanted = {
        item["client"].strip()
        for item in dicts
        if isinstance(item.get("client"), str) and "\x00" not in item["client"]
    }
    clients = {
        client.code: client
        for client in Client.objects.select_related("clinic").filter(
            clinic_id=integration.clinic_id, code__in=wanted
        )
    }
    addresses = set()
    for item in dicts:
        if isinstance(item.get("address"), str) and "\x00" not in item["address"]:
            try:
                addresses.add(address_normalised(item["address"])[1])
            except ValidationError:
                pass
    by_address = {
        held.value: held.client
        for held in ClientAddress.objects.select_related("client__clinic").filter(
            clinic_id=integration.clinic_id,
            value__in=addresses,
            released_at__isnull=True,
        )
    }
    ids = [external_id for item in items if (external_id := _external_id(item))]
    delivered = dict(
        ContactDelivery.objects.filter(
            integration=integration, external_id__in=ids
        ).values_list("external_id", "contact_id")
    )
    unmatched = set(
        UnmatchedMessage.objects.filter(
            integration=integration, external_id__in=ids, resolution=""
        ).values_list("external_id", flat=True)
    )
    by_id = {client.pk: client for client in [*clients.values(), *by_address.values()]}
    return _Context(
        integration=integration,
        by_id=by_id,
        codes={
            **{client.code: pk for pk, client in by_id.items()},
            _UNMATCHED: 0,
        },
        keep_preview=integration.clinic.keep_message_preview,
        clients=clients,
        by_address=by_address,
        delivered=delivered,
        unmatched=unmatched,
        now=now,
    )


def contacts_ingest(
    *, integration: Integration, items: list[object], now: dt.datetime
) -> list[ItemResult]:
    """Save each item that is new and valid; say per item what happened.
    Reasons name fields, never their values."""
    with transaction.atomic():
        context = _context(integration, items, now)
        in_batch: set[str] = set()
        answers = [
            _item(index, item, context=context, in_batch=in_batch)
            for index, item in enumerate(items)
        ]
        results = [answer for answer in answers if isinstance(answer, ItemResult)]
        written, created, answered = _contacts_write(
            context, [answer for answer in answers if isinstance(answer, _Accepted)]
        )
        results = sorted([*results, *written], key=lambda result: result.index)
        # Last, after every delivery row, in one INSERT: the audit chain's
        # lock is then held only for the end of the transaction.  The call's
        # own event names the integration (``object_id``); the contacts
        # written and answered are on their clients' trails, one event per
        # client and action, as the CSV import audits a file.
        AuditEvent.objects.bulk_create(
            [
                audit_event(
                    actor=None,
                    action=AuditAction.CREATE,
                    obj=integration,
                    object_type=CALL_OBJECT_TYPE,
                ),
                *client_write_events(
                    actor=None,
                    action=AuditAction.CREATE,
                    objs=created,
                    clinic_id=integration.clinic_id,
                ),
                *audit_events(
                    actor=None,
                    action=AuditAction.CREATE,
                    objs=context.waiting,
                    clinic_id=integration.clinic_id,
                ),
                *client_write_events(
                    actor=None,
                    action=AuditAction.UPDATE,
                    objs=answered,
                    clinic_id=integration.clinic_id,
                ),
            ]
        )
    return results
