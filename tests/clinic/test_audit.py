"""Audit events: every read of a client page is recorded, and the log is
append-only at the database level."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from clinic.audit import audit_record
from clinic.models import AuditAction, AuditEvent


def test_reading_a_client_page_writes_a_read_event_with_actor_client_and_ip(
    login, therapist, client, clinic
):
    response = login(therapist).get(
        reverse("clinic:client", args=[client.pk]), REMOTE_ADDR="203.0.113.7"
    )

    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert event.action == AuditAction.READ
    assert event.actor == therapist
    assert event.client_id == client.pk
    assert event.object_type == "clinic.client"
    assert event.object_id == client.pk
    assert event.clinic_id == clinic.pk
    assert event.ip == "203.0.113.7"
    assert abs(event.at - timezone.now()).total_seconds() < 60


def test_a_supervisors_read_is_recorded_as_theirs(login, supervisor, client):
    login(supervisor).get(reverse("clinic:client", args=[client.pk]))
    assert AuditEvent.objects.get().actor == supervisor


def test_a_refused_read_records_no_read_event(login, admin, other_therapist, client):
    for person in (admin, other_therapist):
        login(person).get(reverse("clinic:client", args=[client.pk]))
    assert not AuditEvent.objects.filter(action=AuditAction.READ).exists()


@pytest.fixture
def event(therapist, client):
    return audit_record(
        actor=therapist,
        action=AuditAction.READ,
        obj=client,
        client_id=client.pk,
        at=timezone.now(),
    )


def test_an_audit_event_cannot_be_updated(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditAction.DELETE)
    event.refresh_from_db()
    assert event.action == AuditAction.READ


def test_an_audit_event_cannot_be_deleted(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_not_even_raw_sql_can_rewrite_the_log(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE clinic_auditevent SET actor_id = NULL WHERE id = %s", [event.pk]
            )
    event.refresh_from_db()
    assert event.actor_id is not None
