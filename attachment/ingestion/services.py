"""Contacts delivered by an integration, idempotent per ``external_id``.

Each item is checked by the CSV import's rules (the same fields, codes and
reasons, :func:`attachment.records.imports._check_row`) and saved as a
contact logged by hand is (:func:`attachment.records.services.contact_save_with_facts`:
the derived facts, the weekly-limit refresh, the re-scan on commit).  One
bad item loses no good one: each is written in a savepoint of its own.

A repeated delivery finds its ``ContactDelivery`` and changes nothing.  Two
deliveries of the same item at once both insert one; the unique constraint
makes the second wait for the first and then fail, its savepoint (and the
contact written in it) is rolled back, and it answers ``duplicate``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from attachment.models import MAX_CALL_MINUTES, Contact, ContactDelivery, Source
from attachment.records.imports import HEADER, _check_row
from attachment.records.services import contact_save_with_facts
from clinic.audit import audit_record, audit_records
from clinic.models import AuditAction, Client, Integration

BATCH_MAX = 1000
# The audit event of a call, whose object is the calling integration.
CALL_OBJECT_TYPE = "api.contacts"
EXTERNAL_ID_MAX = 128
# The item's fields in the CSV import's column order; ``client`` stands for
# ``client_code``.
FIELDS = ("client", *HEADER[1:])
OPTIONAL = ("purpose", "summary", "responded_at")


class Status:
    CREATED = "created"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


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
    if isinstance(value, str) and 0 < len(value.strip()) <= EXTERNAL_ID_MAX:
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
    unknown = set(item) - {*FIELDS, "external_id", "duration_minutes"}
    if unknown:
        problems.append("unknown fields: " + ", ".join(sorted(unknown)))
    return cells, problems


def _duration(item: dict[str, Any]) -> tuple[int | None, str]:
    value = item.get("duration_minutes")
    if value is None:
        return None, ""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= MAX_CALL_MINUTES
    ):
        return (
            None,
            f"duration_minutes must be a whole number from 0 to {MAX_CALL_MINUTES}",
        )
    return value, ""


def _save(
    *,
    integration: Integration,
    external_id: str,
    client: Client,
    row: Any,
    duration: int | None,
    now: dt.datetime,
) -> Contact:
    contact = Contact(
        client=client,
        occurred_at=row.occurred_at,
        channel=row.channel,
        direction=row.direction,
        purpose=row.purpose,
        duration_minutes=duration,
        summary=row.summary,
        responded_at=row.responded_at,
        source=Source.INTEGRATION,
    )
    contact_save_with_facts(contact, client=client, earliest=row.occurred_at, now=now)
    ContactDelivery.objects.create(
        integration=integration,
        external_id=external_id,
        contact=contact,
        created_at=now,
    )
    return contact


def _item(
    index: int,
    item: object,
    *,
    integration: Integration,
    clients: dict[str, Client],
    delivered: dict[str, int],
    in_batch: set[str],
    now: dt.datetime,
) -> tuple[ItemResult, Contact | None]:
    external_id = _external_id(item)
    if external_id is None or not isinstance(item, dict):
        reason = f"external_id must be a string of 1 to {EXTERNAL_ID_MAX} characters"
        return ItemResult(index, Status.REJECTED, reason=reason), None
    if external_id in delivered:
        found = delivered[external_id]
        return ItemResult(index, Status.DUPLICATE, external_id, found), None
    if external_id in in_batch:
        reason = "external_id repeats an earlier item of this batch"
        return ItemResult(index, Status.REJECTED, external_id, reason=reason), None
    in_batch.add(external_id)
    cells, problems = _cells(item)
    duration, problem = _duration(item)
    codes = {code: client.pk for code, client in clients.items()}
    row, row_problems = _check_row(cells, index + 1, codes=codes, now=now)
    problems += [*row_problems, problem] if problem else row_problems
    if problems or row is None:
        reason = "; ".join(p.replace("client code", "client") for p in problems)
        return ItemResult(index, Status.REJECTED, external_id, reason=reason), None
    client = clients[cells[0].strip()]
    try:
        with transaction.atomic():
            contact = _save(
                integration=integration,
                external_id=external_id,
                client=client,
                row=row,
                duration=duration,
                now=now,
            )
    except IntegrityError:
        winner = (
            ContactDelivery.objects.filter(
                integration=integration, external_id=external_id
            )
            .values_list("contact_id", flat=True)
            .first()
        )
        if winner is None:
            raise
        return ItemResult(index, Status.DUPLICATE, external_id, winner), None
    except ValidationError as error:
        reason = "invalid: " + ", ".join(sorted(error.message_dict))
        return ItemResult(index, Status.REJECTED, external_id, reason=reason), None
    return ItemResult(index, Status.CREATED, external_id, contact.pk), contact


def contacts_ingest(
    *, integration: Integration, items: list[object], now: dt.datetime
) -> list[ItemResult]:
    """Save each item that is new and valid; say per item what happened.
    Reasons name fields, never their values."""
    wanted = {
        str(item.get("client")).strip()
        for item in items
        if isinstance(item, dict) and isinstance(item.get("client"), str)
    }
    clients = {
        client.code: client
        for client in Client.objects.select_related("clinic").filter(
            clinic_id=integration.clinic_id, code__in=wanted
        )
    }
    ids = [external_id for item in items if (external_id := _external_id(item))]
    delivered = dict(
        ContactDelivery.objects.filter(
            integration=integration, external_id__in=ids
        ).values_list("external_id", "contact_id")
    )
    results, created = [], []
    in_batch: set[str] = set()
    with transaction.atomic():
        for index, item in enumerate(items):
            result, contact = _item(
                index,
                item,
                integration=integration,
                clients=clients,
                delivered=delivered,
                in_batch=in_batch,
                now=now,
            )
            results.append(result)
            if contact is not None:
                created.append(contact)
        # Last, after every delivery row: the audit chain's lock is then held
        # only for the end of the transaction.  The call's own event names the
        # integration (``object_id``); each contact's is on its client's trail.
        audit_record(
            actor=None,
            action=AuditAction.CREATE,
            obj=integration,
            object_type=CALL_OBJECT_TYPE,
            at=now,
        )
        audit_records(
            actor=None,
            action=AuditAction.CREATE,
            objs=created,
            at=now,
            clinic_id=integration.clinic_id,
        )
    return results
