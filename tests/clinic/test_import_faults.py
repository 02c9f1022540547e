"""The client import under a real database failure half-way through its write:
the rows written before the failure go too, and so do their audit events and
history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from clinic.imports import clients_import_csv
from clinic.models import Client
from tests.faults import (
    DATABASE_ERRORS,
    fault,
    row_count_changes,
    row_counts,
    rows_when_it_failed,
)

pytestmark = pytest.mark.django_db(transaction=True)

NOW = dt.datetime(2026, 2, 10, 12, tzinfo=dt.UTC)
HEADER = "code,therapist_email,started_on,ended_on"
NEW_CODES = [f"RS-1{n:02d}" for n in range(1, 6)]
LATE = "RS-199"


def csv_bytes(*lines: str) -> bytes:
    return "\n".join([HEADER, *lines, ""]).encode()


def a_file_whose_last_row_fails() -> bytes:
    """Five new clients, a change to the stored one, then the row that fails."""
    return csv_bytes(
        *(f"{code},therapist@example.test,2025-01-06," for code in NEW_CODES),
        "RS-001,therapist@example.test,2025-01-06,2025-12-19",
        f"{LATE},therapist@example.test,2025-01-06,",
    )


def stored_clients() -> list[tuple]:
    return list(
        Client.objects.order_by("code").values_list(
            "code", "therapist_id", "status", "started_on", "ended_on"
        )
    )


@pytest.fixture
def before(client, other_therapist):
    """The stored world: one client of ``therapist``, two therapists."""
    return row_counts(), stored_clients()


def assert_nothing_written(before, fault_name: str) -> None:
    counts, clients = before
    assert row_count_changes(counts) == {}, fault_name
    assert stored_clients() == clients, fault_name


# Where the write fails, and how many clients were stored when it did.
FAULTS = {
    "inserting the last client": (
        {"table": "clinic_client", "when": f"NEW.code = '{LATE}'"},
        1 + len(NEW_CODES),
    ),
    "writing the last client's audit event": (
        {
            "table": "clinic_auditevent",
            "when": "NEW.object_type = 'clinic.client'",
            "after_rows": len(NEW_CODES) + 1,
            "watch": "clinic_client",
        },
        2 + len(NEW_CODES),
    ),
}


def test_a_failure_late_in_the_write_leaves_no_client_of_the_file(clinic, before):
    """Nothing is left of a failed run, so each fault meets the same world."""
    for name, (where, stored_by_then) in FAULTS.items():
        with fault(**where), pytest.raises(DATABASE_ERRORS) as failure:
            clients_import_csv(
                clinic=clinic, data=a_file_whose_last_row_fails(), now=NOW
            )

        assert rows_when_it_failed(failure.value)[0] == stored_by_then, name
        assert_nothing_written(before, name)


def test_the_command_imports_nothing_when_the_database_fails_mid_file(
    clinic, before, tmp_path
):
    path = tmp_path / "clients.csv"
    path.write_bytes(a_file_whose_last_row_fails())

    with (
        fault("clinic_client", when=f"NEW.code = '{LATE}'"),
        pytest.raises(DATABASE_ERRORS) as failure,
    ):
        call_command("import_clients", str(path), "--clinic", clinic.slug)

    assert rows_when_it_failed(failure.value)[0] > 1
    assert_nothing_written(before, "the command")


@pytest.mark.django_db
def test_the_same_file_imports_whole_once_the_fault_is_gone(clinic, before):
    """The fault, not the file, stopped the import above."""
    result = clients_import_csv(
        clinic=clinic, data=a_file_whose_last_row_fails(), now=NOW
    )

    assert (result.created, result.updated) == (len(NEW_CODES) + 1, 1)
    assert len(stored_clients()) == 2 + len(NEW_CODES)
