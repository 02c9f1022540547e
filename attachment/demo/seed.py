"""This app's part of the demo: a believable between-session history for every
demo client, with the four stories the pattern engine must find.

* (a) ``repaired_rupture``: mostly scheduling texts; a joke read as a rebuff,
  a voicemail, a call back within the hour and a complete repair; later a
  vulnerable e-mail; fewer reassurance contacts and rising internalised
  security over the months.
* (b) ``rising_contact``: about one client-initiated contact a week, then
  2, 3, 3, 4, 5, 5 in the last six weeks, with longing, panic and anger at
  unavailability; the therapist answers faster and later at night for nine
  weeks, then cuts back abruptly for the last three complete calendar weeks
  (and the current one), so that a scan three weeks ago sees the overextension
  and a scan now sees the withdrawal.
* (c) ``life_transition``: a new job and a move, then a surge of contacts
  during the therapist's vacation (an ``Absence`` already in the database),
  with fear of abandonment observed before it.
* (d) ``after_ending``: contacts keep coming after the ending date.

Stable clients contact at their own Poisson rate with no trend, inside their
policy.  Contacts go through the same fact derivation as the import.  All
data is synthetic; the seeder adds nothing if the clinic already has contacts.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math

from attachment.demo.history import History
from attachment.demo.stories import STORIES, stable_history
from attachment.engine.services import clinic_scan
from attachment.models import (
    AttachmentMeasure,
    Contact,
    ContactAgreement,
    CopingPlan,
    DependencyObservation,
    Flag,
    RepairAttempt,
    Rupture,
    SafetyPlan,
)
from attachment.records.imports import contacts_bulk_create
from clinic.extensions import DemoContext
from notes.models import SessionNote


def _link_to_notes(contacts: list[Contact]) -> None:
    """Contacts before a session count as discussed in its note, as if the
    therapist had ticked them; those since the last note stay on the agenda."""
    client_ids = {contact.client_id for contact in contacts}
    sessions: dict[int, list[tuple[dt.datetime, int]]] = {}
    for client_id, session_at, pk in (
        SessionNote.objects.filter(client_id__in=client_ids)
        .order_by("session_at")
        .values_list("client_id", "session_at", "pk")
    ):
        sessions.setdefault(client_id, []).append((session_at, pk))
    for contact in contacts:
        notes = sessions.get(contact.client_id, [])
        index = bisect.bisect_right(notes, (contact.occurred_at, math.inf))
        if index < len(notes):
            contact.discussed_in_id = notes[index][1]


def seed(demo: DemoContext) -> None:
    """Give every demo client a history; nothing if the clinic has contacts."""
    if Contact.objects.filter(client__clinic=demo.clinic).exists():
        return
    story_of = {client.pk: key for key, client in demo.stories.items()}
    histories = []
    for client in demo.clients:
        history = History(client, demo.clinic.zone, demo.now, demo.rng)
        STORIES.get(story_of.get(client.pk, ""), stable_history)(history)
        histories.append(history)
    # The agreements first: each contact is judged by the version of its time.
    ContactAgreement.objects.bulk_create(
        [row for history in histories for row in history.agreements]
    )
    contacts = [contact for history in histories for contact in history.contacts]
    _link_to_notes(contacts)
    contacts_bulk_create(clinic=demo.clinic, contacts=contacts)
    ruptures = [pair for history in histories for pair in history.ruptures]
    Rupture.objects.bulk_create([rupture for rupture, _ in ruptures])
    attempts = []
    for rupture, repairs in ruptures:
        for repair in repairs:
            repair.rupture = rupture
            attempts.append(repair)
    RepairAttempt.objects.bulk_create(attempts)
    for model, name in (
        (DependencyObservation, "observations"),
        (AttachmentMeasure, "measures"),
        (CopingPlan, "plans"),
        (SafetyPlan, "safety_plans"),
    ):
        model.objects.bulk_create(
            [row for history in histories for row in getattr(history, name)]
        )


def scan(demo: DemoContext) -> None:
    """Run the pattern scan over the demo clinic, three weeks ago and now, so
    the demo opens with the flags its stories imply (the overextension that
    comes before the withdrawal is seen by the earlier scan).  Once the clinic
    has flags, seeding again leaves them (and their history) as they are."""
    if Flag.objects.filter(client__clinic=demo.clinic).exists():
        return
    clinic_scan(clinic=demo.clinic, now=demo.now - dt.timedelta(days=21))
    clinic_scan(clinic=demo.clinic, now=demo.now)
