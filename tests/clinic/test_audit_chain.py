"""The audit log's hash chain: every row is a link, ``audit_verify`` names the
first place where the database owner changed the log, and anchors outside the
database catch a whole rewrite made with the key.

The tampering is done as the database owner would: with raw SQL, with the
append-only triggers lifted (they stop the application, not the owner).
"""

from __future__ import annotations

import datetime as dt
import hmac
import importlib
import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from clinic import audit
from clinic.audit import (
    ANCHOR_FILE,
    GENESIS_MAC,
    Anchor,
    Fault,
    anchor_line,
    anchor_parse,
    anchors_read,
    audit_record,
    audit_records,
    chain_mac,
    chain_verify,
)
from clinic.models import AuditAction, AuditEvent
from clinic.tasks import audit_anchor_task
from tests.database_roles import as_database_owner

ROOT = Path(__file__).resolve().parents[2]
AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
KEY = "k" * 40
WRONG_KEY = "w" * 40
TABLE = AuditEvent._meta.db_table
CONTENT = "actor_id, clinic_id, action, object_type, object_id, client_id, at, ip"


@pytest.fixture(autouse=True)
def anchor_dir(settings, tmp_path) -> Path:
    settings.AUDIT_ANCHOR_DIR = tmp_path / "var" / "anchors"
    return settings.AUDIT_ANCHOR_DIR


