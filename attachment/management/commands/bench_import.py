"""``manage.py bench_import --rows 100000``: how long the contact import takes.

It builds a synthetic clinic (``bench-import``) with ``--clients`` clients,
writes a CSV of ``--rows`` synthetic contacts spread over the last year, and
runs ``import_contacts`` on it ``--repeat`` times, emptying the clinic's
contacts between runs.  After the last run it imports the same file once more,
which must add nothing.  It prints the median ``import_seconds``, the rows per
second, and ``reimport_seconds`` as its last lines, and drops the clinic.

Nothing here is, or resembles, real client data: summaries are empty or one
of a few fixed words.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from attachment.models import Direction, Purpose
from attachment.records.imports import HEADER
from clinic.models import Channel, Client, Clinic, Membership, Role, User

SLUG = "bench-import"
ZONE = "Europe/London"
SUMMARIES = ("", "", "", "scheduling", "check-in", "update")

DROP_CONTACTS_SQL = """
    DELETE FROM attachment_contact
    WHERE client_id IN (SELECT id FROM clinic_client WHERE clinic_id = %(clinic_id)s)
"""
DROP_CLINIC_SQL = [
    "DELETE FROM attachment_rescanrequest WHERE client_id IN"
    " (SELECT id FROM clinic_client WHERE clinic_id = %(clinic_id)s)",
    "DELETE FROM attachment_flag WHERE client_id IN"
    " (SELECT id FROM clinic_client WHERE clinic_id = %(clinic_id)s)",
    "DELETE FROM attachment_scanrun WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM attachment_detectorsettings WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM clinic_auditevent WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM clinic_contactpolicy WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM clinic_client WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM clinic_membership WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM clinic_user WHERE email = 'bench-import@bench.invalid'",
    "DELETE FROM clinic_clinic WHERE id = %(clinic_id)s",
]


class Command(BaseCommand):
    help = "Time import_contacts on a synthetic CSV (median of several runs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--clients", type=int, default=500)
        parser.add_argument("--repeat", type=int, default=3)

    def handle(self, *args: Any, **options: Any) -> None:
        if Clinic.objects.filter(slug=SLUG).exists():
            raise CommandError(f"clinic {SLUG!r} exists: drop it or use another DB")
        now = timezone.now()
        clinic = Clinic.objects.create(name="Import bench", slug=SLUG, timezone=ZONE)
        try:
            codes = self._clients(clinic, options["clients"], now)
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "contacts.csv"
                self._write_csv(path, codes, options["rows"], now)
                runs = []
                for run in range(max(1, options["repeat"])):
                    if run:
                        self._drop_contacts(clinic)
                    runs.append(self._import(path))
                    self.stderr.write(f"run {run + 1}: {runs[-1]:.2f} s")
                reimport = self._import(path)
        finally:
            self._drop_clinic(clinic)
        median = statistics.median(runs)
        self.stdout.write(f"rows={options['rows']} runs={len(runs)}")
        self.stdout.write(f"import_seconds={median:.2f}")
        self.stdout.write(f"rows_per_second={options['rows'] / median:.0f}")
        self.stdout.write(f"reimport_seconds={reimport:.2f}")

    def _clients(self, clinic: Clinic, count: int, now: dt.datetime) -> list[str]:
        therapist = User.objects.create_user(
            email="bench-import@bench.invalid", password=None
        )
        Membership.objects.create(user=therapist, clinic=clinic, role=Role.THERAPIST)
        started = (now - dt.timedelta(days=400)).date()
        clients = Client.objects.bulk_create(
            Client(
                clinic=clinic,
                therapist=therapist,
                code=f"BI-{i:05d}",
                started_on=started,
            )
            for i in range(1, count + 1)
        )
        return [client.code for client in clients]

    def _write_csv(
        self, path: Path, codes: list[str], rows: int, now: dt.datetime
    ) -> None:
        generator = random.Random(42)
        channels = [c.value for c in Channel]
        purposes = [p.value for p in Purpose]
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            for _ in range(rows):
                occurred = now - dt.timedelta(
                    seconds=generator.randint(60, 364 * 86400)
                )
                from_client = generator.random() < 0.7
                responded = ""
                if from_client and generator.random() < 0.8:
                    answer = occurred + dt.timedelta(minutes=generator.randint(5, 2880))
                    responded = min(answer, now).isoformat()
                writer.writerow(
                    [
                        generator.choice(codes),
                        occurred.isoformat(),
                        generator.choice(channels),
                        Direction.FROM_CLIENT
                        if from_client
                        else Direction.FROM_THERAPIST,
                        generator.choice(purposes),
                        generator.choice(SUMMARIES),
                        responded,
                    ]
                )

    def _import(self, path: Path) -> float:
        started = time.perf_counter()
        call_command(
            "import_contacts",
            str(path),
            clinic=SLUG,
            no_progress=True,
            stdout=self.stderr,
        )
        return time.perf_counter() - started

    def _drop_contacts(self, clinic: Clinic) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(DROP_CONTACTS_SQL, {"clinic_id": clinic.pk})

    def _drop_clinic(self, clinic: Clinic) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(DROP_CONTACTS_SQL, {"clinic_id": clinic.pk})
            for sql in DROP_CLINIC_SQL:
                cursor.execute(sql, {"clinic_id": clinic.pk})
