"""``manage.py database_app_role``: create the application's login role.

Run as the owner, before ``migrate`` (which then grants the role what
clinic/database_roles.py lists).  The owner needs CREATEROLE for this; where
it has not, a database administrator creates the role by hand instead:
``CREATE ROLE between_app LOGIN PASSWORD '…'``.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql


class Command(BaseCommand):
    help = (
        "Create the login role named in DATABASE_APP_ROLE, with the password "
        "in DATABASE_APP_PASSWORD, or set that password if the role exists."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        role = settings.DATABASE_APP_ROLE
        password = os.environ.get("DATABASE_APP_PASSWORD", "")
        if not role:
            raise CommandError("DATABASE_APP_ROLE is not set: nothing to create")
        if len(password) < 16:
            raise CommandError("DATABASE_APP_PASSWORD must be 16 characters or more")
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            exists = cursor.fetchone() is not None
            verb = "ALTER" if exists else "CREATE"
            statement = sql.SQL(
                verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                "NOINHERIT PASSWORD {}"
            ).format(sql.Identifier(role), sql.Literal(password))
            cursor.execute(statement.as_string(cursor.connection))
        self.stdout.write(
            f"{'Updated' if exists else 'Created'} the application role {role}."
        )
