"""Writes of the unmatched inbox: assigning a waiting message to a client
(it becomes a contact with its own time), discarding it, and deleting
messages whose clinic's retention has passed.

An assigned message becomes the contact an integration would have
delivered had the address been known: the same time, channel, direction,
duration and length, ``source`` integration, no purpose (unclassified until
the therapist sets it), saved with its derived facts
(:func:`attachment.records.services.contact_save_with_facts`).  Its
``ContactDelivery`` makes a repeated delivery of the same item answer
``duplicate``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from attachment.addresses.services import address_add
from attachment.ingestion.replies import replies_link
from attachment.models import (
    Contact,
    ContactDelivery,
    Source,
    UnmatchedMessage,
    UnmatchedResolution,
)
from attachment.records.services import contact_save_with_facts
from attachment.unmatched.access import assignable_clients, message_for_acting
from clinic import access
from clinic.audit import audit_record, audit_records
from clinic.models import AuditAction, Client, Clinic, User

ALREADY_RESOLVED = "This message was already assigned or discarded."
ALREADY_DELIVERED = "This message already arrived as a contact."


def _waiting(actor: User, message: UnmatchedMessage) -> UnmatchedMessage:
    """The message, locked, if ``actor`` works its inbox and nobody has
    resolved it yet."""
    message_for_acting(actor, message.pk)
    message = UnmatchedMessage.objects.select_for_update().get(pk=message.pk)
    if message.resolution:
        raise ValidationError(ALREADY_RESOLVED, code="resolved")
    return message


def _assignable(actor: User, message: UnmatchedMessage, client_id: int) -> Client:
    client = (
        assignable_clients(actor, clinic_id=message.clinic_id)
        .select_related("clinic")
        .filter(pk=client_id)
        .first()
    )
    if client is None:
        raise access.not_found(actor, "client", client_id)
    return client


def _contact_of(message: UnmatchedMessage, client: Client, now: dt.datetime) -> Contact:
    contact = Contact(
        client=client,
        occurred_at=message.occurred_at,
        channel=message.channel,
        direction=message.direction,
        purpose="",
        duration_minutes=message.duration_minutes,
        message_length=message.message_length,
        source=Source.INTEGRATION,
    )
    contact_save_with_facts(
        contact, client=client, earliest=message.occurred_at, now=now
    )
    try:
        with transaction.atomic():
            ContactDelivery.objects.create(
                integration_id=message.integration_id,
                external_id=message.external_id,
                contact=contact,
                created_at=now,
            )
    except IntegrityError:
        raise ValidationError(ALREADY_DELIVERED, code="delivered") from None
    return contact


def _resolve(
    message: UnmatchedMessage,
    *,
    actor: User,
    resolution: str,
    now: dt.datetime,
    contact: Contact | None = None,
) -> None:
    message.resolution = resolution
    message.resolved_at = now
    message.resolved_by = actor
    message.contact = contact
    message.save(update_fields=["resolution", "resolved_at", "resolved_by", "contact"])


@transaction.atomic
def unmatched_assign(
    *,
    actor: User,
    message: UnmatchedMessage,
    client: Client,
    now: dt.datetime,
    remember_address: bool = False,
) -> Contact:
    """Make ``message`` a contact of ``client``; with ``remember_address``
    the client also gets the message's address, so that the next message
    finds them by itself."""
    message = _waiting(actor, message)
    client = _assignable(actor, message, client.pk)
    contact = _contact_of(message, client, now)
    if remember_address:
        address_add(actor=actor, client=client, raw=message.address, now=now)
    _resolve(
        message,
        actor=actor,
        resolution=UnmatchedResolution.ASSIGNED,
        now=now,
        contact=contact,
    )
    audit_record(actor=actor, action=AuditAction.CREATE, obj=contact, at=now)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=message,
        client_id=client.pk,
        at=now,
    )
    # Answer times without typing, as for a contact that arrived matched.
    replies_link(contact, actor=actor, now=now)
    return contact


@transaction.atomic
def unmatched_discard(
    *, actor: User, message: UnmatchedMessage, now: dt.datetime
) -> UnmatchedMessage:
    """Set ``message`` aside: it leaves the inbox and is deleted with the
    others when the clinic's retention has passed."""
    message = _waiting(actor, message)
    _resolve(message, actor=actor, resolution=UnmatchedResolution.DISCARDED, now=now)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=message, at=now)
    return message


@dataclass(frozen=True)
class PurgeCounts:
    clinics: int
    deleted: int


def unmatched_purge_expired(*, now: dt.datetime) -> PurgeCounts:
    """Delete every message that arrived more than its clinic's
    ``unmatched_retention_days`` before ``now``, resolved or not; one
    ``delete`` event per message, with no actor (the schedule acts).
    Idempotent: a second run finds nothing more to delete."""
    clinics = deleted = 0
    retention = Clinic.objects.filter(
        pk__in=UnmatchedMessage.objects.values("clinic_id")
    ).values_list("pk", "unmatched_retention_days")
    for clinic_id, days in retention:
        with transaction.atomic():
            expired = list(
                UnmatchedMessage.objects.select_for_update(skip_locked=True)
                .filter(
                    clinic_id=clinic_id,
                    received_at__lt=now - dt.timedelta(days=days),
                )
                .only("pk", "clinic_id")
            )
            if not expired:
                continue
            UnmatchedMessage.objects.filter(pk__in=[m.pk for m in expired]).delete()
            audit_records(
                actor=None,
                action=AuditAction.DELETE,
                objs=expired,
                at=now,
                clinic_id=clinic_id,
            )
        clinics += 1
        deleted += len(expired)
    return PurgeCounts(clinics=clinics, deleted=deleted)
