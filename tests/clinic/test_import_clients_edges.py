"""The client import at its edges: the clinic's own calendar decides whether
an end date has passed, and each written row costs a fixed number of
statements however large the file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.imports import CODE_MAX_LENGTH, CsvRow, clients_import, clients_import_csv
from clinic.models import Client, ClientStatus
from tests.factories import ClientFactory

HEADER = "code,therapist_email,started_on,ended_on"
# 23:30 in London on 10 February is already 11 February in Auckland.
LATE_EVENING = dt.datetime(2026, 2, 10, 23, 30, tzinfo=dt.UTC)


def csv_bytes(*lines: str) -> bytes:
    return "\n".join([HEADER, *lines, ""]).encode()


def status_of(code: str) -> str:
    return Client.objects.get(code=code).status


@pytest.mark.usefixtures("therapist")
def test_a_client_whose_end_date_is_today_has_ended(clinic):
    result = clients_import_csv(
        clinic=clinic,
        data=csv_bytes(
            "RS-101,therapist@example.test,2025-01-06,2026-02-10",
            "RS-102,therapist@example.test,2025-01-06,2026-02-11",
        ),
        now=dt.datetime(2026, 2, 10, 12, tzinfo=dt.UTC),
    )
    assert result.ok, result.errors
    assert status_of("RS-101") == ClientStatus.ENDED
    assert status_of("RS-102") == ClientStatus.ENDING


@pytest.mark.usefixtures("therapist")
def test_today_is_the_clinics_date_not_the_servers(clinic):
    clinic.timezone = "Pacific/Auckland"
    clinic.save()
    result = clients_import_csv(
        clinic=clinic,
        data=csv_bytes("RS-101,therapist@example.test,2025-01-06,2026-02-11"),
        now=LATE_EVENING,
    )
    assert result.ok, result.errors
    assert status_of("RS-101") == ClientStatus.ENDED


def statements(clinic, data: bytes) -> int:
    with CaptureQueriesContext(connection) as captured:
        result = clients_import_csv(
            clinic=clinic, data=data, now=dt.datetime(2026, 2, 10, tzinfo=dt.UTC)
        )
    assert result.ok, result.errors
    return len(captured)


@pytest.mark.usefixtures("therapist")
def test_each_new_client_costs_three_statements(clinic):
    """One for the client, two for its audit event (the audit chain's head,
    then the row): validating a row must not look up its clinic, therapist or
    code again, row by row."""
    one = statements(clinic, csv_bytes("RS-101,therapist@example.test,2025-01-06,"))
    three = statements(
        clinic,
        csv_bytes(*(f"RS-{n},therapist@example.test,2025-01-06," for n in (2, 3, 4))),
    )
    assert three - one == 2 * 3
    assert Client.objects.count() == 4


# --- reading the file ------------------------------------------------------


@pytest.mark.usefixtures("therapist")
def test_a_file_with_old_mac_line_endings_is_read_line_by_line(clinic):
    data = csv_bytes(
        "RS-101,therapist@example.test,2025-01-06,",
        "RS-102,nobody@example.test,2025-01-06,",
    ).replace(b"\n", b"\r")
    result = clients_import_csv(clinic=clinic, data=data, now=LATE_EVENING)
    assert result.errors == [
        "line 3: therapist_email is not an active therapist of this clinic"
    ]


@pytest.mark.usefixtures("therapist")
def test_a_field_too_large_for_the_reader_stops_reading_there(clinic):
    data = csv_bytes(
        "RS-101,therapist@example.test,2025-01-06,",
        "RS-102,therapist@example.test,2025-01-06," + "x" * 200_000,
        "RS-103,nobody@example.test,2025-01-06,",
    )
    result = clients_import_csv(clinic=clinic, data=data, now=LATE_EVENING)
    assert result.errors == ["line 3: the CSV cannot be read from here on"]
    assert not Client.objects.exists()


# --- checking rows ---------------------------------------------------------


@pytest.mark.usefixtures("therapist")
def test_a_code_of_the_longest_allowed_length_is_accepted(clinic):
    code = "X" * CODE_MAX_LENGTH
    result = clients_import_csv(
        clinic=clinic,
        data=csv_bytes(f"{code},therapist@example.test,2025-01-06,"),
        now=LATE_EVENING,
    )
    assert result.ok, result.errors
    assert Client.objects.get().code == code


CODE_RULE = (
    "code must start with a letter or digit and hold only letters, digits, "
    "'.', '_' and '-'"
)


def _code_row(code: str) -> CsvRow:
    return CsvRow(
        2,
        {
            "code": code,
            "therapist_email": "therapist@example.test",
            "started_on": "2025-01-06",
            "ended_on": "",
        },
    )


@pytest.mark.parametrize(
    "code",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "RS 01", "RS-Ø01", "RS;01"],
    ids=[
        "equals",
        "plus",
        "minus",
        "at",
        "tab",
        "return",
        "space",
        "non-ascii",
        "semicolon",
    ],
)
@pytest.mark.usefixtures("therapist")
def test_a_code_a_spreadsheet_could_run_or_other_characters_are_refused(clinic, code):
    result = clients_import(clinic=clinic, rows=[_code_row(code)], now=LATE_EVENING)
    assert result.errors == [f"line 2: {CODE_RULE}"]
    assert not Client.objects.exists()


@pytest.mark.parametrize("code", ["RS\t01", "RS\r01"], ids=["tab", "return"])
@pytest.mark.usefixtures("therapist")
def test_a_tab_or_return_inside_a_code_is_a_control_character(clinic, code):
    result = clients_import(clinic=clinic, rows=[_code_row(code)], now=LATE_EVENING)
    assert result.errors == ["line 2: code contains control or invisible characters"]


@pytest.mark.usefixtures("therapist")
def test_a_tab_around_a_code_is_trimmed_and_never_stored(clinic):
    result = clients_import(
        clinic=clinic, rows=[_code_row("\tRS-01\r")], now=LATE_EVENING
    )
    assert result.ok, result.errors
    assert Client.objects.get().code == "RS-01"


@pytest.mark.usefixtures("therapist")
def test_dots_underscores_and_hyphens_inside_a_code_are_accepted(clinic):
    result = clients_import_csv(
        clinic=clinic,
        data=csv_bytes(
            "RS.01,therapist@example.test,2025-01-06,",
            "RS_02,therapist@example.test,2025-01-06,",
            "rs-03,therapist@example.test,2025-01-06,",
            "7a.b_c-D,therapist@example.test,2025-01-06,",
        ),
        now=LATE_EVENING,
    )
    assert result.ok, result.errors
    assert sorted(Client.objects.values_list("code", flat=True)) == [
        "7a.b_c-D",
        "RS.01",
        "RS_02",
        "rs-03",
    ]


@pytest.mark.usefixtures("therapist")
def test_a_client_may_start_and_end_on_the_same_day(clinic):
    result = clients_import_csv(
        clinic=clinic,
        data=csv_bytes("RS-101,therapist@example.test,2025-01-06,2025-01-06"),
        now=LATE_EVENING,
    )
    assert result.ok, result.errors
    assert status_of("RS-101") == ClientStatus.ENDED


@pytest.mark.usefixtures("therapist")
def test_every_reason_of_one_line_is_listed_on_that_line(clinic):
    result = clients_import_csv(
        clinic=clinic,
        data=csv_bytes(",nobody@example.test,someday,"),
        now=LATE_EVENING,
    )
    assert result.errors == [
        "line 2: code is empty; "
        "therapist_email is not an active therapist of this clinic; "
        "started_on is not a date (YYYY-MM-DD)"
    ]


@pytest.mark.usefixtures("therapist")
def test_rows_missing_columns_are_reported_not_crashed_on(clinic):
    result = clients_import(
        clinic=clinic,
        rows=[CsvRow(2, {}), CsvRow(3, {"code": "RS-101"})],
        now=LATE_EVENING,
    )
    reasons = (
        "therapist_email is not an active therapist of this clinic; started_on is empty"
    )
    assert result.errors == [
        f"line 2: code is empty; {reasons}",
        f"line 3: {reasons}",
    ]
    assert not Client.objects.exists()


@pytest.mark.usefixtures("therapist")
def test_ended_on_missing_from_a_row_means_no_end(clinic):
    result = clients_import(
        clinic=clinic,
        rows=[
            CsvRow(
                2,
                {
                    "code": "RS-101",
                    "therapist_email": "therapist@example.test",
                    "started_on": "2025-01-06",
                },
            )
        ],
        now=LATE_EVENING,
    )
    assert result.ok, result.errors
    assert Client.objects.get().ended_on is None


@pytest.mark.usefixtures("therapist")
def test_the_same_code_in_another_clinic_is_a_different_client(clinic, other_clinic):
    theirs = ClientFactory(clinic=other_clinic, code="RS-101")
    result = clients_import_csv(
        clinic=clinic,
        data=csv_bytes("RS-101,therapist@example.test,2025-01-06,"),
        now=LATE_EVENING,
    )
    assert (result.created, result.updated) == (1, 0)
    assert Client.objects.get(clinic=clinic).code == "RS-101"
    theirs_now = Client.objects.get(pk=theirs.pk)
    assert (theirs_now.therapist_id, theirs_now.started_on) == (
        theirs.therapist_id,
        theirs.started_on,
    )
