"""This app's items on the next-session agenda, and marking them discussed."""

from __future__ import annotations

import datetime as dt

import pytest

from attachment.models import Contact, Rupture
from notes.agenda import agenda_for, agenda_mark_discussed
from notes.selectors import agenda_of
from tests.attachment.factories import ContactFactory, RuptureFactory
from tests.factories import ClientFactory
from tests.notes.factories import SessionNoteFactory

pytestmark = pytest.mark.django_db

SESSION = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def ours(items):
    return [item for item in items if item.kind in ("contact", "rupture")]


def test_contacts_since_the_last_note_are_on_the_agenda(client):
    SessionNoteFactory(client=client, session_at=SESSION)
    ContactFactory(client=client, occurred_at=SESSION - HOUR)
    after = ContactFactory(client=client, occurred_at=SESSION + 24 * HOUR)
    assert [item.key for item in ours(agenda_of(client=client))] == [
        f"contact:{after.pk}"
    ]


def test_a_crisis_contact_comes_before_a_scheduling_text(client):
    text = ContactFactory(client=client, occurred_at=SESSION, purpose="scheduling")
    crisis = ContactFactory(client=client, occurred_at=SESSION + HOUR, purpose="crisis")
    keys = [item.key for item in ours(agenda_for(client=client, since=None))]
    assert keys == [f"contact:{crisis.pk}", f"contact:{text.pk}"]


def test_open_ruptures_come_by_priority_and_resolved_ones_not_at_all(client):
    low = RuptureFactory(client=client, priority=1, noticed_at=SESSION - 20 * 24 * HOUR)
    high = RuptureFactory(
        client=client, priority=3, noticed_at=SESSION - 30 * 24 * HOUR
    )
    RuptureFactory(client=client, status="resolved")
    keys = [item.key for item in ours(agenda_for(client=client, since=SESSION))]
    assert keys == [f"rupture:{high.pk}", f"rupture:{low.pk}"]


def test_ticking_a_contact_links_it_to_the_note_and_takes_it_off(client):
    contact = ContactFactory(client=client, occurred_at=SESSION - 48 * HOUR)
    note = SessionNoteFactory(client=client, session_at=SESSION)
    agenda_mark_discussed(note=note, keys=[f"contact:{contact.pk}"])
    assert Contact.objects.get(pk=contact.pk).discussed_in == note
    assert ours(agenda_for(client=client, since=None)) == []


def test_a_discussed_rupture_leaves_this_agenda_and_returns_after_the_next_note(client):
    rupture = RuptureFactory(client=client, noticed_at=SESSION - 48 * HOUR)
    note = SessionNoteFactory(client=client, session_at=SESSION)
    agenda_mark_discussed(note=note, keys=[f"rupture:{rupture.pk}"])
    rupture.refresh_from_db()
    assert (rupture.last_discussed_in, rupture.last_discussed_at) == (note, SESSION)
    assert ours(agenda_of(client=client)) == []
    SessionNoteFactory(client=client, session_at=SESSION + 7 * 24 * HOUR)
    assert [item.key for item in ours(agenda_of(client=client))] == [
        f"rupture:{rupture.pk}"
    ]


def test_a_note_cannot_take_another_clients_items(client, therapist):
    other = ClientFactory(clinic=client.clinic, therapist=therapist)
    contact = ContactFactory(client=other, occurred_at=SESSION)
    rupture = RuptureFactory(client=other)
    note = SessionNoteFactory(client=client, session_at=SESSION)
    agenda_mark_discussed(
        note=note, keys=[f"contact:{contact.pk}", f"rupture:{rupture.pk}"]
    )
    assert Contact.objects.get(pk=contact.pk).discussed_in is None
    assert Rupture.objects.get(pk=rupture.pk).last_discussed_in is None


def test_agenda_labels_carry_no_summary_text(client):
    ContactFactory(
        client=client, occurred_at=SESSION, summary="PRIVATE SUMMARY", after_hours=True
    )
    (item,) = ours(agenda_for(client=client, since=None))
    assert "PRIVATE SUMMARY" not in item.label
    assert "after hours" in item.label
