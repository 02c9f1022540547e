"""The project as a browser meets it: a live server on its own database.

The database is a copy of the test database (already migrated by
pytest-django) made with ``CREATE DATABASE … TEMPLATE``, then seeded with the
demo (``seed_demo``), so every journey starts from the demo clinic a
newcomer sees after ``make run``.  The server is ``manage.py runserver`` in a
subprocess (``DEBUG`` on for static files, ``MFA_REQUIRED`` on as in
production), on a free loopback port.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.conf import settings
from django.db import connections

ROOT = Path(settings.BASE_DIR)
DEMO_PASSWORD = "between-demo-2026"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _url_with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@dataclass
class LiveServer:
    base_url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    secrets: dict[str, str] = field(default_factory=dict)

    def manage(self, *args: str) -> str:
        """A management command against the server's database; its output."""
        done = subprocess.run(  # noqa: S603 (our own interpreter)
            [sys.executable, "manage.py", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def enrol(self, secrets: dict[str, str]) -> None:
        """Give each person (e-mail → TOTP secret) an authenticator, as if
        they had enrolled through their link."""
        self.manage(
            "shell",
            "-c",
            "from allauth.mfa.totp.internal.auth import TOTP\n"
            "from clinic.models import User\n"
            f"for email, secret in {secrets!r}.items():\n"
            "    TOTP.activate(User.objects.get(email=email), secret)\n",
        )
        self.secrets.update(secrets)

    def unenrol(self, email: str) -> None:
        """Take a person's authenticator away again, as before ``enrol``."""
        self.manage(
            "shell",
            "-c",
            "from allauth.mfa.models import Authenticator\n"
            f"Authenticator.objects.filter(user__email={email!r}).delete()\n",
        )
        self.secrets.pop(email, None)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _copy_database(test_name: str, copy_name: str) -> None:
    connections.close_all()
    params = settings.DATABASES["default"]
    with psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        user=params["USER"],
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{copy_name}" TEMPLATE "{test_name}"')


def start(
    test_database: str, env_overrides: dict[str, str], *, copy_suffix: str = "e2e"
) -> LiveServer:
    """A server on ``<test database>_<copy_suffix>``, seeded with the demo."""
    copy = f"{test_database}_{copy_suffix}"
    _copy_database(test_database, copy)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _url_with_database(os.environ["DATABASE_URL"], copy),
        "DEBUG": "true",
        "MFA_REQUIRED": "true",
        "SECURE_SSL_REDIRECT": "false",
        # No broker: a re-scan runs as it is asked for, as in ``make run``.
        "CELERY_BROKER_URL": "",
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "LOG_LEVEL": "WARNING",
        **env_overrides,
    }
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "seed_demo"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = LiveServer(base_url=f"http://127.0.0.1:{port}", env=env, process=process)
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError("the live server did not start")
