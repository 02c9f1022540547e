"""POST /api/v1/contacts/ naming the client by address; the unmatched inbox;
content kept out unless the clinic keeps previews; unclassified purposes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from attachment.models import (
    ClientAddress,
    Contact,
    ContactDelivery,
    UnmatchedMessage,
)
from clinic.models import AuditEvent, ClientStatus
from tests.factories import ClientFactory

URL = "/api/v1/contacts/"
MONDAY = dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC)
NUMBER = "+447700900123"
BODY = "Could we talk about the letter from my sister before Thursday"


def item(external_id="ext-1", **changes):
    return {
        "external_id": external_id,
        "address": "07700 900123",
        "occurred_at": MONDAY.isoformat(),
        "channel": "text",
        "direction": "from_client",
        **changes,
    }


def post(api, body):
    return api.post(URL, json.dumps(body), content_type="application/json")


def address_of(client, value=NUMBER, kind="phone"):
    return ClientAddress.objects.create(
        clinic=client.clinic,
        client=client,
        kind=kind,
        value=value,
        created_at=timezone.now(),
    )


def test_a_known_number_written_nationally_names_its_client(api, client, policy):
    address_of(client)
    [result] = post(api, item()).json()["results"]
    assert result["status"] == "created"
    contact = Contact.objects.get(pk=result["contact_id"])
    assert contact.client == client
    # No purpose given: unclassified until the therapist sets it.
    assert contact.purpose == ""


def test_an_email_address_matches_whatever_its_case(api, client, policy):
    address_of(client, "sam@example.org", kind="email")
    [result] = post(api, item(address="Sam@Example.ORG", channel="email")).json()[
        "results"
    ]
    assert Contact.objects.get(pk=result["contact_id"]).client == client


def test_an_unknown_address_waits_in_the_unmatched_inbox_with_metadata_only(
    api, client, policy, issued
):
    [result] = post(api, item(message_length=len(BODY), summary=BODY)).json()["results"]
    assert result == {"index": 0, "external_id": "ext-1", "status": "unmatched"}
    assert not Contact.objects.exists()
    message = UnmatchedMessage.objects.get()
    assert (message.address, message.channel, message.direction) == (
        NUMBER,
        "text",
        "from_client",
    )
    assert message.occurred_at == MONDAY and message.message_length == len(BODY)
    assert message.integration == issued[0] and message.clinic == client.clinic
    assert BODY not in json.dumps(list(UnmatchedMessage.objects.values()), default=str)


def test_a_repeated_unmatched_delivery_answers_unmatched_and_adds_nothing(
    api, client, policy
):
    post(api, item())
    [again] = post(api, item()).json()["results"]
    assert again["status"] == "unmatched"
    assert UnmatchedMessage.objects.count() == 1


def test_unmatched_messages_are_audited(api, client, policy):
    post(api, item())
    message = UnmatchedMessage.objects.get()
    assert AuditEvent.objects.filter(
        object_type="attachment.unmatchedmessage", object_id=str(message.pk)
    ).exists()


def test_an_ended_clients_address_still_names_them(api, client, policy):
    """A message after the ending is the client's (contact after ending)."""
    address_of(client)
    client.status, client.ended_on = ClientStatus.ENDED, dt.date(2026, 3, 1)
    client.save(update_fields=["status", "ended_on"])
    [result] = post(api, item()).json()["results"]
    assert result["status"] == "created"
    assert Contact.objects.get(pk=result["contact_id"]).after_ending


def test_a_released_address_names_nobody(api, client, policy):
    held = address_of(client)
    held.released_at = timezone.now()
    held.save(update_fields=["released_at"])
    [result] = post(api, item()).json()["results"]
    assert result["status"] == "unmatched"


def test_another_clinics_address_is_unknown_here(
    api, client, policy, other_clinic, outsider
):
    theirs = ClientFactory(clinic=other_clinic, therapist=outsider, code="OT-001")
    address_of(theirs)
    [result] = post(api, item()).json()["results"]
    assert result["status"] == "unmatched"
    assert not Contact.objects.filter(client=theirs).exists()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"address": "not a number"}, "address"),
        ({"address": 7700900123}, "address"),
        ({"client": "RS-001"}, "not both"),
    ],
)
def test_bad_addresses_are_refused_without_echo(api, client, policy, changes, field):
    [result] = post(api, item(**changes)).json()["results"]
    assert result["status"] == "rejected" and field in result["reason"]
    assert "not a number" not in result["reason"]


def test_the_summary_is_dropped_unless_the_clinic_keeps_previews(api, client, policy):
    address_of(client)
    [result] = post(api, item(summary=BODY)).json()["results"]
    assert Contact.objects.get(pk=result["contact_id"]).summary == ""


def test_a_clinic_that_keeps_previews_keeps_two_hundred_characters(api, client, policy):
    client.clinic.keep_message_preview = True
    client.clinic.save(update_fields=["keep_message_preview"])
    address_of(client)
    long = "word " * 60
    [result] = post(api, item(summary=long)).json()["results"]
    assert Contact.objects.get(pk=result["contact_id"]).summary == long[:200].strip()


def test_duration_in_seconds_is_rounded_up_to_minutes(api, client, policy):
    address_of(client)
    [result] = post(api, item(channel="phone", duration_seconds=61)).json()["results"]
    assert Contact.objects.get(pk=result["contact_id"]).duration_minutes == 2


def test_message_length_is_kept(api, client, policy):
    address_of(client)
    [result] = post(api, item(message_length=42)).json()["results"]
    assert Contact.objects.get(pk=result["contact_id"]).message_length == 42


@pytest.mark.parametrize("value", [-1, True, "12", 10**12])
def test_a_bad_message_length_is_refused(api, client, policy, value):
    [result] = post(api, item(message_length=value)).json()["results"]
    assert result["status"] == "rejected" and "message_length" in result["reason"]


def test_a_nul_in_any_name_is_refused_not_a_server_error(api, client, policy):
    body = [
        item("a\x00b"),
        item("c", address="07700\x00900123"),
        {**item("d"), "address": None, "client": "RS\x00"},
    ]
    response = post(api, body)
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["rejected"] * 3
    assert not ContactDelivery.objects.exists()
