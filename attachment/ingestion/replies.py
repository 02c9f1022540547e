"""Response times without typing: an arrived contact from the therapist
answers the client's contacts that were waiting for it.

The rule, for one client: a contact from the therapist at time T answers
every contact from the client that has no answer time yet, happened at or
before T, and came after the therapist's previous contact (before T).  When
the clinic counts only a reply on the same channel
(``Clinic.reply_counts_any_channel`` off), both the waiting contacts and the
previous contact are those of the reply's channel.

Contacts do not always arrive in order.  A contact from the client that
arrives after the therapist's reply to it (its time is before an existing
contact from the therapist) takes, by the same rule, the time of the first
contact from the therapist at or after it.

An answer time already set, by hand or by an earlier reply, is never
changed: the therapist corrects one on the contact's edit page
(:func:`attachment.records.services.contact_update`).  A reply already
linked to a contact (``in_reply_to``) keeps its link; one with none is
linked to the latest contact it answered, so that it never counts as a
contact the therapist started.

The answered contacts are saved through
:func:`attachment.records.services.contact_save_with_facts`, so that their
response facts (``response_minutes``, ``responded_after_hours``) are derived
again and the client is re-scanned on commit.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from attachment.models import Contact, Direction
from attachment.records.services import contact_save_with_facts
from clinic.audit import audit_records
from clinic.models import AuditAction, Client, User


def _on_channel(client: Client, channel: str) -> Q:
    """Which contacts a reply on ``channel`` can answer: any channel, or
    only its own, as the clinic decided."""
    if client.clinic.reply_counts_any_channel:
        return Q()
    return Q(channel=channel)


def _answered_by(reply: Contact, *, now: dt.datetime) -> list[Contact]:
    """The client's waiting contacts that ``reply`` answers, answered."""
    client = reply.client
    channel = _on_channel(client, reply.channel)
    previous = (
        Contact.objects.filter(
            channel,
            client_id=client.pk,
            direction=Direction.FROM_THERAPIST,
            occurred_at__lt=reply.occurred_at,
        )
        .exclude(pk=reply.pk)
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    waiting = Contact.objects.filter(
        channel,
        client_id=client.pk,
        direction=Direction.FROM_CLIENT,
        responded_at__isnull=True,
        occurred_at__lte=reply.occurred_at,
    )
    if previous is not None:
        waiting = waiting.filter(occurred_at__gt=previous)
    answered = list(waiting.select_for_update().order_by("occurred_at", "pk"))
    for contact in answered:
        contact.responded_at = reply.occurred_at
        contact_save_with_facts(
            contact, client=client, earliest=contact.occurred_at, now=now
        )
    changed = list(answered)
    if answered and reply.in_reply_to_id is None:
        reply.in_reply_to = answered[-1]
        reply.save(update_fields=["in_reply_to"])
        changed.append(reply)
    return changed


def _answered_late(contact: Contact, *, now: dt.datetime) -> list[Contact]:
    """``contact`` (from the client, arrived after its reply) answered by the
    first contact from the therapist at or after it."""
    client = contact.client
    reply = (
        Contact.objects.filter(
            _on_channel(client, contact.channel),
            client_id=client.pk,
            direction=Direction.FROM_THERAPIST,
            occurred_at__gte=contact.occurred_at,
        )
        .order_by("occurred_at", "pk")
        .select_for_update()
        .first()
    )
    if reply is None:
        return []
    contact.responded_at = reply.occurred_at
    contact_save_with_facts(
        contact, client=client, earliest=contact.occurred_at, now=now
    )
    changed = [contact]
    if reply.in_reply_to_id is None:
        reply.in_reply_to = contact
        reply.save(update_fields=["in_reply_to"])
        changed.append(reply)
    return changed


def replies_link(
    contact: Contact, *, actor: User | None, now: dt.datetime, audited: bool = True
) -> list[Contact]:
    """Link the just-saved ``contact`` with the contacts it answers or that
    answer it (see the module's rule); returns the contacts this changed,
    ``contact`` among them if it did (the object passed in is updated).
    Runs in the caller's transaction.

    Each change is an update event of ``actor`` (``None`` for an
    integration) on the client's trail.  A caller writing many contacts in
    one transaction may pass ``audited=False`` and record the returned
    contacts' updates itself, with its other events, at the end."""
    if contact.direction == Direction.FROM_THERAPIST:
        changed = _answered_by(contact, now=now)
    elif contact.responded_at is None:
        changed = _answered_late(contact, now=now)
    else:
        changed = []
    if changed and audited:
        audit_records(
            actor=actor,
            action=AuditAction.UPDATE,
            objs=changed,
            at=now,
            clinic_id=contact.client.clinic_id,
        )
    return changed
