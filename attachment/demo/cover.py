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
from attachment.cover.services import break_glass_open
from attachment.models import Contact, LoggedWhile, Source
from attachment.records.imports import NewContact, contacts_bulk_create
from clinic.access import supervision_links_in_force
from clinic.audit import audit_record
from clinic.demo import COVER, COVER_NOTE
from clinic.extensions import DemoContext
from clinic.models import (
    Absence,
    AuditAction,
    AuditEvent,
    BreakGlassGrant,
    BreakGlassReason,
    Client,
    User,
)


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
    _break_glass(demo)


BREAK_GLASS_NOTE = (
    "The client rang the front desk upset while their therapist was in "
    "session; I checked the coping plan with them (synthetic demo)."
)


def _break_glass(demo: DemoContext) -> None:
    """Yesterday the second therapist opened a client of the therapist's by
    breaking glass: the grant has expired and, unlike the earlier one the
    clinic part seeds already reviewed, waits for the supervisor's and the
    admin's review."""
    opener, therapist = demo.people.get("therapist2"), demo.people.get("therapist")
    if opener is None or therapist is None:
        return
    if BreakGlassGrant.objects.filter(
        clinic=demo.clinic, explanation=BREAK_GLASS_NOTE
    ).exists():
        return
    stories = {client.pk for client in demo.stories.values()}
    client = min(
        (
            client
            for client in demo.clients
            if client.therapist_id == therapist.pk and client.pk not in stories
        ),
        key=lambda client: client.pk,
        default=None,
    )
    if client is None:
        return
    break_glass_open(
        actor=opener,
        code=client.code,
        reason=BreakGlassReason.CRISIS_CONTACT,
        explanation=BREAK_GLASS_NOTE,
        now=demo.now - dt.timedelta(days=1),
    )


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
