"""Real failures in the middle of a write, for the all-or-nothing tests.

A fault is a PostgreSQL row trigger created for the length of a ``with``
block: it raises on the rows its condition picks, so a writer meets a genuine
database error at a chosen point of its work, as it would on a full disk or a
lost connection, with nothing in Python replaced.  The error message carries
how many rows the watched table held when the fault struck, so a test can
show that the writer had already written some rows before it failed (which is
what makes "nothing was written" afterwards mean something).

These tests need ``transactional_db``: inside the ``db`` fixture's own
transaction, rows a writer left behind without its ``transaction.atomic``
would still be rolled back with the test and never seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.apps import apps
from django.db import DatabaseError, connection

FUNCTION = "tests_injected_fault"
TRIGGER = "tests_injected_fault"
SEQUENCE = "tests_injected_fault_rows"
MESSAGE = re.compile(r"injected fault with (\d+) rows in ([^\n]+)")
# What a writer raises when the fault strikes: Django wraps the driver's errors
# for ORM and cursor statements, but not for a COPY on the raw cursor.
DATABASE_ERRORS = (DatabaseError, psycopg.Error)


@contextmanager
def fault(
    table: str,
    *,
    event: str = "INSERT",
    when: str = "true",
    after_rows: int = 0,
    watch: str | None = None,
) -> Iterator[None]:
    """Raise on every row of ``table`` that ``when`` (SQL over ``NEW`` and
    ``OLD``) picks, once ``after_rows`` picked rows have gone through.

    ``watch`` is what the message counts: a table, or a table and a ``WHERE``
    clause without quotes (``"attachment_contact WHERE after_hours"``).
    """
    watch = watch or table
    create_function = f"""
        CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $fault$
        BEGIN
            IF nextval('{SEQUENCE}') > {int(after_rows)} THEN
                RAISE EXCEPTION 'injected fault with % rows in {watch}',
                    (SELECT count(*) FROM {watch});
            END IF;
            RETURN NEW;
        END
        $fault$
    """  # noqa: S608 - fixed table names from the tests, no input
    with connection.cursor() as cursor:
        _drop(cursor, table)
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
        cursor.execute(f"CREATE SEQUENCE {SEQUENCE}")
        cursor.execute(create_function)
        # Only this connection meets the fault: a trigger left behind by a
        # killed test run stays inert for every later one.
        cursor.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE {event} ON {table} FOR EACH ROW "
            f"WHEN (pg_backend_pid() = {int(pid)} AND ({when})) "
            f"EXECUTE FUNCTION {FUNCTION}()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            _drop(cursor, table)


def _drop(cursor, table: str) -> None:
    cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
    # CASCADE: with the trigger of a killed run on another table, if any.
    cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}() CASCADE")
    cursor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


def rows_when_it_failed(error: BaseException) -> tuple[int, str]:
    """(rows, what was counted) from the fault's message: how much the
    writer had written when it failed."""
    found = MESSAGE.search(str(error))
    assert found, f"not the injected fault: {error}"
    return int(found[1]), found[2]


def row_counts() -> dict[str, int]:
    """Rows of every table of every installed app, history and audit included."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def row_count_changes(before: dict[str, int]) -> dict[str, tuple[int, int]]:
    """The tables whose row count is no longer as in ``before``: (then, now)."""
    after = row_counts()
    return {
        label: (before.get(label, 0), rows)
        for label, rows in after.items()
        if rows != before.get(label, 0)
    }
