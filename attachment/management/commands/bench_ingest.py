"""``manage.py bench_ingest --rows 100000``: how fast contacts arrive
through the API, against the CSV import of the same rows.

It builds a synthetic clinic (``bench-ingest``) of ``--clients`` clients and
an integration, starts gunicorn with the project's settings (``DEBUG`` off,
``--workers`` workers, loopback only) and:

1. posts ``--rows`` synthetic contacts (a year of them, in time order, as
   deliveries arrive) to ``POST /api/v1/contacts/`` in batches of ``--batch``
   from ``--concurrency`` clients at once, and prints
   contacts per second and the p50/p95 seconds of a batch;
2. posts ``--singles`` single contacts from ten clients at once and prints
   the p50/p95 milliseconds of one; then, as the floor, as many
   ``GET /api/v1/clients/`` (authenticated, one query) from ten clients at
   once, and the ratio of the two p95s;
3. empties the clinic's contacts and imports the same rows as a CSV with
   ``import_contacts``, and prints its rows per second and the ratio of the
   API's rate to it.

Re-scans are queued on the broker (``CELERY_BROKER_URL``, Redis database 14
unless set) and not run: no worker listens, and the queue is emptied at the
end.  The clinic is dropped at the end.  Nothing here is, or resembles, real
client data: there are no summaries.
"""

from __future__ import annotations

import csv
import datetime as dt
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from attachment.models import Direction, Purpose
from attachment.records.imports import HEADER
from clinic.integrations.services import integration_create
from clinic.models import Channel, Client, Clinic, Membership, Role, User

SLUG = "bench-ingest"
EMAIL = "bench-ingest@bench.invalid"
BROKER = "redis://127.0.0.1:6379/14"
SINGLE_CLIENTS = 10
# The floor: the cheapest authenticated call, under the same load.
FLOOR_PATH = "/api/v1/clients/"
CHANNELS = [c.value for c in Channel]
PURPOSES = [p.value for p in Purpose]

_IN_CLINIC = "(SELECT id FROM clinic_client WHERE clinic_id = %(clinic_id)s)"
_CONTACTS = f"(SELECT id FROM attachment_contact WHERE client_id IN {_IN_CLINIC})"  # noqa: S608
_INTEGRATIONS = "(SELECT id FROM clinic_integration WHERE clinic_id = %(clinic_id)s)"
DROP_CONTACTS_SQL = [
    f"DELETE FROM attachment_contactdelivery WHERE contact_id IN {_CONTACTS}",  # noqa: S608
    f"DELETE FROM attachment_contact WHERE client_id IN {_IN_CLINIC}",  # noqa: S608
]
DROP_CLINIC_SQL = [
    f"DELETE FROM attachment_rescanrequest WHERE client_id IN {_IN_CLINIC}",  # noqa: S608
    f"DELETE FROM attachment_flag WHERE client_id IN {_IN_CLINIC}",  # noqa: S608
    "DELETE FROM attachment_scanrun WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM attachment_detectorsettings WHERE clinic_id = %(clinic_id)s",
    f"DELETE FROM clinic_integrationday WHERE integration_id IN {_INTEGRATIONS}",  # noqa: S608
    "DELETE FROM clinic_integration WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM clinic_auditevent WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM clinic_contactpolicy WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM clinic_client WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM clinic_membership WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM clinic_user WHERE email = 'bench-ingest@bench.invalid'",
    "DELETE FROM clinic_clinic WHERE id = %(clinic_id)s",
]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_env() -> dict[str, str]:
    """Production settings, re-scans queued on the broker."""
    return {
        **os.environ,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL") or BROKER,
        "LOG_LEVEL": "WARNING",
    }


