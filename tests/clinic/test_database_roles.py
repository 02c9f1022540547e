"""The application's database role appends history and cannot rewrite it.

Tried the way someone holding the application's database credentials would:
plain SQL through its role (every test here runs as it, tests/database_roles),
with ``pgtrigger.ignore`` set, and by trying to switch the guards off.  The
owner's part is tried too: only with the guards disabled, which the audit
chain's check then catches.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError, ProgrammingError
from django.urls import reverse
from django.utils import timezone

from clinic.audit import audit_record
from clinic.database_guards import GUARD_PREFIX, all_guards, append_only_tables
from clinic.database_roles import append_only_grant_tables, grant_application_role
from clinic.models import AuditAction, AuditEvent
from notes import services
from notes.models import Addendum, SessionNote
from tests.database_roles import APP_ROLE, as_database_owner, current_role
from tests.notes.factories import SessionNoteFactory

IGNORE_EVERY_PGTRIGGER = (
    "SELECT set_config('pgtrigger.ignore', "
    "'{clinic_auditevent:pgtrigger_audit_event_append_only}', true)"
)


def sql(statement: str, params: list | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def events(therapist, client) -> list[AuditEvent]:
    for _ in range(3):
        audit_record(actor=therapist, action=AuditAction.READ, obj=client)
    return list(AuditEvent.objects.order_by("seq"))


@pytest.fixture
def signed(client, therapist, password):
    note = SessionNoteFactory(client=client, author=therapist)
    return services.note_sign(
        actor=therapist, note=note, password=password, now=timezone.now()
    )


def test_the_suite_queries_as_the_application_role(db):
    assert current_role() == APP_ROLE


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE clinic_auditevent SET object_id = 0",
        "DELETE FROM clinic_auditevent",
        "TRUNCATE clinic_auditevent",
        "ALTER TABLE clinic_auditevent DISABLE TRIGGER USER",
        "DROP TRIGGER between_guard_append_only ON clinic_auditevent",
    ],
)
def test_the_application_role_cannot_rewrite_the_audit_log(events, statement):
    with pytest.raises(ProgrammingError, match="permission denied|must be owner"):
        sql(statement)
    assert list(AuditEvent.objects.order_by("seq")) == events


@pytest.mark.parametrize("table", append_only_grant_tables())
def test_the_application_role_cannot_update_delete_or_truncate_history(db, table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s ORDER BY ordinal_position LIMIT 1",
            [table],
        )
        (column,) = cursor.fetchone()
    for statement in (
        f'UPDATE "{table}" SET "{column}" = "{column}"',  # noqa: S608
        f'DELETE FROM "{table}"',  # noqa: S608
        f'TRUNCATE "{table}"',
    ):
        with pytest.raises(ProgrammingError, match="permission denied"):
            sql(statement)


def test_every_history_table_is_append_only_for_the_application(db):
    tables = append_only_tables()
    assert "clinic_auditevent" in tables
    assert "notes_sessionnoteevent" in tables
    assert "attachment_contactevent" in tables
    assert {"notes_addendum", "notes_notereturn"} <= set(append_only_grant_tables())


def test_the_application_role_owns_nothing_and_creates_nothing(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
            "AND tableowner = current_user"
        )
        assert cursor.fetchone()[0] == 0
    with pytest.raises(ProgrammingError, match="permission denied"):
        sql("CREATE TABLE between_shadow (id int)")
    with pytest.raises(ProgrammingError, match="permission denied"):
        sql(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())"
        )


def test_the_application_role_still_reads_and_writes_the_ordinary_tables(
    login, client, therapist
):
    response = login(therapist).get(reverse("clinic:client", args=[client.pk]))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(client_id=client.pk, action="read").exists()


# --- the guards: no session setting switches them off -----------------------


def test_pgtrigger_ignore_does_not_lift_the_guards(signed, events):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(IGNORE_EVERY_PGTRIGGER)
        with pytest.raises(ProgrammingError, match="content cannot change"):
            with transaction.atomic():
                SessionNote.objects.filter(pk=signed.pk).update(plan="Rewritten.")
    with as_database_owner(), transaction.atomic(), connection.cursor() as cursor:
        # Even the owner, with the grants, meets the guard unless it drops it.
        cursor.execute(IGNORE_EVERY_PGTRIGGER)
        with pytest.raises(ProgrammingError, match="append-only"):
            with transaction.atomic():
                AuditEvent.objects.filter(pk=events[0].pk).update(object_id=0)
    signed.refresh_from_db()
    assert signed.plan != "Rewritten."


def test_a_signed_note_cannot_be_deleted_or_its_signature_changed(signed):
    with pytest.raises(ProgrammingError, match="cannot be deleted"):
        with transaction.atomic():
            SessionNote.objects.filter(pk=signed.pk).delete()
    with pytest.raises(ProgrammingError, match="signature cannot change"):
        with transaction.atomic():
            SessionNote.objects.filter(pk=signed.pk).update(
                signed_at=signed.signed_at - dt.timedelta(days=3)
            )


def test_addenda_are_append_only_even_for_the_owner_with_the_guards_on(
    signed, therapist, password
):
    addendum = services.addendum_add(
        actor=therapist,
        note=signed,
        text="A late entry.",
        password=password,
        now=timezone.now(),
    )
    with as_database_owner():
        with pytest.raises(ProgrammingError, match="append-only"):
            with transaction.atomic():
                Addendum.objects.filter(pk=addendum.pk).update(text="Other words.")


def test_a_forged_audit_row_out_of_place_or_back_dated_is_refused(events, therapist):
    head = events[-1]
    now = timezone.now()
    forged = {
        "actor_id": therapist.pk,
        "action": "read",
        "object_type": "clinic.client",
        "object_id": 1,
        "mac": "0" * 64,
    }
    columns = ", ".join(["seq", "at", *forged])
    placeholders = ", ".join(["%s"] * (len(forged) + 2))
    insert = f"INSERT INTO clinic_auditevent ({columns}) VALUES ({placeholders})"  # noqa: S608
    for seq, at in (
        (head.seq, now),  # a seq already taken
        (head.seq + 5, now),  # a gap
        (head.seq + 1, now - dt.timedelta(days=30)),  # back-dated
        (head.seq + 1, now + dt.timedelta(hours=1)),  # from the future
    ):
        with pytest.raises(DatabaseError):
            sql(insert, [seq, at, *forged.values()])
    assert AuditEvent.objects.count() == len(events)


def test_a_forged_row_at_the_head_is_caught_by_audit_verify(events, therapist):
    """The database cannot check a mac (it never holds the key); a row put at
    the head with a made-up mac is what ``audit_verify`` is for."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        (now,) = cursor.fetchone()
    sql(
        "INSERT INTO clinic_auditevent (seq, at, action, object_type, mac) "
        "VALUES (%s, %s, 'read', 'clinic.client', %s)",
        [events[-1].seq + 1, now, "0" * 64],
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit_verify", stdout=io.StringIO(), stderr=err, verbosity=0)
    assert f"seq {events[-1].seq + 1}" in err.getvalue()


# --- installed by migrate, every time ---------------------------------------


def test_every_declared_guard_is_installed_and_none_checks_a_session_setting(db):
    wanted = {(guard.table, guard.trigger) for guard in all_guards()}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid), p.prosrc "
            "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE NOT t.tgisinternal AND t.tgname LIKE %s",
            [GUARD_PREFIX + "%"],
        )
        rows = cursor.fetchall()
    assert {(table, trigger) for table, trigger, _, _ in rows} == wanted
    for _, _, definition, source in rows:
        assert "current_setting" not in source + definition
        assert "pgtrigger" not in source + definition


