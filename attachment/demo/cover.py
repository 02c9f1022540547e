"""This app's part of the demo's cover: the contact the cover logged from a
client's cover page on the first day of the therapist's absence, and the
notices of the absence's start (who covers), so that the therapist and the
supervisor find the absence's page among their notifications.

The cover, the absence and the cover's read are the clinic part's
(:mod:`clinic.demo`).  Synthetic, and added once: nothing if the cover has
logged a contact already.
"""

from __future__ import annotations

import datetime as dt

from attachment.cover.notices import cover_notices_send
from attachment.models import Contact, LoggedWhile, Source
from attachment.records.imports import NewContact, contacts_bulk_create
from clinic.access import supervision_links_in_force
from clinic.audit import audit_record
from clinic.demo import COVER, COVER_NOTE
from clinic.extensions import DemoContext
from clinic.models import Absence, AuditAction, AuditEvent, Client, User


def _during_the_first_day(absence: Absence, now: dt.datetime) -> dt.datetime:
    """Halfway between the absence's first midnight and now."""
    start = dt.datetime.combine(absence.starts_on, dt.time(), absence.clinic.zone)
    return start + (max(now, start) - start) / 2


def seed(demo: DemoContext) -> None:
    cover = User.objects.filter(email=COVER.email).first()
    absence = (
        Absence.objects.select_related("clinic")
        .filter(clinic=demo.clinic, covering_therapist=cover, note=COVER_NOTE)
        .first()
    )
    if cover is None or absence is None:
        return
    client = demo.stories["rising_contact"]
    if not Contact.objects.filter(client__clinic=demo.clinic, logged_by=cover).exists():
        contact = NewContact(
            client_id=client.pk,
            occurred_at=_during_the_first_day(absence, demo.now),
            channel="phone",
            direction="from_client",
            purpose="distress",
            duration_minutes=15,
            summary="Called the clinic line; went through the coping plan's first "
            "steps together (synthetic demo).",
            source=Source.MANUAL.value,
            logged_by_id=cover.pk,
            logged_while=LoggedWhile.COVERING.value,
        )
        contacts_bulk_create(clinic=demo.clinic, contacts=[contact])
        logged = Contact.objects.get(client=client, logged_by=cover)
        audit_record(actor=cover, action=AuditAction.CREATE, obj=logged, at=demo.now)
    _ordinary_reads(client, on=demo.now.date())
    cover_notices_send(now=demo.now)


def _ordinary_reads(client: Client, *, on: dt.date) -> None:
    """The treating therapist and their supervisor opened the client's page
    before the absence, so that the client's access report shows every role."""
    readers = [client.therapist]
    readers += [
        link.supervisor
        for link in supervision_links_in_force(on=on).filter(
            supervisee=client.therapist
        )
    ]
    for reader in readers:
        if not AuditEvent.objects.filter(
            actor=reader, client_id=client.pk, action=AuditAction.READ
        ).exists():
            audit_record(actor=reader, action=AuditAction.READ, obj=client)
