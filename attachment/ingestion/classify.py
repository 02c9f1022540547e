"""Contacts to classify: those whose purpose nobody has set yet.

A contact that arrives from an integration knows its time, channel and
direction, never its purpose: the purpose stays blank, *unclassified*, until
the treating therapist sets it with one click from the to-classify list on
the client page or the home page.

An unclassified contact counts for frequency, the contact policy and
response times like any other, and for no purpose-based finding: it is not
distress or crisis (so it may be outside the agreement), it keeps to every
rule by purpose (:meth:`attachment.models.ContactAgreement.allows_purpose`),
and it is not a check-in or reassurance contact.  The flag page says how
many of them a flag's window holds (:func:`unclassified_count`).

The lists show metadata only: time, channel, direction and the client's
code, never a summary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Window

from attachment.models import Contact, Purpose
from attachment.records.services import contact_save_with_facts
from clinic import access
from clinic.audit import audit_record
from clinic.models import AuditAction, Client, User

UNCLASSIFIED = ""
# How many the client page and the home page list.
CLIENT_PANEL_LIMIT = 10
HOME_PANEL_LIMIT = 20
# What a list of contacts to classify reads of each contact and its client.
LISTED_FIELDS = (
    "pk",
    "client_id",
    "occurred_at",
    "channel",
    "direction",
    "purpose",
    "client__id",
    "client__code",
    "client__timezone",
    "client__clinic__id",
    "client__clinic__timezone",
)


def unclassified() -> Q:
    """The one condition of a contact not yet classified."""
    return Q(purpose=UNCLASSIFIED)


@dataclass(frozen=True)
class ToClassify:
    """The newest contacts to classify, and how many more there are."""

    contacts: list[Contact]
    more: int


def _unclassified_of(actor: User, client: Client | None) -> QuerySet[Contact]:
    """Unclassified contacts of the clients ``actor`` treats now (only the
    treating therapist classifies; a supervisor's list is empty)."""
    contacts = Contact.objects.filter(
        unclassified(), client__in=access.writable_clients(actor)
    )
    if client is not None:
        contacts = contacts.filter(client_id=client.pk)
    return contacts


def contacts_to_classify(
    *, actor: User, client: Client | None = None, limit: int
) -> ToClassify:
    """Newest first: of ``client``, or of all the clients ``actor`` treats.
    One query, however many there are: each row carries the count of all."""
    rows = list(
        _unclassified_of(actor, client)
        .select_related("client__clinic")
        .only(*LISTED_FIELDS)
        .annotate(unclassified_total=Window(Count("pk")))
        .order_by("-occurred_at", "-pk")[:limit]
    )
    more = rows[0].unclassified_total - len(rows) if rows else 0
    return ToClassify(contacts=list[Contact](rows), more=more)


def contact_for_classifying(
    *, actor: User, contact_id: int, now: dt.datetime
) -> Contact:
    """The contact, if ``actor`` treats its client: else 404 (403 for the
    supervisor or the clinic admin, who know the client), as every write
    page answers."""
    client_id = (
        Contact.objects.filter(pk=contact_id).values_list("client_id", flat=True)
    ).first()
    if client_id is None:
        raise access.not_found(actor, "contact", contact_id)
    client = access.client_for_writing(actor, client_id, on=now.date())
    contact = Contact.objects.get(pk=contact_id)
    contact.client = client
    return contact


@transaction.atomic
def contact_classify(
    *, actor: User, contact: Contact, purpose: str, now: dt.datetime
) -> Contact:
    """Set the purpose of one contact of the actor's own client, and derive
    its facts again (a distress or crisis contact is never a breach).
    Setting the purpose it already has changes and records nothing."""
    client = access.client_for_writing(actor, contact.client_id, on=now.date())
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": "Choose one of the purposes."})
    contact = Contact.objects.select_for_update().get(pk=contact.pk, client=client)
    contact.client = client
    if contact.purpose == purpose:
        return contact
    contact.purpose = purpose
    contact_save_with_facts(
        contact, client=client, earliest=contact.occurred_at, now=now
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=contact,
        clinic_id=client.clinic_id,
        at=now,
    )
    return contact


def unclassified_count(*, client_id: int, start: dt.datetime, end: dt.datetime) -> int:
    """How many of the client's contacts in ``[start, end)`` are not yet
    classified."""
    return Contact.objects.filter(
        unclassified(), client_id=client_id, occurred_at__gte=start, occurred_at__lt=end
    ).count()
