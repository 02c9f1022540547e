"""The contact import under a real database failure half-way through its
write: after the rows are copied in, while stored contacts are pushed over the
weekly limit, or while the audit events are written.  Nothing of the file may
stay: no contact, no changed fact, no audit event, no history, no re-scan."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from attachment.models import Contact
from attachment.records.imports import HEADER, contacts_import
from tests.factories import ClientFactory
from tests.faults import (
    DATABASE_ERRORS,
    fault,
    row_count_changes,
    row_counts,
    rows_when_it_failed,
)

pytestmark = pytest.mark.django_db(transaction=True)

STORED_DAYS = (3, 4, 5)
FILE_ROWS = 13


def csv_text(*rows: str) -> str:
    return "\n".join([",".join(HEADER), *rows]) + "\n"


def row(code: str, moment: str, purpose: str = "scheduling") -> str:
    return f"{code},{moment},text,from_client,{purpose},,"


def a_file_for_two_clients() -> str:
    """A contact of RS-001 on the Monday before three stored ones (which it
    pushes over the weekly limit of three), and a dozen of RS-002."""
    return csv_text(
        row("RS-001", "2026-03-02T10:00:00+00:00", "reassurance"),
        *(
            row("RS-002", f"2026-03-{day:02d}T{hour}:00:00+00:00")
            for day in (9, 10, 11, 12)
            for hour in (10, 11, 12)
        ),
    )


def stored_facts() -> list[tuple]:
    return list(
        Contact.objects.order_by("pk").values_list(
            "pk", "client_id", "occurred_at", "over_weekly_limit", "after_hours"
        )
    )


@pytest.fixture
def before(clinic, client, therapist, policy, now):
    """RS-001 has three contacts stored from an earlier file; RS-002 has none."""
    ClientFactory(clinic=clinic, therapist=therapist, code="RS-002")
    contacts_import(
        clinic=clinic,
        text=csv_text(
            *(row("RS-001", f"2026-03-0{day}T10:00:00+00:00") for day in STORED_DAYS)
        ),
        now=now,
    )
    assert not any(limit for *_, limit, _ in stored_facts())
    return row_counts(), stored_facts()


def assert_nothing_written(before, fault_name: str) -> None:
    counts, facts = before
    assert row_count_changes(counts) == {}, fault_name
    assert stored_facts() == facts, fault_name


AUDIT_OF_THE_SECOND_CLIENT = {
    "table": "clinic_auditevent",
    "when": "NEW.object_type = 'attachment.contact'",
    "after_rows": 1,
    "watch": "attachment_contact",
}
# Where the write fails, and how many contacts were stored when it did.
FAULTS = {
    # One statement: PostgreSQL undoes it whole even without a transaction.
    "copying a late row of the file": (
        {"table": "attachment_contact", "after_rows": FILE_ROWS - 2},
        len(STORED_DAYS) + FILE_ROWS - 2,
    ),
    # The file is in by then: only the import's transaction can undo it.
    "pushing a stored contact over the weekly limit": (
        {
            "table": "attachment_contact",
            "event": "UPDATE",
            "when": "OLD.over_weekly_limit IS DISTINCT FROM NEW.over_weekly_limit",
        },
        len(STORED_DAYS) + FILE_ROWS,
    ),
    "writing the second client's audit event": (
        AUDIT_OF_THE_SECOND_CLIENT,
        len(STORED_DAYS) + FILE_ROWS,
    ),
}


def test_a_failure_anywhere_in_the_write_leaves_nothing_of_the_file(
    clinic, before, now
):
    """Nothing is left of a failed run, so each fault meets the same world."""
    for name, (where, stored_by_then) in FAULTS.items():
        with fault(**where), pytest.raises(DATABASE_ERRORS) as failure:
            contacts_import(clinic=clinic, text=a_file_for_two_clients(), now=now)

        assert rows_when_it_failed(failure.value)[0] == stored_by_then, name
        assert_nothing_written(before, name)


def test_the_command_imports_nothing_when_the_database_fails_mid_file(
    clinic, before, tmp_path
):
    path = tmp_path / "contacts.csv"
    path.write_text(a_file_for_two_clients())

    with (
        fault(**AUDIT_OF_THE_SECOND_CLIENT),
        pytest.raises(DATABASE_ERRORS) as failure,
    ):
        call_command("import_contacts", str(path), "--clinic", clinic.slug)

    assert rows_when_it_failed(failure.value)[0] > len(STORED_DAYS)
    assert_nothing_written(before, "the command")


@pytest.mark.django_db
def test_the_same_file_imports_whole_once_the_fault_is_gone(clinic, before, now):
    """The fault, not the file, stopped the imports above."""
    result = contacts_import(clinic=clinic, text=a_file_for_two_clients(), now=now)

    assert result.created == FILE_ROWS
    assert len(result.clients) == 2
    assert [limit for _, _, _, limit, _ in stored_facts()[: len(STORED_DAYS)]] == [
        False,
        False,
        True,
    ]