def verify() -> tuple[int, str, str]:
    """``manage.py audit_verify``: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err, verbosity=0)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def anchor() -> str:
    out = io.StringIO()
    call_command("audit_anchor", stdout=out)
    return out.getvalue()


def as_owner(sql: str, params: list | None = None) -> None:
    """Run ``sql`` as the database's owner may: with the table's own triggers
    (the append-only guard) disabled for the statement."""
    with as_database_owner(TABLE), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def logged(login, therapist, supervisor, client, clinic) -> list[AuditEvent]:
    """Six events through the real paths: two page reads, a single event and
    a batch of three."""
    login(therapist).get(reverse("clinic:client", args=[client.pk]))
    login(supervisor).get(reverse("clinic:client", args=[client.pk]))
    audit_record(actor=therapist, action=AuditAction.UPDATE, obj=client, at=AT)
    audit_records(
        actor=therapist,
        action=AuditAction.READ,
        objs=[client, therapist.memberships.get(), clinic],
        at=AT,
    )
    return list(AuditEvent.objects.order_by("seq"))


def rows_as_stored() -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {CONTENT} FROM {TABLE} ORDER BY seq")  # noqa: S608
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def rewrite(rows: list[dict], *, key: str) -> None:
    """Empty the table and write ``rows`` as a fresh, self-consistent chain
    under ``key``: what an owner would do to replace the log."""
    as_owner(f"TRUNCATE {TABLE}")
    previous = GENESIS_MAC
    for seq, row in enumerate(rows, 1):
        previous = chain_mac(key=key, row=SimpleNamespace(**row), previous=previous)
        as_owner(
            f"INSERT INTO {TABLE} ({CONTENT}, seq, mac) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [*row.values(), seq, previous],
        )


# --- writing ---------------------------------------------------------------


def test_every_row_is_a_link_with_gapless_seqs_in_insertion_order(logged):
    assert [event.seq for event in logged] == [1, 2, 3, 4, 5, 6]
    assert [event.object_type for event in logged][2:] == [
        "clinic.client",
        "clinic.client",
        "clinic.membership",
        "clinic.clinic",
    ]
    previous = ""  # the first row follows no mac
    for event in logged:
        assert event.mac == chain_mac(
            key=audit.chain_key(), row=event, previous=previous
        )
        previous = event.mac


def test_the_returned_event_is_the_stored_one(therapist, client):
    event = audit_record(actor=therapist, action=AuditAction.READ, obj=client, at=AT)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.seq, stored.mac, stored.at) == (event.seq, event.mac, event.at)
    assert stored.at != AT


def test_the_time_is_the_databases_clock_not_the_callers(therapist, client):
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        before = cursor.fetchone()[0]
    first = audit_record(actor=therapist, action=AuditAction.READ, obj=client, at=AT)
    second = audit_record(
        actor=therapist, action=AuditAction.READ, obj=client, at=AT - dt.timedelta(9)
    )
    assert before <= first.at <= second.at


def test_the_key_comes_from_the_settings_and_changes_every_mac(
    settings, therapist, client
):
    settings.AUDIT_HMAC_KEY = KEY
    event = audit_record(actor=therapist, action=AuditAction.READ, obj=client)
    assert event.mac == chain_mac(key=KEY, row=event, previous=GENESIS_MAC)
    assert event.mac != chain_mac(key=WRONG_KEY, row=event, previous=GENESIS_MAC)


def test_nothing_to_record_costs_no_query_and_no_lock(
    therapist, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert audit_records(actor=therapist, action=AuditAction.READ, objs=[]) == []


def test_a_row_cannot_skip_the_chain(db):
    with pytest.raises(ValueError, match="appended"):
        AuditEvent.objects.bulk_create(
            [AuditEvent(action=AuditAction.READ)], ignore_conflicts=True
        )
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017
        AuditEvent.objects.create(action=AuditAction.READ, at=AT)
    assert not AuditEvent.objects.exists()


def test_the_database_refuses_a_seq_below_one_or_a_mac_that_is_not_hex(logged):
    for sql in (
        f"UPDATE {TABLE} SET seq = 0 WHERE seq = 1",  # noqa: S608
        f"UPDATE {TABLE} SET mac = 'forged' WHERE seq = 1",  # noqa: S608
    ):
        with pytest.raises(Exception), transaction.atomic():  # noqa: B017
            as_owner(sql)


# --- the mac and the anchor line, directly --------------------------------


def content(**changes) -> SimpleNamespace:
    row = {
        "actor_id": 7,
        "clinic_id": 3,
        "action": "read",
        "object_type": "clinic.client",
        "object_id": 11,
        "client_id": 11,
        "at": AT,
        "ip": "198.51.100.7",
    }
    return SimpleNamespace(**{**row, **changes})


@pytest.mark.parametrize(
    "change",
    [
        {"actor_id": 8},
        {"actor_id": None},
        {"clinic_id": 4},
        {"action": "update"},
        {"object_type": "clinic.clinic"},
        {"object_id": 12},
        {"client_id": None},
        {"at": AT + dt.timedelta(microseconds=1)},
        {"ip": "198.51.100.8"},
        {"ip": None},
    ],
)
def test_every_content_field_is_covered_by_the_mac(change):
    original = chain_mac(key=KEY, row=content(), previous=GENESIS_MAC)
    assert chain_mac(key=KEY, row=content(**change), previous=GENESIS_MAC) != original


def test_the_serialisation_is_pinned_because_stored_macs_depend_on_it():
    message = (
        '["between-audit-chain-v1","",7,3,"read","clinic.client",11,11,'
        '"2026-03-02T09:30:00.000000+00:00","198.51.100.7"]'
    )
    expected = hmac.new(KEY.encode(), message.encode(), "sha256").hexdigest()
    assert chain_mac(key=KEY, row=content(), previous="") == expected
    assert expected == (
        "8666fc1a529b2c8ef3309235ff25dad94e40091a0c19a36d8181f7281187ec90"
    )


def test_an_anchor_line_is_pinned_too():
    line = anchor_line(Anchor(seq=42, mac="c" * 64, at=AT), key=KEY)
    signed = (
        '["between-audit-anchor-v1",42,"' + "c" * 64 + '",'
        '"2026-03-02T09:30:00.000000+00:00"]'
    )
    assert json.loads(line) == {
        "seq": 42,
        "mac": "c" * 64,
        "at": "2026-03-02T09:30:00.000000+00:00",
        "sig": hmac.new(KEY.encode(), signed.encode(), "sha256").hexdigest(),
    }
    # Sorted keys: the same anchor is the same line, in the file and the log.
    assert list(json.loads(line)) == ["at", "mac", "seq", "sig"]


def test_the_mac_covers_the_previous_mac_and_the_key():
    original = chain_mac(key=KEY, row=content(), previous="a" * 64)
    assert chain_mac(key=KEY, row=content(), previous="b" * 64) != original
    assert chain_mac(key=WRONG_KEY, row=content(), previous="a" * 64) != original
    assert len(original) == 64
    assert int(original, 16) >= 0


def test_the_mac_reads_one_moment_and_one_address_however_spelt():
    original = chain_mac(key=KEY, row=content(), previous=GENESIS_MAC)
    elsewhere = AT.astimezone(dt.timezone(dt.timedelta(hours=2)))
    assert chain_mac(key=KEY, row=content(at=elsewhere), previous="") == original
    mapped = content(ip="::ffff:1.2.3.4")
    assert chain_mac(key=KEY, row=mapped, previous="") == chain_mac(
        key=KEY, row=content(ip="::ffff:102:304"), previous=""
    )
    assert chain_mac(key=KEY, row=content(ip=""), previous="") == chain_mac(
        key=KEY, row=content(ip=None), previous=""
    )


def test_the_mac_does_not_depend_on_the_servers_time_zone(monkeypatch):
    original = chain_mac(key=KEY, row=content(), previous=GENESIS_MAC)
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    try:
        assert chain_mac(key=KEY, row=content(), previous=GENESIS_MAC) == original
    finally:
        monkeypatch.undo()
        time.tzset()


def test_an_anchor_line_round_trips_and_refuses_any_change():
    head = Anchor(seq=42, mac="c" * 64, at=AT)
    line = anchor_line(head, key=KEY)
    assert anchor_parse(line, key=KEY) == head
    assert anchor_parse(line, key=WRONG_KEY) is None
    data = json.loads(line)
    for name, value in (("seq", 43), ("mac", "d" * 64), ("at", "2026-03-03")):
        assert anchor_parse(json.dumps({**data, name: value}), key=KEY) is None
    for broken in ("", "not json", "[]", json.dumps({"seq": 42})):
        assert anchor_parse(broken, key=KEY) is None


def test_anchors_are_read_from_every_jsonl_file_and_bad_lines_are_named(tmp_path):
    assert anchors_read(directory=tmp_path / "none", key=KEY).lines == 0
    first = anchor_line(Anchor(seq=1, mac="a" * 64, at=AT), key=KEY)
    second = anchor_line(Anchor(seq=2, mac="b" * 64, at=AT), key=KEY)
    other = anchor_line(Anchor(seq=2, mac="e" * 64, at=AT), key=KEY)
    (tmp_path / "a.jsonl").write_text(f"{first}\n\n{second}\n")
    (tmp_path / "b.jsonl").write_text(f"{other}\n{second[:-3]}\n")
    (tmp_path / "notes.txt").write_text("ignored\n")
    found = anchors_read(directory=tmp_path, key=KEY)
    assert found.macs == {1: {"a" * 64}, 2: {"b" * 64, "e" * 64}}
    assert found.lines == 4
    assert found.bad == ["b.jsonl:2"]


# --- chain_verify over plain rows ------------------------------------------


def chain(count: int, *, key: str = KEY) -> list[SimpleNamespace]:
    rows, previous = [], GENESIS_MAC
    for seq in range(1, count + 1):
        row = content(object_id=seq)
        row.seq, row.mac = seq, chain_mac(key=key, row=row, previous=previous)
        previous = row.mac
        rows.append(row)
    return rows


def checked(rows, *, anchors=None, key: str = KEY):
    return chain_verify(
        rows=rows, anchors=anchors or {}, key=key, rows_again=lambda: list(rows)
    )


def test_an_intact_chain_passes_and_counts_its_rows_and_anchors():
    rows = chain(4)
    check = checked(rows, anchors={2: {rows[1].mac}, 4: {rows[3].mac}})
    assert (check.rows, check.anchors_met, check.broken) == (4, 2, None)
    assert checked([]).rows == 0
    assert checked([]).broken is None


def test_a_chain_must_start_at_seq_one():
    rows = chain(3)[2:]
    assert str(checked(rows).broken) == (
        "seq 1: missing: seq 1 to 2 are missing: rows were deleted"
    )


def test_a_seq_lower_than_its_place_is_reported_as_out_of_order():
    rows = chain(2)
    rows[1].seq = 1
    assert str(checked(rows).broken) == "seq 2: reordered: found seq 1 where 2 belongs"


def test_a_row_moved_from_its_place_is_told_from_an_edit():
    rows = chain(3)
    rows[0].seq, rows[1].seq = 2, 1
    assert str(checked([rows[1], rows[0], rows[2]]).broken) == (
        "seq 1: reordered: this row belongs after seq 2: rows were reordered"
    )


def test_a_row_slipped_in_before_the_first_is_found_by_the_genesis():
    forged = content(object_id=99)
    forged.seq, forged.mac = 1, "f" * 64
    rows = chain(2)
    for row in rows:
        row.seq += 1
    assert str(checked([forged, *rows]).broken) == (
        "seq 1: reordered: seq 2 belongs here: a row was inserted or rows reordered"
    )


def test_an_edited_row_names_its_seq_and_the_wrong_key_fails_the_first():
    rows = chain(3)
    rows[2].object_id = 99
    assert str(checked(rows).broken) == (
        "seq 3: edited: the mac does not match the row: it was edited or forged, "
        "or a row before it was removed and the rest renumbered"
    )
    assert checked(chain(3), key=WRONG_KEY).broken.seq == 1


def test_a_conflicting_anchor_is_a_break_even_when_another_anchor_agrees():
    rows = chain(3)
    broken = checked(rows, anchors={2: {rows[1].mac, "f" * 64}}).broken
    assert str(broken) == (
        "seq 2: anchor: an anchor holds another mac for this seq: "
        "the chain was rewritten"
    )


def test_an_anchor_past_the_end_names_the_first_missing_anchored_seq():
    rows = chain(3)
    broken = checked(rows, anchors={7: {"a" * 64}, 5: {"b" * 64}}).broken
    assert (broken.seq, broken.fault) == (5, Fault.ANCHOR)
    assert broken.detail == (
        "anchored, but the chain ends at seq 3: rows were removed "
        "or the chain was rewritten"
    )


# --- audit_verify against the database owner -------------------------------


def test_an_untouched_log_verifies_with_exit_status_zero(logged):
    code, out, err = verify()
    assert code == 0
    assert "Rows checked: 6 of 6." in out
    assert "intact up to seq 6" in out
    assert err == ""


def test_an_empty_log_verifies_and_has_nothing_to_anchor(db, anchor_dir):
    code, out, _ = verify()
    assert code == 0
    assert "Rows checked: 0 of 0." in out
    assert "nothing to anchor" in anchor()
    assert not (anchor_dir / ANCHOR_FILE).exists()


def test_an_edited_row_is_named(logged):
    as_owner(f"UPDATE {TABLE} SET object_id = object_id + 1 WHERE seq = 4")  # noqa: S608
    code, out, err = verify()
    assert code == 1
    assert "First problem at seq 4: edited:" in err
    assert "Rows checked: 4 of 6." in out


def test_a_changed_time_is_an_edit_too(logged):
    as_owner(f"UPDATE {TABLE} SET at = at - interval '1 hour' WHERE seq = 2")  # noqa: S608
    assert "seq 2: edited" in verify()[2]


def test_a_deleted_row_is_named_as_missing(logged):
    as_owner(f"DELETE FROM {TABLE} WHERE seq = 3")  # noqa: S608
    code, _, err = verify()
    assert code == 1
    assert "First problem at seq 3: missing: seq 3 to 3 are missing" in err


def test_a_deleted_row_with_the_rest_renumbered_is_still_caught(logged):
    as_owner(f"DELETE FROM {TABLE} WHERE seq = 3")  # noqa: S608
    as_owner(f"UPDATE {TABLE} SET seq = seq + 1000 WHERE seq > 3")  # noqa: S608
    as_owner(f"UPDATE {TABLE} SET seq = seq - 1001 WHERE seq > 1000")  # noqa: S608
    code, _, err = verify()
    assert code == 1
    assert "First problem at seq 3: edited" in err


def test_two_rows_swapped_are_named_as_reordered(logged):
    as_owner(f"UPDATE {TABLE} SET seq = 1000 WHERE seq = 4")  # noqa: S608
    as_owner(f"UPDATE {TABLE} SET seq = 4 WHERE seq = 5")  # noqa: S608
    as_owner(f"UPDATE {TABLE} SET seq = 5 WHERE seq = 1000")  # noqa: S608
    code, _, err = verify()
    assert code == 1
    assert "First problem at seq 4: reordered: this row belongs after seq 5" in err


def test_a_forged_row_slipped_in_is_named(logged):
    as_owner(f"UPDATE {TABLE} SET seq = seq + 1000 WHERE seq >= 3")  # noqa: S608
    as_owner(f"UPDATE {TABLE} SET seq = seq - 999 WHERE seq >= 1003")  # noqa: S608
    as_owner(
        f"INSERT INTO {TABLE} ({CONTENT}, seq, mac) "  # noqa: S608
        "SELECT actor_id, clinic_id, 'delete', object_type, object_id, client_id,"
        f" at, ip, 3, mac FROM {TABLE} WHERE seq = 2"
    )
    code, _, err = verify()
    assert code == 1
    assert "First problem at seq 3: reordered: seq 4 belongs here" in err


def test_a_rewrite_without_the_key_fails_at_the_first_row(logged):
    rows = rows_as_stored()
    rewrite(rows, key=WRONG_KEY)
    code, out, err = verify()
    assert code == 1
    assert "First problem at seq 1: edited" in err
    # The same rows under the right key are a valid chain: only the key
    # tells the rewrite apart.
    rewrite(rows, key=audit.chain_key())
    assert verify()[0] == 0


def test_a_rewrite_with_the_key_after_an_anchor_misses_the_anchored_head(logged):
    assert "Anchored seq 6" in anchor()
    rows = rows_as_stored()
    rewrite(rows[:2] + rows[3:], key=audit.chain_key())
    code, out, err = verify()
    assert code == 1
    assert (
        "First problem at seq 6: anchor: anchored, but the chain ends at seq 5" in err
    )
    assert "Anchors: 1 line(s), 0 met, 0 bad." in out


def test_a_rewrite_with_the_key_and_as_many_rows_differs_at_the_anchor(logged):
    anchor()
    rows = rows_as_stored()
    rows[0]["object_id"] = 12345
    rewrite(rows, key=audit.chain_key())
    code, _, err = verify()
    assert code == 1
    assert "First problem at seq 6: anchor: an anchor holds another mac" in err


def test_rows_added_after_the_anchor_still_verify(logged, therapist, client):
    anchor()
    audit_record(actor=therapist, action=AuditAction.READ, obj=client)
    anchor()
    code, out, _ = verify()
    assert code == 0
    assert "Anchors: 2 line(s), 2 met, 0 bad." in out


def test_a_tampered_anchor_line_is_reported(logged, anchor_dir):
    anchor()
    path = anchor_dir / ANCHOR_FILE
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "seq": 5}) + "\n")
    code, out, err = verify()
    assert code == 1
    assert "Anchor line anchors.jsonl:1: malformed or wrongly signed." in err
    assert "First problem" not in err


def test_the_anchor_is_a_signed_line_in_the_file_and_in_the_log(
    logged, anchor_dir, caplog
):
    with caplog.at_level("INFO", logger="clinic.audit"):
        anchor()
    line = (anchor_dir / ANCHOR_FILE).read_text().strip()
    head = anchor_parse(line, key=audit.chain_key())
    assert (head.seq, head.mac) == (logged[-1].seq, logged[-1].mac)
    assert f"audit chain anchor {line}" in caplog.messages


def test_the_daily_task_anchors_and_beat_has_it_scheduled(logged, anchor_dir):
    assert audit_anchor_task.name == "clinic.tasks.audit_anchor"
    assert audit_anchor_task.delay().get() == 6
    assert (anchor_dir / ANCHOR_FILE).read_text().count("\n") == 1
    # The migration's own function (idempotent), as a transactional test's
    # flush may have emptied the table since the migrations ran.
    schedule = importlib.import_module("clinic.migrations.0006_audit_anchor_schedule")
    schedule.create_schedule(apps, None)
    task = PeriodicTask.objects.get(task="clinic.tasks.audit_anchor")
    assert (task.crontab.hour, task.crontab.minute) == ("3", "15")
    assert task.enabled


def test_the_progress_bar_draws_on_stderr(logged):
    out, err = io.StringIO(), io.StringIO()
    call_command("audit_verify", stdout=out, stderr=err)
    assert "audit_verify" in err.getvalue()
    assert "6/6" in err.getvalue()


def test_the_migration_chains_earlier_rows_in_id_order(logged):
    # Rows as they were before the chain: seqs in another order, no macs.
    as_owner(f"UPDATE {TABLE} SET seq = 1000 - seq, mac = repeat('0', 64)")  # noqa: S608
    migration = importlib.import_module("clinic.migrations.0005_audit_chain")
    with as_database_owner():  # migrations run as the owner
        migration.chain_existing_rows(apps, connection.schema_editor())
    assert list(AuditEvent.objects.order_by("seq").values_list("pk", flat=True)) == [
        event.pk for event in sorted(logged, key=lambda event: event.pk)
    ]
    assert verify()[0] == 0


def test_the_demo_world_verifies(db, anchor_dir, settings):
    settings.DEBUG = True  # as `make run` seeds it
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    assert AuditEvent.objects.count() > 40
    anchor()
    code, out, err = verify()
    assert code == 0, err
    assert "1 met, 0 bad" in out


# --- two writers at once ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_leave_one_valid_chain(therapist, client):
    rounds, errors = 15, []
    start = threading.Barrier(2)

    def write(offset: int) -> None:
        try:
            start.wait(timeout=10)
            for _ in range(rounds):
                with transaction.atomic():
                    audit_record(actor=therapist, action=AuditAction.READ, obj=client)
                    # Hold the chain's lock a moment, so the writers collide.
                    time.sleep(0.002)
                    audit_records(
                        actor=therapist if offset else None,
                        action=AuditAction.EXPORT,
                        objs=[client, therapist],
                    )
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 2 * rounds * 3 + 1))
    assert verify()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_linking_outside_a_transaction_is_refused():
    with pytest.raises(
        RuntimeError, match="^chain_link must run in the inserting transaction$"
    ):
        audit.chain_link([])


# --- the key in production ----------------------------------------------------


def settings_value(name: str, **environment: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in ("DEBUG", "AUDIT_HMAC_KEY", "PYTEST_VERSION", "PYTEST_CURRENT_TEST")
    }
    env.update(environment)
    code = f"from django.conf import settings; print(settings.{name})"
    return subprocess.run(  # noqa: S603 - fixed argv, our own manage.py
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_key_and_takes_the_one_given():
    missing = settings_value("AUDIT_HMAC_KEY")
    assert missing.returncode != 0
    assert "AUDIT_HMAC_KEY must be set when DEBUG is off" in missing.stderr
    short = settings_value("AUDIT_HMAC_KEY", AUDIT_HMAC_KEY="too-short")
    assert "at least 32 characters" in short.stderr
    given = settings_value("AUDIT_HMAC_KEY", AUDIT_HMAC_KEY=KEY)
    assert given.returncode == 0, given.stderr
    assert given.stdout.strip() == KEY


def test_development_derives_a_key_from_the_secret_key(settings):
    derived = settings_value("AUDIT_HMAC_KEY", DEBUG="true")
    assert derived.returncode == 0, derived.stderr
    expected = hmac.new(
        settings.SECRET_KEY.encode(), b"between audit chain", "sha256"
    ).hexdigest()
    assert derived.stdout.strip() == expected
