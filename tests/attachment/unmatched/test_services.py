"""The unmatched inbox's services: an assigned message becomes the contact
the integration would have delivered (its own time, no purpose), a repeated
delivery of it answers duplicate, and who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from attachment.ingestion.services import contacts_ingest
from attachment.models import (
    ClientAddress,
    Contact,
    ContactDelivery,
    Source,
    UnmatchedMessage,
)
from attachment.unmatched.access import assignable_clients
from attachment.unmatched.selectors import unmatched_waiting
from attachment.unmatched.services import unmatched_assign, unmatched_discard
from clinic.models import AuditEvent
from tests.attachment.unmatched.conftest import waiting_message
from tests.factories import ClientFactory


def _events():
    return list(
        AuditEvent.objects.order_by("seq").values_list(
            "actor_id", "action", "object_type", "object_id", "client_id"
        )
    )


def test_an_assigned_message_becomes_a_contact_with_its_own_time(
    therapist, client, message, now
):
    message.duration_minutes = None
    contact = unmatched_assign(actor=therapist, message=message, client=client, now=now)
    assert contact.client == client
    assert contact.occurred_at == message.occurred_at
    assert (contact.channel, contact.direction) == ("text", "from_client")
    assert contact.message_length == 42
    assert contact.purpose == ""
    assert contact.source == Source.INTEGRATION
    assert contact.summary == ""
    message.refresh_from_db()
    assert message.resolution == "assigned"
    assert (message.resolved_at, message.resolved_by, message.contact) == (
        now,
        therapist,
        contact,
    )
    delivery = ContactDelivery.objects.get(contact=contact)
    assert (delivery.integration, delivery.external_id) == (
        message.integration,
        message.external_id,
    )


def test_a_call_keeps_its_duration(therapist, client, integration, now, policy):
    call = waiting_message(
        integration, now=now, channel="phone", duration_minutes=12, message_length=None
    )
    contact = unmatched_assign(actor=therapist, message=call, client=client, now=now)
    assert (contact.channel, contact.duration_minutes) == ("phone", 12)


def test_assigning_is_audited_the_contact_and_the_message(
    therapist, client, message, now
):
    contact = unmatched_assign(actor=therapist, message=message, client=client, now=now)
    assert _events() == [
        (therapist.pk, "create", "attachment.contact", contact.pk, client.pk),
        (therapist.pk, "update", "attachment.unmatchedmessage", message.pk, client.pk),
    ]


def test_a_repeated_delivery_of_an_assigned_message_is_a_duplicate(
    therapist, client, message, integration, now
):
    contact = unmatched_assign(actor=therapist, message=message, client=client, now=now)
    results = contacts_ingest(
        integration=integration,
        items=[
            {
                "external_id": message.external_id,
                "address": message.address,
                "occurred_at": message.occurred_at.isoformat(),
                "channel": "text",
                "direction": "from_client",
            }
        ],
        now=now,
    )
    assert [(r.status, r.contact_id) for r in results] == [("duplicate", contact.pk)]
    assert Contact.objects.count() == 1


def test_remembering_the_address_gives_it_to_the_client(
    therapist, client, message, now
):
    unmatched_assign(
        actor=therapist,
        message=message,
        client=client,
        now=now,
        remember_address=True,
    )
    address = ClientAddress.objects.get()
    assert (address.client, address.value) == (client, message.address)
    assert ("create", "attachment.clientaddress") in [e[1:3] for e in _events()]


def test_without_remembering_no_address_is_kept(therapist, client, message, now):
    unmatched_assign(actor=therapist, message=message, client=client, now=now)
    assert not ClientAddress.objects.exists()


def test_an_address_another_client_holds_refuses_the_whole_assignment(
    therapist, other_therapist, client, clinic, message, now
):
    theirs = ClientFactory(clinic=clinic, therapist=other_therapist)
    ClientAddress.objects.create(
        clinic=clinic,
        client=theirs,
        kind="phone",
        value=message.address,
        created_at=now,
    )
    with pytest.raises(ValidationError):
        unmatched_assign(
            actor=therapist,
            message=message,
            client=client,
            now=now,
            remember_address=True,
        )
    message.refresh_from_db()
    assert message.resolution == ""
    assert not Contact.objects.exists()
    assert not ContactDelivery.objects.exists()


def test_a_message_is_assigned_once(therapist, client, message, now):
    unmatched_assign(actor=therapist, message=message, client=client, now=now)
    with pytest.raises(ValidationError):
        unmatched_assign(actor=therapist, message=message, client=client, now=now)
    with pytest.raises(ValidationError):
        unmatched_discard(actor=therapist, message=message, now=now)
    assert Contact.objects.count() == 1


def test_a_discarded_message_leaves_the_inbox_audited(admin, message, now):
    unmatched_discard(actor=admin, message=message, now=now)
    message.refresh_from_db()
    assert (message.resolution, message.resolved_by, message.contact) == (
        "discarded",
        admin,
        None,
    )
    assert list(unmatched_waiting(clinic_ids=[message.clinic_id])) == []
    assert _events() == [
        (admin.pk, "update", "attachment.unmatchedmessage", message.pk, None)
    ]


def test_the_admin_assigns_to_any_client_of_the_clinic(
    admin, other_therapist, clinic, message, now
):
    theirs = ClientFactory(clinic=clinic, therapist=other_therapist)
    contact = unmatched_assign(actor=admin, message=message, client=theirs, now=now)
    assert contact.client == theirs


def test_a_therapist_assigns_only_to_their_own_clients(
    therapist, other_therapist, client, message, now
):
    with pytest.raises(Http404):
        unmatched_assign(actor=other_therapist, message=message, client=client, now=now)
    assert list(assignable_clients(other_therapist, clinic_id=client.clinic_id)) == []
    assert list(assignable_clients(therapist, clinic_id=client.clinic_id)) == [client]
    message.refresh_from_db()
    assert message.resolution == ""


def test_a_therapist_of_the_clinic_may_discard(other_therapist, message, now):
    unmatched_discard(actor=other_therapist, message=message, now=now)
    message.refresh_from_db()
    assert message.resolution == "discarded"


@pytest.mark.parametrize("who", ["therapist", "admin"])
def test_a_message_of_another_clinic_answers_404(
    request, client, other_integration, now, who
):
    theirs = waiting_message(other_integration, now=now)
    actor = request.getfixturevalue(who)
    with pytest.raises(Http404):
        unmatched_assign(actor=actor, message=theirs, client=client, now=now)
    with pytest.raises(Http404):
        unmatched_discard(actor=actor, message=theirs, now=now)
    theirs.refresh_from_db()
    assert theirs.resolution == ""


def test_without_a_role_in_any_clinic_the_inbox_is_refused(message, now, db):
    from tests.factories import UserFactory

    nobody = UserFactory()
    with pytest.raises(PermissionDenied):
        unmatched_discard(actor=nobody, message=message, now=now)


def test_the_inbox_lists_only_waiting_messages_of_the_clinic(
    admin, integration, other_integration, now, policy
):
    first = waiting_message(integration, now=now, occurred_at=now - dt.timedelta(3))
    second = waiting_message(integration, now=now, occurred_at=now - dt.timedelta(1))
    waiting_message(other_integration, now=now)
    gone = waiting_message(integration, now=now)
    unmatched_discard(actor=admin, message=gone, now=now)
    listed = list(unmatched_waiting(clinic_ids=[integration.clinic_id]))
    assert listed == [second, first]
    assert UnmatchedMessage.objects.count() == 4
