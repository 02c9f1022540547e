"""The suite runs as the application's database role, as production does.

The test database is created and migrated by the owner (the role the tests
log in as), and ``migrate`` grants ``APP_ROLE`` what clinic/database_roles.py
lists.  Each test that runs inside a transaction then does
``SET LOCAL ROLE`` to the application role, so every query a test makes
through the app has exactly the application's privileges; the role falls back
with the test's rollback.  Tests that act as the owner (tampering with the
audit table, disabling a guard) say so with :func:`as_database_owner`.

Transactional tests (real Celery workers, live servers) stay the owner: their
``flush`` between tests truncates every table, which only the owner may.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg
from django.db import connection

APP_ROLE = "between_app"


def ensure_application_role(settings_dict: dict) -> None:
    """Create ``APP_ROLE`` on the server if it is not there (no login: the
    tests reach it by ``SET ROLE``)."""
    params = {
        "dbname": "postgres",
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "autocommit": True,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as db:
        db.execute(
            "DO $$BEGIN CREATE ROLE between_app NOLOGIN; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END$$"
        )


def become_application_role() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")


def current_role() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        return cursor.fetchone()[0]


@contextlib.contextmanager
def as_database_owner(*tables: str) -> Iterator[None]:
    """Act as the owner inside the test's transaction: the role the suite
    logged in as, with the guards (every user trigger) of ``tables`` off."""
    was_application = current_role() == APP_ROLE
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        if tables:
            # ALTER TABLE needs the rows' deferred foreign-key checks done first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in tables:
            cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
            if tables:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            if was_application:
                cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
