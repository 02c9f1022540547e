"""Two database roles: the owner migrates, the application only appends history.

The owner (the role ``migrate`` connects as) owns every table.  Web, worker
and beat connect as another role, named in ``DATABASE_APP_ROLE``, which owns
nothing and after every ``migrate`` holds exactly:

* SELECT, INSERT, UPDATE and DELETE on the ordinary tables;
* SELECT and INSERT only on the append-only tables: the audit table, every
  history table, addenda and returns of notes (``append_only_tables``);
* SELECT only on ``django_migrations``;
* USAGE on the sequences, and nothing else: no TRUNCATE, no REFERENCES, no
  TRIGGER, no ALTER TABLE (so it cannot disable a guard), no CREATE.

So the application's own credentials cannot rewrite or delete audit and
history rows, nor change a signed note; whoever holds the owner's can, and
``audit_verify`` and the signature MACs are there for them.  The README's
"Database roles" section says how to create the role.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from clinic.database_guards import all_guards, append_only_tables

#: Tables the application only reads.
READ_ONLY_TABLES = ("django_migrations",)


def append_only_grant_tables() -> list[str]:
    """The audit and history tables and every table an app guards as
    append-only."""
    tables = set(append_only_tables())
    tables |= {guard.table for guard in all_guards() if guard.name == "append_only"}
    return sorted(tables)


def grant_application_role(connection: BaseDatabaseWrapper, role: str) -> None:
    """Give ``role`` exactly the privileges above, on every current table."""
    quote = connection.ops.quote_name
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, %s IN (SELECT rolname FROM pg_roles)", [role]
        )
        owner, exists = cursor.fetchone()
        if not exists:
            raise ImproperlyConfigured(
                f"DATABASE_APP_ROLE names {role!r}, which does not exist: create it "
                "first (README, 'Database roles')"
            )
        if owner == role:
            raise ImproperlyConfigured(
                "DATABASE_APP_ROLE must not be the role that runs migrate (the owner)"
            )
        tables = set(connection.introspection.table_names(cursor))
        app = quote(role)
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {app}")
        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {app}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}"
        )
        for table in append_only_grant_tables():
            if table in tables:
                cursor.execute(f"REVOKE UPDATE, DELETE ON {quote(table)} FROM {app}")
        for table in READ_ONLY_TABLES:
            if table in tables:
                cursor.execute(
                    f"REVOKE INSERT, UPDATE, DELETE ON {quote(table)} FROM {app}"
                )
        cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {app}")
        cursor.execute(
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}"
        )
