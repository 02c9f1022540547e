"""Response times without typing: an arrived reply answers the client's
waiting contacts, and a client contact that arrives late takes the first
reply after it; an answer time set by hand is never changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from attachment.engine import patterns as p
from attachment.engine.reads import STREAMS, ClientStream, ScanWindow, query_parameters
from attachment.ingestion.replies import replies_link
from attachment.models import Contact, Source
from attachment.records import services
from attachment.records.services import contact_save_with_facts
from clinic.models import AuditAction, AuditEvent
from tests.attachment.factories import ContactFactory

pytestmark = pytest.mark.django_db

# Tuesday 10 March 2026, London (UTC in March before the clocks change).
DAY = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return DAY.replace(hour=hour, minute=minute)


def arrive(client, when, direction="from_client", *, now, channel="text", **fields):
    """A contact as the ingestion saves it, then linked as it links it."""
    contact = Contact(
        client=client,
        occurred_at=when,
        channel=channel,
        direction=direction,
        source=Source.INTEGRATION,
        **fields,
    )
    contact_save_with_facts(contact, client=client, earliest=when, now=now)
    replies_link(contact, actor=None, now=now)
    return contact


def fresh(contact: Contact) -> Contact:
    return Contact.objects.get(pk=contact.pk)


@pytest.fixture
def same_channel_only(client):
    client.clinic.reply_counts_any_channel = False
    client.clinic.save(update_fields=["reply_counts_any_channel"])
    return client


# --- a reply answers the contacts waiting for it ------------------------------


def test_a_reply_answers_every_client_contact_waiting_for_it(client, policy, now):
    first = arrive(client, at(9), now=now)
    second = arrive(client, at(9, 30), now=now)

    reply = arrive(client, at(10), "from_therapist", now=now)

    assert fresh(first).responded_at == at(10)
    assert fresh(second).responded_at == at(10)
    assert fresh(first).response_minutes == 60
    assert fresh(second).response_minutes == 30
    assert fresh(reply).in_reply_to_id == second.pk


def test_it_returns_the_contacts_it_changed(client, policy, now):
    asked = arrive(client, at(9), now=now)
    reply = Contact(
        client=client,
        occurred_at=at(10),
        channel="text",
        direction="from_therapist",
        source=Source.INTEGRATION,
    )
    contact_save_with_facts(reply, client=client, earliest=at(10), now=now)

    changed = replies_link(reply, actor=None, now=now)

    assert {contact.pk for contact in changed} == {asked.pk, reply.pk}
    assert reply.in_reply_to_id == asked.pk


def test_a_reply_after_hours_makes_the_answer_an_after_hours_one(client, policy, now):
    asked = arrive(client, at(16), now=now)

    arrive(client, at(20), "from_therapist", now=now)

    answered = fresh(asked)
    assert answered.response_minutes == 240
    assert answered.responded_after_hours


def test_contacts_before_the_previous_reply_are_left_as_they_are(client, policy, now):
    """What came before the therapist's previous contact was that contact's
    to answer; if it was left unanswered, a later reply does not claim it."""
    earlier = ContactFactory(client=client, occurred_at=at(8))
    ContactFactory(client=client, occurred_at=at(8, 30), direction="from_therapist")
    waiting = arrive(client, at(9), now=now)

    arrive(client, at(10), "from_therapist", now=now)

    assert fresh(earlier).responded_at is None
    assert fresh(waiting).responded_at == at(10)


def test_a_contact_after_the_reply_is_not_answered_by_it(client, policy, now):
    arrive(client, at(10), "from_therapist", now=now)
    later = arrive(client, at(11), now=now)

    assert fresh(later).responded_at is None


def test_a_reply_with_nothing_waiting_changes_nothing(client, policy, now):
    before = AuditEvent.objects.count()
    reply = arrive(client, at(10), "from_therapist", now=now)

    assert fresh(reply).in_reply_to_id is None
    assert AuditEvent.objects.count() == before


def test_a_reply_already_linked_keeps_its_link(client, policy, now):
    first = arrive(client, at(9), now=now)
    ContactFactory(
        client=client,
        occurred_at=at(9, 10),
        direction="from_therapist",
        in_reply_to=first,
        responded_at=None,
    )
    second = arrive(client, at(9, 30), now=now)
    reply = Contact(
        client=client,
        occurred_at=at(10),
        channel="text",
        direction="from_therapist",
        in_reply_to=second,
    )
    contact_save_with_facts(reply, client=client, earliest=at(10), now=now)

    changed = replies_link(reply, actor=None, now=now)

    assert [contact.pk for contact in changed] == [second.pk]
    assert fresh(reply).in_reply_to_id == second.pk


# --- the other order: a client contact that arrives late ----------------------


def test_a_late_client_contact_takes_the_first_reply_after_it(client, policy, now):
    first_reply = arrive(client, at(10), "from_therapist", now=now)
    arrive(client, at(12), "from_therapist", now=now)

    late = arrive(client, at(9), now=now)

    assert late.responded_at == at(10)
    assert fresh(late).response_minutes == 60
    assert fresh(first_reply).in_reply_to_id == late.pk


def test_a_late_contact_does_not_relink_a_reply_that_answers_another(
    client, policy, now
):
    asked = arrive(client, at(9, 30), now=now)
    reply = arrive(client, at(10), "from_therapist", now=now)
    assert fresh(reply).in_reply_to_id == asked.pk

    late = arrive(client, at(9), now=now)

    assert fresh(late).responded_at == at(10)
    assert fresh(reply).in_reply_to_id == asked.pk


def test_a_client_contact_after_every_reply_waits(client, policy, now):
    arrive(client, at(10), "from_therapist", now=now)

    waiting = arrive(client, at(11), now=now)

    assert fresh(waiting).responded_at is None


# --- the clinic's setting: any channel or the same channel --------------------


def test_by_default_a_reply_on_any_channel_answers(client, policy, now):
    text = arrive(client, at(9), now=now, channel="text")
    email = arrive(client, at(9, 10), now=now, channel="email")

    arrive(client, at(10), "from_therapist", now=now, channel="phone")

    assert fresh(text).responded_at == at(10)
    assert fresh(email).responded_at == at(10)


def test_with_same_channel_only_a_reply_answers_its_own_channel(
    same_channel_only, policy, now
):
    client = same_channel_only
    text = arrive(client, at(9), now=now, channel="text")
    email = arrive(client, at(9, 10), now=now, channel="email")
    # A text from the therapist before does not close the e-mail's window.
    arrive(client, at(9, 20), "from_therapist", now=now, channel="text")
    assert fresh(text).responded_at == at(9, 20)

    reply = arrive(client, at(10), "from_therapist", now=now, channel="email")

    assert fresh(email).responded_at == at(10)
    assert fresh(reply).in_reply_to_id == email.pk


def test_with_same_channel_only_a_late_contact_waits_for_its_channel(
    same_channel_only, policy, now
):
    client = same_channel_only
    arrive(client, at(10), "from_therapist", now=now, channel="email")
    arrive(client, at(11), "from_therapist", now=now, channel="text")

    late = arrive(client, at(9), now=now, channel="text")

    assert fresh(late).responded_at == at(11)


# --- answer times set by hand --------------------------------------------------


def test_an_answer_time_set_by_hand_is_never_changed(client, therapist, policy, now):
    by_hand = services.contact_log(
        actor=therapist,
        client=client,
        occurred_at=at(9),
        channel="text",
        direction="from_client",
        responded_at=at(9, 20),
        now=now,
    )

    reply = arrive(client, at(10), "from_therapist", now=now)

    assert fresh(by_hand).responded_at == at(9, 20)
    assert fresh(by_hand).response_minutes == 20
    assert fresh(reply).in_reply_to_id is None


def test_an_arrived_answer_time_is_kept_when_the_contact_comes_late(
    client, policy, now
):
    arrive(client, at(10), "from_therapist", now=now)

    late = arrive(client, at(9), now=now, responded_at=at(9, 45))

    assert fresh(late).responded_at == at(9, 45)


def test_the_therapist_corrects_an_answer_time_on_the_edit_page(
    client, therapist, policy, now, login
):
    asked = arrive(client, at(9), now=now)
    arrive(client, at(10), "from_therapist", now=now)
    assert fresh(asked).response_minutes == 60

    response = login(therapist).post(
        reverse("attachment:contact_edit", args=[client.pk, asked.pk]),
        {
            "occurred_at": "2026-03-10T09:00",
            "channel": "text",
            "direction": "from_client",
            "purpose": "",
            "summary": "",
            "responded_at": "2026-03-10T09:05",
        },
    )

    assert response.status_code == 302
    corrected = fresh(asked)
    assert corrected.responded_at == at(9, 5)
    assert corrected.response_minutes == 5


# --- the link the database checks ----------------------------------------------


def test_every_link_made_answers_an_earlier_contact_of_the_same_client(
    client, policy, now
):
    arrive(client, at(9), now=now)
    arrive(client, at(10), "from_therapist", now=now)
    arrive(client, at(11), "from_therapist", now=now)
    arrive(client, at(8), now=now)
    for reply in Contact.objects.filter(client=client, in_reply_to__isnull=False):
        answered = reply.in_reply_to
        assert answered.client_id == reply.client_id
        assert answered.direction == "from_client"
        assert answered.occurred_at <= reply.occurred_at


def test_the_database_refuses_a_link_to_a_later_contact(client, policy, now):
    """The trigger that guards every link, whichever path writes it."""
    reply = arrive(client, at(10), "from_therapist", now=now)
    later = arrive(client, at(11), now=now)

    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.filter(pk=reply.pk).update(in_reply_to=later)


# --- audit ---------------------------------------------------------------------


def test_each_change_is_an_update_event_on_the_clients_trail(client, policy, now):
    asked = arrive(client, at(9), now=now)
    before = AuditEvent.objects.count()

    reply = arrive(client, at(10), "from_therapist", now=now)

    events = AuditEvent.objects.order_by("pk")[before:]
    assert sorted(
        (e.actor_id, e.action, e.object_type, e.object_id, e.client_id) for e in events
    ) == sorted(
        [
            (None, AuditAction.UPDATE, "attachment.contact", asked.pk, client.pk),
            (None, AuditAction.UPDATE, "attachment.contact", reply.pk, client.pk),
        ]
    )
    assert {e.clinic_id for e in events} == {client.clinic_id}


def test_a_person_acting_is_named_in_the_events(client, therapist, policy, now):
    arrive(client, at(9), now=now)
    reply = ContactFactory(
        client=client, occurred_at=at(10), direction="from_therapist"
    )
    before = AuditEvent.objects.count()

    replies_link(reply, actor=therapist, now=now)

    actors = set(
        AuditEvent.objects.order_by("pk")[before:].values_list("actor_id", flat=True)
    )
    assert actors == {therapist.pk}


def test_unaudited_it_leaves_the_events_to_the_caller(client, policy, now):
    arrive(client, at(9), now=now)
    reply = ContactFactory(
        client=client, occurred_at=at(10), direction="from_therapist"
    )
    before = AuditEvent.objects.count()

    changed = replies_link(reply, actor=None, now=now, audited=False)

    assert len(changed) == 2
    assert AuditEvent.objects.count() == before


# --- the engine reads the answer times -------------------------------------------


def _weekly_row(client, now):
    thresholds = p.DetectorThresholds()
    window = ScanWindow.build(
        now=now.astimezone(client.clinic.zone), thresholds=thresholds
    )
    params = query_parameters(
        clinic_id=client.clinic_id,
        zone_name=client.clinic.timezone,
        window=window,
        thresholds=thresholds,
        client_ids=[client.pk],
    )
    stream = ClientStream(STREAMS["weekly"], params)
    try:
        [row] = stream.rows_through(client.pk)
    finally:
        stream.close()
    return row


def test_the_weekly_read_behind_the_responsiveness_detectors_sees_the_answers(
    client, policy, now
):
    """The overextension and withdrawal detectors read, per week, how many
    client contacts were answered, the median answer time, and how many
    contacts the therapist started: a linked reply is not one of those."""
    arrive(client, at(9), now=now)
    arrive(client, at(9, 40), now=now)
    arrive(client, at(10), "from_therapist", now=now)
    arrive(client, at(13), now=now)
    arrive(client, at(14), "from_therapist", now=now)

    row = _weekly_row(client, now)

    from_client, started, replied, median = row[2], row[3], row[4], row[6]
    assert (from_client, started, replied) == (3, 0, 3)
    assert median == 60
