"""The database's rule for destruction, tried by each key-holder: the
application's role (which every test here acts as) deletes a client's
guarded and history rows only through the erase function, and only once the
client's tombstone exists; the owner is held to the same rule by the guards;
the tombstone is insert-only and refused for a held or active client."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from attachment.models import ClientDestruction, LegalHold
from clinic.database_guards import ERASE_FUNCTION
from clinic.models import Client
from notes import services as note_services
from notes.models import SessionNote
from tests.attachment.retention.conftest import end
from tests.database_roles import APP_ROLE, as_database_owner, current_role
from tests.factories import ClientFactory
from tests.notes.factories import SessionNoteFactory


def sql(statement: str, params: list | None = None) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def tombstone(client: Client, admin) -> ClientDestruction:
    with transaction.atomic():
        return ClientDestruction.objects.create(
            client=client,
            code=client.code,
            started_on=client.started_on,
            ended_on=client.ended_on,
            destroyed_by=admin,
            destroyed_at=timezone.now(),
            reason="Retention ended",
        )


@pytest.fixture
def signed(client, therapist, password, now):
    note = note_services.note_sign(
        actor=therapist,
        note=SessionNoteFactory(client=client, author=therapist),
        password=password,
        now=now,
    )
    end(client)
    return note


def note_history_rows(client: Client) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM notes_sessionnoteevent WHERE client_id = %s",
            [client.pk],
        )
        return cursor.fetchone()[0]


def test_the_tests_act_as_the_application_role(db):
    assert current_role() == APP_ROLE


def test_the_erase_function_refuses_a_client_without_a_tombstone(signed, client):
    with pytest.raises(DatabaseError, match="no destruction is recorded"):
        sql(f"SELECT {ERASE_FUNCTION}(%s)", [client.pk])
    assert note_history_rows(client) > 0
    assert SessionNote.objects.filter(pk=signed.pk).exists()


def test_the_application_role_cannot_delete_history_rows_itself(signed, client, admin):
    tombstone(client, admin)
    with pytest.raises(DatabaseError, match="permission denied"):
        sql("DELETE FROM notes_sessionnoteevent WHERE client_id = %s", [client.pk])
    assert note_history_rows(client) > 0


def test_the_application_role_cannot_delete_a_signed_note_without_a_tombstone(
    signed,
):
    with pytest.raises(DatabaseError, match="signed note cannot be deleted"):
        sql("DELETE FROM notes_sessionnote WHERE id = %s", [signed.pk])


def test_the_owner_cannot_delete_history_rows_without_a_tombstone(signed, client):
    with as_database_owner():
        with pytest.raises(DatabaseError, match="append-only"):
            sql(
                "DELETE FROM notes_sessionnoteevent WHERE client_id = %s",
                [client.pk],
            )
    assert note_history_rows(client) > 0


def test_a_tombstone_lets_go_of_its_own_client_only(
    signed, client, therapist, admin, password, now
):
    other = ClientFactory(clinic=client.clinic, therapist=therapist, code="RS-009")
    note_services.note_sign(
        actor=therapist,
        note=SessionNoteFactory(client=other, author=therapist),
        password=password,
        now=now,
    )
    end(other)
    tombstone(client, admin)
    with as_database_owner():
        with pytest.raises(DatabaseError, match="append-only"):
            sql("DELETE FROM notes_sessionnoteevent WHERE client_id = %s", [other.pk])
        with pytest.raises(DatabaseError, match="signed note cannot be deleted"):
            sql("DELETE FROM notes_sessionnote WHERE client_id = %s", [other.pk])
    sql(f"SELECT {ERASE_FUNCTION}(%s)", [client.pk])
    assert note_history_rows(client) == 0
    assert not SessionNote.objects.filter(client=client).exists()
    assert note_history_rows(other) > 0
    assert SessionNote.objects.filter(client=other).exists()


def test_a_tombstone_for_a_held_client_is_refused(signed, client, admin):
    with transaction.atomic():
        LegalHold.objects.create(
            client=client, reason="Claim", placed_by=admin, placed_at=timezone.now()
        )
    with pytest.raises(DatabaseError, match="without a legal hold"):
        tombstone(client, admin)
    assert not ClientDestruction.objects.exists()


def test_a_tombstone_for_an_active_client_is_refused(client, admin):
    client.ended_on = client.started_on
    with pytest.raises(DatabaseError, match="only an ended client"):
        tombstone(client, admin)


def test_the_tombstone_is_insert_only(signed, client, admin):
    row = tombstone(client, admin)
    for statement in (
        "UPDATE attachment_clientdestruction SET reason = 'x'",
        "DELETE FROM attachment_clientdestruction",
    ):
        with pytest.raises(DatabaseError, match="permission denied"):
            sql(statement)
        with as_database_owner():
            with pytest.raises(DatabaseError, match="append-only"):
                sql(statement)
    assert ClientDestruction.objects.get().reason == row.reason


def test_a_legal_hold_is_lifted_once_and_never_deleted(client, admin):
    with transaction.atomic():
        hold = LegalHold.objects.create(
            client=client, reason="Claim", placed_by=admin, placed_at=timezone.now()
        )
    with pytest.raises(DatabaseError, match="never deleted"):
        sql("DELETE FROM attachment_legalhold")
    with pytest.raises(DatabaseError, match="only be lifted"):
        sql("UPDATE attachment_legalhold SET reason = 'Other'")
    lifted = sql(
        "UPDATE attachment_legalhold SET lifted_at = clock_timestamp(), lifted_by_id = %s, "
        "lift_reason = 'Settled'",
        [admin.pk],
    )
    assert lifted == 1
    with pytest.raises(DatabaseError, match="only be lifted"):
        sql("UPDATE attachment_legalhold SET lifted_at = NULL, lifted_by_id = NULL")
    hold.refresh_from_db()
    assert hold.lift_reason == "Settled"


def test_the_retention_period_has_a_floor_in_the_database(clinic):
    with pytest.raises(IntegrityError, match="clinic_retention_years_in_range"):
        sql("UPDATE clinic_clinic SET retention_years = 5 WHERE id = %s", [clinic.pk])


def test_a_destroyed_client_stays_an_ended_shell(admin, past_client_destroyed):
    client = past_client_destroyed
    for change in ("status = 'active'", "preferred_name = 'Robin'", "code = 'X-1'"):
        with pytest.raises(DatabaseError, match="ended shell"):
            sql(f"UPDATE clinic_client SET {change} WHERE id = %s", [client.pk])  # noqa: S608
    client.refresh_from_db()
    assert (client.status, client.preferred_name, client.code) == (
        "ended",
        "",
        "RS-001",
    )


def test_another_clients_row_changes_as_before(client, admin):
    sql("UPDATE clinic_client SET preferred_name = 'Rob' WHERE id = %s", [client.pk])
    client.refresh_from_db()
    assert client.preferred_name == "Rob"


@pytest.fixture
def past_client_destroyed(client, admin, now):
    from attachment.retention.services import client_destroy

    end(client)
    client_destroy(actor=admin, client=client, reason="Retention ended", now=now)
    return client
