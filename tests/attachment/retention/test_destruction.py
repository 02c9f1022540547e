"""Destruction: every record of the client and every history row of them
go, the tombstone and the audit event stay, the audit chain still verifies,
and the other clients keep theirs.  A held client, a client still within
retention, and anyone but the clinic's admin are refused."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.http import Http404

from attachment.models import ClientDestruction, LegalHold
from attachment.retention.guards import client_erasures
from attachment.retention.services import client_destroy, legal_hold_place
from clinic.access_report.kinds import DESTRUCTION
from clinic.models import AuditAction, AuditEvent, Client
from tests.attachment.retention.conftest import RECORD_KINDS


def records_of(client: Client) -> dict[str, int]:
    """How many rows of each kind belong to ``client``."""
    counts = {}
    for label in RECORD_KINDS:
        model = apps.get_model(label)
        if label == "attachment.Notification":
            rows = model.objects.filter(url__startswith=f"/clients/{client.pk}/")
        else:
            path = {
                "notes.Addendum": "note__client",
                "notes.NoteReturn": "note__client",
                "attachment.ContactDelivery": "contact__client",
                "attachment.UnmatchedMessage": "contact__client",
                "attachment.RepairAttempt": "rupture__client",
                "attachment.FlagStatusChange": "flag__client",
                "attachment.FlagResponse": "flag__client",
                "attachment.DiscussedFlag": "flag__client",
            }.get(label, "client")
            rows = model.objects.filter(**{path: client})
        counts[label] = rows.count()
    return counts


def history_of(client: Client) -> dict[str, int]:
    """How many history rows of each erasable table belong to ``client``,
    read through the same rule the database applies."""
    counts = {}
    with connection.cursor() as cursor:
        for erasure in client_erasures():
            where = erasure.rows_of.format(row="r", client="%s")
            cursor.execute(
                f'SELECT count(*) FROM "{erasure.table}" r WHERE {where}',  # noqa: S608
                [client.pk],
            )
            counts[erasure.table] = cursor.fetchone()[0]
    return counts


def test_destruction_removes_every_record_and_its_history(
    admin, past_retention, bystander, now
):
    before = records_of(past_retention)
    assert all(before.values()), before
    history = history_of(past_retention)
    assert all(count for table, count in history.items() if table.endswith("event")), {
        t: c for t, c in history.items() if not c
    }
    kept = records_of(bystander), history_of(bystander)

    client_destroy(
        actor=admin, client=past_retention, reason="Retention ended", now=now
    )

    assert not any(records_of(past_retention).values())
    assert not any(history_of(past_retention).values())
    assert (records_of(bystander), history_of(bystander)) == kept
    note_history = apps.get_model("notes", "SessionNoteEvent")
    assert not note_history.objects.filter(client_id=past_retention.pk).exists()
    assert note_history.objects.filter(client_id=bystander.pk).exists()


def test_the_tombstone_and_the_audit_event_stay_and_the_chain_verifies(
    admin, past_retention, now
):
    counts = records_of(past_retention)
    tombstone = client_destroy(
        actor=admin, client=past_retention, reason="Retention ended", now=now
    )
    tombstone.refresh_from_db()
    assert (tombstone.code, tombstone.started_on, tombstone.ended_on) == (
        "RS-001",
        past_retention.started_on,
        past_retention.ended_on,
    )
    assert (tombstone.destroyed_by, tombstone.reason) == (admin, "Retention ended")
    assert tombstone.counts["notes.sessionnote"] == counts["notes.SessionNote"] == 2
    assert tombstone.counts["notes.processnote"] == 1
    assert tombstone.counts["attachment.contact"] == 2
    event = AuditEvent.objects.get(object_type=DESTRUCTION)
    assert (event.action, event.actor, event.object_id, event.client_id) == (
        AuditAction.DELETE,
        admin,
        tombstone.pk,
        past_retention.pk,
    )
    assert event.clinic_id == past_retention.clinic_id
    out = io.StringIO()
    call_command("audit_verify", stdout=out)  # a broken chain raises
    assert "The audit chain is intact" in out.getvalue()


def test_the_client_stays_as_an_ended_shell_without_its_name(
    admin, past_retention, now
):
    client_destroy(
        actor=admin, client=past_retention, reason="Retention ended", now=now
    )
    shell = Client.objects.get(pk=past_retention.pk)
    assert (shell.code, shell.status, shell.preferred_name) == ("RS-001", "ended", "")
    assert shell.destruction.reason == "Retention ended"


def test_a_client_under_legal_hold_is_refused(admin, past_retention, now):
    legal_hold_place(actor=admin, client=past_retention, reason="Claim 42", now=now)
    before = records_of(past_retention)
    with pytest.raises(ValidationError, match="legal hold"):
        client_destroy(actor=admin, client=past_retention, reason="Ended", now=now)
    assert records_of(past_retention) == before
    assert not ClientDestruction.objects.exists()


def test_a_lifted_hold_no_longer_stops_destruction(admin, past_retention, now):
    from attachment.retention.services import legal_hold_lift

    hold = legal_hold_place(actor=admin, client=past_retention, reason="Claim", now=now)
    legal_hold_lift(actor=admin, hold=hold, reason="Claim settled", now=now)
    client_destroy(actor=admin, client=past_retention, reason="Ended", now=now)
    assert ClientDestruction.objects.filter(client=past_retention).exists()
    assert LegalHold.objects.get(pk=hold.pk).lift_reason == "Claim settled"


def test_a_client_within_retention_is_refused(admin, client, now):
    from tests.attachment.retention.conftest import end

    end(client, on=now.date().replace(year=now.year - 7) + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="retention period runs until"):
        client_destroy(actor=admin, client=client, reason="Ended", now=now)


def test_an_active_client_is_refused(admin, client, now):
    with pytest.raises(ValidationError, match="ended client"):
        client_destroy(actor=admin, client=client, reason="Ended", now=now)


def test_a_second_destruction_is_refused(admin, past_retention, now):
    client_destroy(actor=admin, client=past_retention, reason="Ended", now=now)
    with pytest.raises(ValidationError, match="already destroyed"):
        client_destroy(actor=admin, client=past_retention, reason="Ended", now=now)


def test_a_reason_is_required(admin, past_retention, now):
    with pytest.raises(ValidationError, match="Say why"):
        client_destroy(actor=admin, client=past_retention, reason="  ", now=now)


def test_only_the_clinics_admin_may_destroy(therapist, outsider, past_retention, now):
    for person in (therapist, outsider):
        with pytest.raises(Http404):
            client_destroy(actor=person, client=past_retention, reason="x", now=now)
    assert not ClientDestruction.objects.exists()


def test_nothing_more_is_written_to_a_destroyed_client(
    admin, therapist, past_retention, now, login
):
    from django.urls import reverse

    client_destroy(actor=admin, client=past_retention, reason="Ended", now=now)
    http = login(therapist)
    url = reverse("attachment:contact_new", args=[past_retention.pk])
    # Still the therapist's (ended) client, so refused rather than unknown.
    assert http.get(url).status_code == 403
    posted = http.post(
        url,
        {
            "occurred_at": "2026-03-02T10:00",
            "channel": "text",
            "direction": "from_client",
        },
    )
    assert posted.status_code == 403
    assert not past_retention.contacts.exists()
