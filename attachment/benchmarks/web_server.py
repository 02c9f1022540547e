"""gunicorn for the web benchmark: production settings, loopback only, on the
database this process uses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from urllib.parse import quote

from django.conf import settings
from django.db import connection

BROKER = "redis://127.0.0.1:6379/14"


class ServerError(RuntimeError):
    pass


def database_url() -> str:
    """The URL of the database this process is connected to (under tests,
    the test database), for the processes it starts."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(db.get("HOST") or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}"


def server_env() -> dict[str, str]:
    """Production settings (``DEBUG`` off, no HTTPS redirect on loopback),
    sign-in without a second factor for the synthetic accounts, follow-up
    work queued on the broker (no worker runs it)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "MFA_REQUIRED": "false",
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL") or BROKER,
        "LOG_LEVEL": "WARNING",
    }


def broker_empty() -> None:
    """The follow-up work the requests queued: nothing was there to run it."""
    if not os.environ.get("CELERY_BROKER_URL"):
        import redis

        redis.Redis.from_url(BROKER).flushdb()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """gunicorn on a free loopback port."""

    def __init__(self, workers: int) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "clinic.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            env=server_env(),
            cwd=settings.BASE_DIR,
        )
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise ServerError("gunicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