def test_no_pgtrigger_protection_is_left_on_guarded_tables(db):
    guarded = {guard.table for guard in all_guards()}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgname LIKE 'pgtrigger_%%' "
            "AND (t.tgname LIKE '%%protect%%' OR t.tgname LIKE '%%append_only%%' "
            "OR t.tgname LIKE '%%locked%%')"
        )
        left = [row for row in cursor.fetchall() if row[0] in guarded]
    assert left == []


def test_the_grants_refuse_a_missing_role_and_the_owner_itself(db):
    from django.core.exceptions import ImproperlyConfigured

    with as_database_owner():
        with pytest.raises(ImproperlyConfigured, match="does not exist"):
            grant_application_role(connection, "between_no_such_role")
        owner = current_role()
        with pytest.raises(ImproperlyConfigured, match="must not be"):
            grant_application_role(connection, owner)


# --- the login role, created for compose ------------------------------------


def role_flags(name: str):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole "
            "FROM pg_roles WHERE rolname = %s",
            [name],
        )
        return cursor.fetchone()


def test_the_command_creates_a_login_role_without_privileges(db, settings, monkeypatch):
    settings.DATABASE_APP_ROLE = "between_app_compose_test"
    monkeypatch.setenv("DATABASE_APP_PASSWORD", "a-long-enough-password-1234")
    with as_database_owner():  # the owner runs it, before migrate
        out = io.StringIO()
        call_command("database_app_role", stdout=out)
        assert "Created" in out.getvalue()
        assert role_flags("between_app_compose_test") == (True, False, False, False)
        call_command("database_app_role", stdout=out)
        assert "Updated" in out.getvalue()


def test_the_command_refuses_a_short_password_or_no_role(db, settings, monkeypatch):
    settings.DATABASE_APP_ROLE = APP_ROLE
    monkeypatch.setenv("DATABASE_APP_PASSWORD", "short")
    with pytest.raises(CommandError, match="16 characters"):
        call_command("database_app_role")
    settings.DATABASE_APP_ROLE = ""
    with pytest.raises(CommandError, match="not set"):
        call_command("database_app_role")
