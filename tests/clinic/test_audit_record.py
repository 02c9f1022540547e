"""``audit_record`` field by field: what it takes from the object, what an
explicit argument overrides, and what it leaves empty.  The time is the
database's, whatever ``at`` the caller passes."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory

from clinic.access import Refusal
from clinic.audit import audit_denials, audit_record, audit_records, request_ip
from clinic.models import AuditAction, AuditEvent

AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def stored(event: AuditEvent) -> AuditEvent:
    return AuditEvent.objects.get(pk=event.pk)


def database_clock() -> dt.datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def test_an_object_gives_its_type_id_client_and_clinic(therapist, client, clinic):
    before = database_clock()
    event = stored(
        audit_record(actor=therapist, action=AuditAction.READ, obj=client, at=AT)
    )
    after = database_clock()
    assert event.actor == therapist
    assert event.action == AuditAction.READ
    assert event.object_type == "clinic.client"
    assert event.object_id == client.pk
    assert event.client_id == client.pk  # a client's events are on its own trail
    assert event.clinic_id == clinic.pk
    assert before <= event.at <= after
    assert event.ip is None


def test_an_object_with_a_client_gives_the_client_id(therapist, client, clinic):
    # A membership carries no client; an object with ``client_id`` does.
    membership = therapist.memberships.get()
    event = stored(
        audit_record(actor=therapist, action=AuditAction.UPDATE, obj=membership, at=AT)
    )
    assert event.object_type == "clinic.membership"
    assert event.object_id == membership.pk
    assert event.client_id is None
    assert event.clinic_id == clinic.pk


def test_a_record_of_a_client_is_filed_under_that_client(therapist, client):
    from tests.attachment.factories import ContactFactory

    contact = ContactFactory(client=client)
    event = stored(
        audit_record(actor=therapist, action=AuditAction.CREATE, obj=contact, at=AT)
    )
    assert event.client_id == client.pk
    assert event.object_type == "attachment.contact"
    assert event.object_id == contact.pk


def test_explicit_ids_and_type_win_over_the_objects(therapist, client, other_clinic):
    event = stored(
        audit_record(
            actor=therapist,
            action=AuditAction.READ,
            obj=client,
            object_type="attachment.records.timeline",
            client_id=client.pk + 1000,
            clinic_id=other_clinic.pk,
            at=AT,
        )
    )
    assert event.object_type == "attachment.records.timeline"
    assert event.client_id == client.pk + 1000
    assert event.clinic_id == other_clinic.pk
    assert event.object_id == client.pk


def test_without_an_object_only_the_given_ids_are_kept(admin, clinic):
    event = stored(
        audit_record(
            actor=admin,
            action=AuditAction.EXPORT,
            object_type="attachment.flag",
            clinic_id=clinic.pk,
            at=AT,
        )
    )
    assert event.object_type == "attachment.flag"
    assert event.object_id is None
    assert event.client_id is None
    assert event.clinic_id == clinic.pk


def test_without_an_object_or_type_the_type_is_blank(admin):
    event = stored(audit_record(actor=admin, action=AuditAction.READ, at=AT))
    assert event.object_type == ""


def test_an_anonymous_or_missing_actor_is_stored_as_none(client):
    for actor in (AnonymousUser(), None):
        event = stored(
            audit_record(actor=actor, action=AuditAction.READ, obj=client, at=AT)
        )
        assert event.actor_id is None


def test_the_request_gives_the_ip(therapist, client):
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.23")
    event = stored(
        audit_record(
            actor=therapist,
            action=AuditAction.READ,
            obj=client,
            at=AT,
            request=request,
        )
    )
    assert event.ip == "198.51.100.23"


def test_request_ip_is_none_without_a_request_or_an_address():
    assert request_ip(None) is None
    request = RequestFactory().get("/")
    request.META["REMOTE_ADDR"] = ""
    assert request_ip(request) is None
    request.META.pop("REMOTE_ADDR")
    assert request_ip(request) is None


def test_audit_records_writes_one_event_per_object_in_one_insert(
    therapist, client, clinic, django_assert_num_queries
):
    from tests.attachment.factories import ContactFactory

    contacts = [ContactFactory(client=client), ContactFactory(client=client)]
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.24")
    # The chain's lock and head (one call), then the one INSERT.
    with django_assert_num_queries(2) as queries:
        audit_records(
            actor=therapist,
            action=AuditAction.UPDATE,
            objs=contacts,
            at=AT,
            clinic_id=clinic.pk,
            request=request,
        )
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == 1
    rows = list(
        AuditEvent.objects.order_by("object_id").values_list(
            "actor_id",
            "action",
            "object_type",
            "object_id",
            "client_id",
            "clinic_id",
            "ip",
        )
    )
    assert rows == [
        (
            therapist.pk,
            AuditAction.UPDATE,
            "attachment.contact",
            contact.pk,
            client.pk,
            clinic.pk,
            "198.51.100.24",
        )
        for contact in sorted(contacts, key=lambda c: c.pk)
    ]
    # One statement, one moment: the batch shares the database's time.
    assert len(set(AuditEvent.objects.values_list("at", flat=True))) == 1


def test_audit_records_takes_each_objects_own_clinic_and_no_actor_when_anonymous(
    client, clinic
):
    audit_records(actor=AnonymousUser(), action=AuditAction.READ, objs=[client], at=AT)
    event = AuditEvent.objects.get()
    assert (event.actor_id, event.clinic_id, event.ip) == (None, clinic.pk, None)


def test_audit_denials_writes_one_denied_event_per_refusal_by_type_and_id(
    therapist, clinic
):
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.23")
    refusals = [
        Refusal(actor_id=therapist.pk, object_type="client", object_id=41, status=404),
        Refusal(actor_id=None, object_type="clinic-admin", object_id=None, status=403),
    ]
    events = audit_denials(denials=refusals, clinic_id=clinic.pk, request=request)
    rows = AuditEvent.objects.filter(pk__in=[event.pk for event in events])
    fields = ("actor_id", "action", "object_type", "object_id", "client_id")
    assert list(rows.order_by("seq").values(*fields, "clinic_id", "ip")) == [
        {
            "actor_id": therapist.pk,
            "action": AuditAction.DENIED,
            "object_type": "client",
            "object_id": 41,
            "client_id": None,
            "clinic_id": clinic.pk,
            "ip": "198.51.100.23",
        },
        {
            "actor_id": None,
            "action": AuditAction.DENIED,
            "object_type": "clinic-admin",
            "object_id": None,
            "client_id": None,
            "clinic_id": clinic.pk,
            "ip": "198.51.100.23",
        },
    ]
