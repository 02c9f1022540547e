"""Client CSV import: all rows checked first, all or nothing, repeatable."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.imports import MOVE_REFUSED, clients_import_csv
from clinic.models import AuditEvent, Client, ClientStatus

HEADER = "code,therapist_email,started_on,ended_on"
NOW = dt.datetime(2026, 2, 10, 12, tzinfo=dt.UTC)


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *lines, ""]).encode()


def run_import(clinic, data: bytes):
    return clients_import_csv(clinic=clinic, data=data, now=NOW)


def client_rows() -> list[tuple]:
    return list(
        Client.objects.order_by("code").values_list(
            "code", "therapist__email", "status", "started_on", "ended_on"
        )
    )


@pytest.fixture
def people(therapist, other_therapist, supervisor, admin, outsider):
    """Everyone a file might name: two therapists, a supervisor, an admin, an outsider."""


@pytest.mark.usefixtures("people")
def test_a_valid_file_creates_every_client_with_a_status_from_its_end_date(clinic):
    result = run_import(
        clinic,
        csv_bytes(
            "RS-101,therapist@example.test,2025-01-06,",
            "RS-102,OTHER@example.test,2024-03-01,2025-11-30",
            " RS-103 , supervisor@example.test ,2025-05-01,2026-04-30",
        ),
    )
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert client_rows() == [
        ("RS-101", "therapist@example.test", "active", dt.date(2025, 1, 6), None),
        (
            "RS-102",
            "other@example.test",
            "ended",
            dt.date(2024, 3, 1),
            dt.date(2025, 11, 30),
        ),
        (
            "RS-103",
            "supervisor@example.test",
            "ending",
            dt.date(2025, 5, 1),
            dt.date(2026, 4, 30),
        ),
    ]
    events = AuditEvent.objects.filter(object_type="clinic.client")
    assert (
        sorted(events.values_list("action", "actor", "clinic"))
        == [("create", None, clinic.pk)] * 3
    )
    assert set(events.values_list("object_id", flat=True)) == set(
        Client.objects.values_list("pk", flat=True)
    )


@pytest.mark.usefixtures("people")
def test_every_bad_row_is_reported_by_line_and_nothing_is_imported(clinic):
    data = csv_bytes(
        "RS-101,therapist@example.test,2025-01-06,",  # 2: fine
        "RS-102,nobody@example.test,2025-01-06,",  # 3
        "RS-103,admin@example.test,2025-01-06,",  # 4: admin is no therapist
        "RS-104,outsider@example.test,2025-01-06,",  # 5: another clinic
        "RS-105,therapist@example.test,06/01/2025,",  # 6
        "RS-106,therapist@example.test,2025-02-30,",  # 7
        "RS-107,therapist@example.test,2025-03-01,2025-02-28",  # 8
        ",therapist@example.test,2025-01-06,",  # 9
        "X" * 33 + ",therapist@example.test,2025-01-06,",  # 10
        "RS-101,therapist@example.test,2025-01-06,",  # 11: repeats line 2
        "",  # 12: blank lines are skipped
        "RS-112,therapist@example.test",  # 13
        "RS-113,therapist@example.test,,",  # 14
        "RS-114,therapist@example.test,2025-01-06,not a date",  # 15
    )
    before = AuditEvent.objects.count()
    result = run_import(clinic, data)
    assert result.errors == [
        "line 3: therapist_email is not an active therapist of this clinic",
        "line 4: therapist_email is not an active therapist of this clinic",
        "line 5: therapist_email is not an active therapist of this clinic",
        "line 6: started_on is not a date (YYYY-MM-DD)",
        "line 7: started_on is not a date (YYYY-MM-DD)",
        "line 8: ended_on is before started_on",
        "line 9: code is empty",
        "line 10: code is longer than 32 characters",
        "line 11: code repeats line 2",
        "line 13: expected 4 fields, found 2",
        "line 14: started_on is empty",
        "line 15: ended_on is not a date (YYYY-MM-DD)",
    ]
    assert not Client.objects.exists()
    assert AuditEvent.objects.count() == before


@pytest.mark.usefixtures("people")
def test_a_deactivated_therapist_gets_no_new_clients(clinic, therapist):
    therapist.is_active = False
    therapist.save()
    result = run_import(clinic, csv_bytes("RS-101,therapist@example.test,2025-01-06,"))
    assert result.errors == [
        "line 2: therapist_email is not an active therapist of this clinic"
    ]


@pytest.mark.usefixtures("people")
def test_reimporting_the_same_file_changes_nothing(clinic):
    data = csv_bytes(
        "RS-101,therapist@example.test,2025-01-06,",
        "RS-102,other@example.test,2024-03-01,2025-11-30",
    )
    run_import(clinic, data)
    rows, audits = client_rows(), AuditEvent.objects.count()
    history = Client.pgh_event_model.objects.count()
    result = run_import(clinic, data)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert client_rows() == rows
    assert AuditEvent.objects.count() == audits
    assert Client.pgh_event_model.objects.count() == history


@pytest.mark.usefixtures("people")
def test_a_changed_row_updates_only_that_client(clinic, client):
    result = run_import(
        clinic,
        csv_bytes(
            "RS-001,therapist@example.test,2025-01-06,2025-12-19",
            "RS-002,therapist@example.test,2025-01-06,",
        ),
    )
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    client.refresh_from_db()
    assert client.status == ClientStatus.ENDED
    assert client.preferred_name == "Robin"
    assert AuditEvent.objects.filter(action="update", object_id=client.pk).count() == 1


@pytest.mark.usefixtures("people")
def test_a_row_moving_a_client_to_another_therapist_imports_nothing(clinic, client):
    """Another therapist would read the client's records: a second clinic
    admin approves that, on the Clients page, never a file."""
    therapist_before = client.therapist_id
    result = run_import(
        clinic,
        csv_bytes(
            "RS-002,therapist@example.test,2025-01-06,",
            "RS-001,other@example.test,2025-01-06,",
        ),
    )
    assert not result.ok
    assert result.errors == [f"line 3: {MOVE_REFUSED}"]
    client.refresh_from_db()
    assert client.therapist_id == therapist_before
    assert not Client.objects.filter(code="RS-002").exists()


@pytest.mark.usefixtures("people")
def test_an_ending_client_stays_ending_when_the_file_has_no_end_date(clinic, client):
    client.status = ClientStatus.ENDING
    client.save()
    result = run_import(clinic, csv_bytes("RS-001,therapist@example.test,2025-01-06,"))
    assert result.unchanged == 1
    client.refresh_from_db()
    assert client.status == ClientStatus.ENDING


@pytest.mark.parametrize(
    "data",
    [
        b"code,therapist_email,ended_on,started_on\n",
        b"code,therapist_email,started_on\n",
        b"code,therapist_email,started_on,ended_on,notes\n",
        b"code;therapist_email;started_on;ended_on\n",
        b"\n" + csv_bytes("RS-101,therapist@example.test,2025-01-06,"),
        csv_bytes("RS-101,therapist@example.test,2025-01-06,")[len(HEADER) + 1 :],
    ],
    ids=["order", "missing", "extra", "semicolons", "blank-first", "no-header"],
)
@pytest.mark.usefixtures("people")
def test_a_wrong_header_is_reported_on_line_one(clinic, data):
    result = run_import(clinic, data)
    assert result.errors == [
        "line 1: the header must be exactly code,therapist_email,started_on,ended_on"
    ]
    assert not Client.objects.exists()


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf"], ids=["empty", "bom-only"])
@pytest.mark.django_db
def test_an_empty_file_is_reported(clinic, data):
    assert run_import(clinic, data).errors == [
        "line 1: the file is empty; the first line must be "
        "code,therapist_email,started_on,ended_on"
    ]


@pytest.mark.usefixtures("people")
def test_a_header_alone_imports_nothing_and_succeeds(clinic):
    result = run_import(clinic, csv_bytes())
    assert result.ok
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)


@pytest.mark.usefixtures("people")
def test_bytes_that_are_not_utf8_are_reported_on_their_line(clinic):
    data = csv_bytes(
        "RS-101,therapist@example.test,2025-01-06,",
        "RS-102,therapist@example.test,2025-01-06,",
    ).replace(b"RS-102", "RS-Ø".encode("latin-1"))
    result = run_import(clinic, data)
    assert result.errors == [
        "line 3: the file is not valid UTF-8; save it as UTF-8 CSV"
    ]
    assert not Client.objects.exists()


@pytest.mark.usefixtures("people")
def test_a_utf16_file_is_refused_and_a_utf8_bom_is_accepted(clinic):
    line = "RS-001,therapist@example.test,2025-01-06,"
    assert run_import(clinic, csv_bytes(line).decode().encode("utf-16")).errors
    assert run_import(clinic, b"\xef\xbb\xbf" + csv_bytes(line)).created == 1


@pytest.mark.usefixtures("people")
def test_line_numbers_count_lines_of_the_file_not_records(clinic):
    result = run_import(
        clinic,
        csv_bytes(
            '"RS-\n101",therapist@example.test,2025-01-06,',
            "RS-102,therapist@example.test,2025-01-06,",
            "RS-103,nobody@example.test,2025-01-06,",
        ),
    )
    assert result.errors == [
        "line 2: code contains control or invisible characters",
        "line 5: therapist_email is not an active therapist of this clinic",
    ]


@pytest.mark.usefixtures("people")
def test_errors_never_echo_what_the_cells_hold(clinic):
    text = "Feels abandoned when the therapist is away"
    result = run_import(
        clinic,
        csv_bytes(
            f"{text},therapist@example.test,2025-01-06,",
            f"RS-102,{text},{text},{text}",
        ),
    )
    assert len(result.errors) == 2
    assert not any("abandoned" in error for error in result.errors)


# The command: a thin shell around the service.


def write_csv(tmp_path, data: bytes):
    path = tmp_path / "clients.csv"
    path.write_bytes(data)
    return path


@pytest.mark.usefixtures("people")
def test_the_command_prints_every_bad_line_and_exits_with_an_error(clinic, tmp_path):
    path = write_csv(
        tmp_path,
        csv_bytes(
            "RS-101,therapist@example.test,2025-01-06,",
            "RS-102,nobody@example.test,2025-01-06,",
            "RS-103,therapist@example.test,2025-01-06,2024-01-01",
        ),
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_clients", str(path), "--clinic", "riverside", stderr=err)
    assert err.getvalue().splitlines() == [
        "line 3: therapist_email is not an active therapist of this clinic",
        "line 4: ended_on is before started_on",
    ]
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_the_command_imports_into_the_only_clinic_and_reports_counts(
    clinic, therapist, tmp_path
):
    path = write_csv(tmp_path, csv_bytes("RS-101,therapist@example.test,2025-01-06,"))
    out = io.StringIO()
    call_command("import_clients", str(path), stdout=out)
    assert "1 created, 0 updated, 0 unchanged" in out.getvalue()
    out = io.StringIO()
    call_command("import_clients", str(path), stdout=out)
    assert "0 created, 0 updated, 1 unchanged" in out.getvalue()
    assert Client.objects.get().clinic == clinic


@pytest.mark.usefixtures("people")
def test_the_command_needs_a_clinic_when_there_are_several(tmp_path):
    path = write_csv(tmp_path, csv_bytes("RS-101,therapist@example.test,2025-01-06,"))
    with pytest.raises(CommandError, match="--clinic"):
        call_command("import_clients", str(path))
    with pytest.raises(CommandError, match="No clinic has the slug"):
        call_command("import_clients", str(path), "--clinic", "nowhere")
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_the_command_reports_a_missing_file(clinic, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_clients", str(tmp_path / "missing.csv"))


# Garbage in: never an unhandled exception, never a partial import.

GARBAGE = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def assert_all_or_nothing(clinic, data: bytes) -> None:
    clients, audits = Client.objects.count(), AuditEvent.objects.count()
    result = run_import(clinic, data)
    if result.errors:
        assert Client.objects.count() == clients
        assert AuditEvent.objects.count() == audits
        assert all(error.startswith("line ") for error in result.errors)
    else:
        assert Client.objects.count() == clients + result.created
        assert AuditEvent.objects.count() == audits + result.created + result.updated


@GARBAGE
@given(data=st.binary(max_size=400))
@pytest.mark.usefixtures("people")
def test_arbitrary_bytes_never_crash_or_half_import(clinic, data):
    assert_all_or_nothing(clinic, data)
    assert_all_or_nothing(clinic, HEADER.encode() + b"\n" + data)


@GARBAGE
@given(text=st.text(max_size=300))
@pytest.mark.usefixtures("people")
def test_arbitrary_text_never_crashes_or_half_imports(clinic, text):
    assert_all_or_nothing(clinic, text.encode("utf-8", "surrogatepass"))
    assert_all_or_nothing(clinic, f"{HEADER}\n{text}".encode("utf-8", "surrogatepass"))


CELLS = {
    "code": st.sampled_from(["RS-201", "RS-202", "RS-203", "", " ", "X" * 33])
    | st.text(max_size=40),
    "email": st.sampled_from(
        [
            "therapist@example.test",
            "OTHER@example.test",
            "admin@example.test",
            "outsider@example.test",
            "",
        ]
    )
    | st.text(max_size=30),
    "date": st.sampled_from(
        ["", "2025-01-06", "2024-02-29", "2025-02-30", "2026-12-31"]
    )
    | st.dates().map(dt.date.isoformat)
    | st.text(max_size=12),
}
ROW = st.tuples(CELLS["code"], CELLS["email"], CELLS["date"], CELLS["date"]).map(
    list
) | st.lists(st.text(max_size=10), max_size=6)


@GARBAGE
@given(rows=st.lists(ROW, max_size=8))
@pytest.mark.usefixtures("people")
def test_arbitrary_csv_rows_never_crash_or_half_import(clinic, rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER.split(","), *rows])
    assert_all_or_nothing(clinic, buffer.getvalue().encode("utf-8", "surrogatepass"))


@GARBAGE
@given(
    code=st.text(max_size=40),
    started=st.dates().map(dt.date.isoformat) | CELLS["date"],
    ended=st.just("") | st.dates().map(dt.date.isoformat) | CELLS["date"],
)
@pytest.mark.usefixtures("people")
def test_any_code_or_dates_for_a_real_therapist_never_crash(
    clinic, code, started, ended
):
    buffer = io.StringIO()
    rows = [HEADER.split(","), [code, "therapist@example.test", started, ended]]
    csv.writer(buffer).writerows(rows)
    assert_all_or_nothing(clinic, buffer.getvalue().encode("utf-8", "surrogatepass"))