class _Server:
    """gunicorn on a loopback port with the project's production settings."""

    def __init__(self, workers: int) -> None:
        self.port = _free_port()
        env = _server_env()
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
            env=env,
            cwd=settings.BASE_DIR,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise CommandError("gunicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class _Poster:
    """One client of the API with its own keep-alive connection."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        }

    def post(self, body: Any) -> tuple[float, list[dict[str, Any]]]:
        started = time.perf_counter()
        self.connection.request(
            "POST", "/api/v1/contacts/", json.dumps(body), self.headers
        )
        response = self.connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise CommandError(f"the API answered {response.status}")
        return elapsed, json.loads(payload)["results"]

    def get(self, path: str) -> float:
        started = time.perf_counter()
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise CommandError(f"the API answered {response.status}")
        return elapsed


class Command(BaseCommand):
    help = "Post contacts through the API under gunicorn; compare with the CSV import."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--clients", type=int, default=500)
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument("--concurrency", type=int, default=4)
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--singles", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        if Clinic.objects.filter(slug=SLUG).exists():
            raise CommandError(f"clinic {SLUG!r} exists: drop it or use another DB")
        now = timezone.now()
        clinic = Clinic.objects.create(name="Ingest bench", slug=SLUG, timezone="UTC")
        try:
            codes = self._clients(clinic, options["clients"], now)
            integration, token = integration_create(
                actor=None,
                clinic=clinic,
                name="Bench",
                kind="messaging",
                scopes=["contacts:write", "clients:read"],
                now=now,
            )
            type(integration).objects.filter(pk=integration.pk).update(
                rate_per_minute=10**6
            )
            # Deliveries arrive about as contacts happen: in time order.
            items = sorted(
                self._items(codes, options["rows"], now),
                key=lambda item: item["occurred_at"],
            )
            server = _Server(options["workers"])
            try:
                api = self._batches(server.port, token, items, options)
                singles = self._singles(server.port, token, codes, options, now)
                floor = self._floor(server.port, token, options["singles"])
            finally:
                server.stop()
            self._drop(clinic, DROP_CONTACTS_SQL)
            csv_seconds = self._csv_import(items)
        finally:
            self._drop(clinic, DROP_CONTACTS_SQL + DROP_CLINIC_SQL)
            self._queue_empty()
        rows = len(items)
        api_rate, csv_rate = rows / api["seconds"], rows / csv_seconds
        self.stdout.write(
            f"rows={rows} batch={options['batch']} "
            f"concurrency={options['concurrency']} workers={options['workers']}"
        )
        self.stdout.write(f"api_seconds={api['seconds']:.2f}")
        self.stdout.write(f"api_contacts_per_second={api_rate:.0f}")
        self.stdout.write(f"batch_p50_seconds={api['p50']:.3f}")
        self.stdout.write(f"batch_p95_seconds={api['p95']:.3f}")
        self.stdout.write(f"csv_import_seconds={csv_seconds:.2f}")
        self.stdout.write(f"csv_rows_per_second={csv_rate:.0f}")
        self.stdout.write(f"api_to_csv_rate_ratio={api_rate / csv_rate:.2f}")
        self.stdout.write(
            f"single_post_p50_ms={singles['p50'] * 1000:.1f} "
            f"single_post_p95_ms={singles['p95'] * 1000:.1f} "
            f"(n={singles['n']}, {SINGLE_CLIENTS} clients at once)"
        )
        self.stdout.write(
            f"floor_get_p50_ms={floor['p50'] * 1000:.1f} "
            f"floor_get_p95_ms={floor['p95'] * 1000:.1f} "
            f"(GET {FLOOR_PATH}, n={floor['n']}, {SINGLE_CLIENTS} clients at once)"
        )
        self.stdout.write(
            f"single_post_to_floor_p95_ratio={singles['p95'] / floor['p95']:.2f}"
        )

    def _clients(self, clinic: Clinic, count: int, now: dt.datetime) -> list[str]:
        therapist = User.objects.create_user(email=EMAIL, password=None)
        Membership.objects.create(user=therapist, clinic=clinic, role=Role.THERAPIST)
        started = (now - dt.timedelta(days=400)).date()
        clients = Client.objects.bulk_create(
            Client(
                clinic=clinic,
                therapist=therapist,
                code=f"BG-{i:05d}",
                started_on=started,
            )
            for i in range(1, count + 1)
        )
        return [client.code for client in clients]

    def _items(
        self, codes: list[str], rows: int, now: dt.datetime
    ) -> Iterator[dict[str, Any]]:
        generator = random.Random(42)  # noqa: S311 (synthetic data)
        for number in range(rows):
            occurred = now - dt.timedelta(seconds=generator.randint(60, 364 * 86400))
            from_client = generator.random() < 0.7
            responded = ""
            if from_client and generator.random() < 0.8:
                answer = occurred + dt.timedelta(minutes=generator.randint(5, 2880))
                responded = min(answer, now).isoformat()
            yield {
                "external_id": f"bench-{number}",
                "client": generator.choice(codes),
                "occurred_at": occurred.isoformat(),
                "channel": generator.choice(CHANNELS),
                "direction": Direction.FROM_CLIENT
                if from_client
                else Direction.FROM_THERAPIST,
                "purpose": generator.choice(PURPOSES),
                "responded_at": responded,
            }

    def _batches(
        self, port: int, token: str, items: list[dict[str, Any]], options: Any
    ) -> dict[str, float]:
        size = options["batch"]
        batches = [items[i : i + size] for i in range(0, len(items), size)]
        posters = [_Poster(port, token) for _ in range(options["concurrency"])]
        free = list(posters)
        bar = tqdm(total=len(items), desc="api", unit="contact", file=sys.stderr)

        def send(batch: list[dict[str, Any]]) -> float:
            poster = free.pop()
            try:
                seconds, results = poster.post(batch)
            finally:
                free.append(poster)
            if any(result["status"] != "created" for result in results):
                raise CommandError("an item was not created")
            bar.update(len(batch))
            return seconds

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=options["concurrency"]) as pool:
            timings = list(pool.map(send, batches))
        total = time.perf_counter() - started
        bar.close()
        return {
            "seconds": total,
            "p50": statistics.median(timings),
            "p95": _percentile(timings, 0.95),
        }

    def _singles(
        self,
        port: int,
        token: str,
        codes: list[str],
        options: Any,
        now: dt.datetime,
    ) -> dict[str, float]:
        count = options["singles"]
        items = [
            {
                "external_id": f"single-{number}",
                "client": codes[number % len(codes)],
                "occurred_at": (now - dt.timedelta(minutes=number + 1)).isoformat(),
                "channel": "text",
                "direction": "from_client",
                "purpose": "scheduling",
            }
            for number in range(count)
        ]

        def run(share: list[dict[str, Any]]) -> list[float]:
            poster = _Poster(port, token)
            return [poster.post(item)[0] for item in share]

        shares = [items[i::SINGLE_CLIENTS] for i in range(SINGLE_CLIENTS)]
        with ThreadPoolExecutor(max_workers=SINGLE_CLIENTS) as pool:
            timings = [t for share in pool.map(run, shares) for t in share]
        return {
            "n": len(timings),
            "p50": statistics.median(timings),
            "p95": _percentile(timings, 0.95),
        }

    def _floor(self, port: int, token: str, count: int) -> dict[str, float]:
        """The same load on the cheapest authenticated call (one query): what
        this server and machine cost before a contact is written."""

        def run(share: int) -> list[float]:
            poster = _Poster(port, token)
            return [poster.get(FLOOR_PATH) for _ in range(share)]

        shares = [count // SINGLE_CLIENTS] * SINGLE_CLIENTS
        with ThreadPoolExecutor(max_workers=SINGLE_CLIENTS) as pool:
            timings = [t for share in pool.map(run, shares) for t in share]
        return {
            "n": len(timings),
            "p50": statistics.median(timings),
            "p95": _percentile(timings, 0.95),
        }

    def _csv_import(self, items: list[dict[str, Any]]) -> float:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "contacts.csv"
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(HEADER)
                for item in items:
                    writer.writerow(
                        [
                            item["client"],
                            item["occurred_at"],
                            item["channel"],
                            item["direction"],
                            item["purpose"],
                            "",
                            item["responded_at"],
                        ]
                    )
            # A process of its own with the server's settings, so that its
            # re-scans are queued as the API's are, not run.
            started = time.perf_counter()
            subprocess.run(  # noqa: S603 (our own interpreter)
                [
                    sys.executable,
                    "manage.py",
                    "import_contacts",
                    str(path),
                    "--clinic",
                    SLUG,
                    "--no-progress",
                ],
                env=_server_env(),
                cwd=settings.BASE_DIR,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            return time.perf_counter() - started

    def _drop(self, clinic: Clinic, statements: list[str]) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            for sql in statements:
                cursor.execute(sql, {"clinic_id": clinic.pk})

    def _queue_empty(self) -> None:
        """The re-scans the API queued: no worker was there to run them."""
        if not os.environ.get("CELERY_BROKER_URL"):
            import redis

            redis.Redis.from_url(BROKER).flushdb()
