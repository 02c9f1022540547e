"""POST /api/v1/contacts/: item by item, idempotent per external_id."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from attachment.ingestion import services as ingestion
from attachment.models import Contact, ContactDelivery, Source
from clinic.models import AuditEvent
from tests.factories import ClientFactory

URL = "/api/v1/contacts/"
MONDAY = dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC)
SECRET = "Felt abandoned after the call"


def item(external_id="ext-1", **changes):
    return {
        "external_id": external_id,
        "client": "RS-001",
        "occurred_at": MONDAY.isoformat(),
        "channel": "text",
        "direction": "from_client",
        "purpose": "scheduling",
        "summary": "Move Thursday?",
        **changes,
    }


def post(api, body):
    return api.post(URL, json.dumps(body), content_type="application/json")


def test_one_contact_is_created_as_a_contact_from_the_integration(api, client, policy):
    response = post(api, item())
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert result["status"] == "created" and result["external_id"] == "ext-1"
    contact = Contact.objects.get(pk=result["contact_id"])
    assert (contact.client, contact.source) == (client, Source.INTEGRATION)
    assert contact.delivery.external_id == "ext-1"


def test_a_repeated_delivery_changes_nothing_and_names_the_same_contact(
    api, client, policy
):
    first = post(api, [item("a"), item("b", occurred_at="2026-03-10T10:00:00+00:00")])
    again = post(api, [item("a"), item("b", occurred_at="2026-03-10T10:00:00+00:00")])
    created = [r["contact_id"] for r in first.json()["results"]]
    assert [r["status"] for r in first.json()["results"]] == ["created"] * 2
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 2
    assert [r["contact_id"] for r in again.json()["results"]] == created
    assert Contact.objects.count() == 2


def test_a_bad_item_loses_no_good_one_and_its_reason_echoes_nothing(
    api, client, policy
):
    bad = item("bad", channel=SECRET, summary=SECRET, client="NOPE-1")
    response = post(api, [item("good"), bad, {"no": "id"}])
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "rejected", "rejected"]
    assert "unknown client" in results[1]["reason"]
    assert "unknown channel" in results[1]["reason"]
    assert SECRET not in response.content.decode()
    assert "external_id" in results[2]["reason"]
    assert Contact.objects.count() == 1


def test_more_than_a_thousand_items_are_refused_whole(api, client, policy):
    response = post(api, [item(f"x{n}") for n in range(ingestion.BATCH_MAX + 1)])
    assert response.status_code == 400
    assert Contact.objects.count() == 0


def test_facts_are_derived_as_for_a_contact_logged_by_hand(api, client, policy):
    evening = MONDAY.replace(hour=21)
    response = post(
        api,
        item(
            occurred_at=evening.isoformat(),
            responded_at=(evening + dt.timedelta(minutes=12)).isoformat(),
        ),
    )
    contact = Contact.objects.get(pk=response.json()["results"][0]["contact_id"])
    assert contact.after_hours
    assert contact.response_minutes == 12


def test_a_created_contact_asks_for_a_rescan_on_commit(
    api, client, policy, monkeypatch, django_capture_on_commit_callbacks
):
    asked: list[int] = []
    monkeypatch.setattr(ingestion, "_rescans_request", asked.extend)
    with django_capture_on_commit_callbacks(execute=True):
        post(api, [item("a"), item("bad", channel="pigeon")])
    assert asked == [client.pk]


def test_each_created_contact_is_audited_with_no_person_as_actor(
    api, client, policy, issued
):
    before = AuditEvent.objects.count()
    response = post(api, item())
    contact_id = response.json()["results"][0]["contact_id"]
    call, event = AuditEvent.objects.order_by("seq")[before:]
    assert (event.actor_id, event.action, event.object_id, event.client_id) == (
        None,
        "create",
        contact_id,
        client.pk,
    )
    assert event.clinic_id == issued[0].clinic_id
    # The call itself names the integration.
    assert (call.actor_id, call.object_type, call.object_id, call.client_id) == (
        None,
        "api.contacts",
        issued[0].pk,
        None,
    )


def test_a_batch_is_audited_once_per_client_naming_a_lone_contact(
    api, client, policy, issued, therapist
):
    """As the CSV import audits a file: one event per client written to,
    which names the contact when it is the client's only one."""
    other = ClientFactory(clinic=client.clinic, therapist=therapist, code="RS-002")
    before = AuditEvent.objects.count()
    results = post(
        api,
        [
            item("a"),
            item("b", occurred_at="2026-03-10T10:00:00+00:00"),
            item("c", client="RS-002"),
        ],
    ).json()["results"]
    lone = results[2]["contact_id"]
    events = AuditEvent.objects.order_by("seq")[before:]
    assert {
        (e.action, e.object_type, e.object_id, e.client_id)
        for e in events
        if e.client_id is not None
    } == {
        ("create", "attachment.contact", None, client.pk),
        ("create", "attachment.contact", lone, other.pk),
    }
    assert len(events) == 3
    assert [e.object_type for e in events if e.client_id is None] == ["api.contacts"]


def test_a_call_that_creates_nothing_is_audited_too(api, client, policy, issued):
    post(api, item())
    before = AuditEvent.objects.count()
    post(api, item())
    [call] = AuditEvent.objects.order_by("seq")[before:]
    assert (call.object_type, call.object_id) == ("api.contacts", issued[0].pk)


def test_a_client_of_another_clinic_is_unknown(api, policy, other_clinic, outsider):
    ClientFactory(clinic=other_clinic, therapist=outsider, code="HT-001")
    response = post(api, item(client="HT-001"))
    [result] = response.json()["results"]
    assert result["status"] == "rejected" and "unknown client" in result["reason"]
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [("{not json", 400), ('"a string"', 400), ("[1, 2]", 200)],
)
def test_malformed_bodies_answer_json_errors(api, client, policy, body, status):
    response = api.post(URL, body, content_type="application/json")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert "not json" not in response.content.decode()


def test_a_body_over_the_limit_answers_413(api, client, policy, settings):
    settings.API_MAX_BODY_BYTES = 100
    response = post(api, [item(f"x{n}") for n in range(5)])
    assert response.status_code == 413
    assert response.json() == {"error": "The request body is too large."}


def test_the_delivery_is_unique_per_integration_in_the_database(
    api, client, policy, issued
):
    from django.db import IntegrityError, transaction

    post(api, item())
    contact = Contact.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactDelivery.objects.create(
            integration=issued[0],
            external_id="ext-1",
            contact=Contact.objects.create(
                client=client,
                occurred_at=MONDAY,
                channel="text",
                direction="from_client",
            ),
            created_at=contact.occurred_at,
        )
