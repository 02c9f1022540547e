"""``manage.py bench_import --rows 100000``: how long the contact import takes.

It builds a synthetic clinic (``bench-import``) with ``--clients`` clients,
writes a CSV of ``--rows`` synthetic contacts spread over the last year, and
runs ``import_contacts`` on it ``--repeat`` times, emptying the clinic's
contacts between runs (and vacuuming the table, so that every run starts
alike).  Each run is timed in two parts: ``import_seconds``, everything until
the import's transaction commits (parse, validate, derive the facts, write,
audit), and ``rescan_seconds``, the re-scan of the imported clients that the
commit asks for.  The re-scan runs here, as a worker would run it, so that its
cost is seen; with a broker configured, the import itself only queues it.

Beside them, the floor, measured in the same run: ``parse_seconds`` (decoding
and reading the CSV, nothing more) and ``copy_seconds`` (a COPY of the
imported rows, as stored, into a scratch table with no index or trigger), and
``import_over_copy``, how many times the floor the import takes.

After the last run it imports the same file once more, which must add
nothing.  It prints the medians, then ``rows``/``runs``, ``import_seconds``,
the rows per second of the import alone, and ``reimport_seconds`` as its last
lines, and drops the clinic.

Nothing here is, or resembles, real client data: summaries are empty or one
of a few fixed words.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
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
from attachment.records.imports import HEADER, decode
from clinic.celery import app
from clinic.models import Channel, Client, Clinic, Membership, Role, User

SLUG = "bench-import"
ZONE = "Europe/London"
SUMMARIES = ("", "", "", "scheduling", "check-in", "update")

DROP_CONTACTS_SQL = """
    DELETE FROM attachment_contact
    WHERE client_id IN (SELECT id FROM clinic_client WHERE clinic_id = %(clinic_id)s)
"""
COPY_OUT_SQL = """
    COPY (SELECT * FROM attachment_contact WHERE client_id IN
          (SELECT id FROM clinic_client WHERE clinic_id = %(clinic_id)s))
    TO STDOUT
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
        eager = app.conf.task_always_eager
        app.conf.task_always_eager = True  # the re-scan is timed here
        figures: dict[str, list[float]] = {}
        try:
            codes = self._clients(clinic, options["clients"], now)
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "contacts.csv"
                self._write_csv(path, codes, options["rows"], now)
                for run in range(max(1, options["repeat"])):
                    if run:
                        self._drop_contacts(clinic)
                    self._vacuum()
                    run_figures = self._run(path, clinic)
                    for name, seconds in run_figures.items():
                        figures.setdefault(name, []).append(seconds)
                    self.stderr.write(
                        f"run {run + 1}: "
                        + ", ".join(f"{k} {v:.2f} s" for k, v in run_figures.items())
                    )
                reimport, _ = self._import(path)
        finally:
            app.conf.task_always_eager = eager
            self._drop_clinic(clinic)
        self._report(figures, options["rows"])
        self.stdout.write(f"reimport_seconds={reimport:.2f}")

    def _run(self, path: Path, clinic: Clinic) -> dict[str, float]:
        parse = self._parse(path)
        imported, rescan = self._import(path)
        return {
            "import": imported,
            "rescan": rescan,
            "parse": parse,
            "copy": self._copy_floor(clinic),
        }

    def _report(self, figures: dict[str, list[float]], rows: int) -> None:
        median = {name: statistics.median(values) for name, values in figures.items()}
        for name in ("parse", "copy", "rescan"):
            self.stdout.write(f"{name}_seconds={median[name]:.2f}")
        ratio = median["import"] / median["copy"] if median["copy"] else 0.0
        self.stdout.write(f"import_over_copy={ratio:.0f}")
        self.stdout.write(f"rows={rows} runs={len(figures['import'])}")
        self.stdout.write(f"import_seconds={median['import']:.2f}")
        self.stdout.write(f"rows_per_second={rows / median['import']:.0f}")

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

    def _import(self, path: Path) -> tuple[float, float]:
        """Seconds until the import's transaction commits, and seconds of what
        the commit sets off (the re-scan).  The command runs inside a
        transaction of the bench's, whose first on-commit callback (callbacks
        run in order) marks the moment of the commit."""
        committed: list[float] = []
        started = time.perf_counter()
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(time.perf_counter()))
            call_command(
                "import_contacts",
                str(path),
                clinic=SLUG,
                no_progress=True,
                stdout=self.stderr,
            )
        ended = time.perf_counter()
        if not committed:  # inside a caller's transaction: nothing was committed
            return ended - started, 0.0
        return committed[0] - started, ended - committed[0]

    def _parse(self, path: Path) -> float:
        """The floor of reading the file: decode it and split it into cells."""
        started = time.perf_counter()
        text = decode(path.read_bytes())
        for _ in csv.reader(io.StringIO(text, newline="")):
            pass
        return time.perf_counter() - started

    def _copy_floor(self, clinic: Clinic) -> float:
        """The floor of writing the rows: COPY the imported contacts, as
        stored, into a scratch table without indexes, constraints or
        triggers.  Reading them out is not timed."""
        buffer = io.BytesIO()
        with connection.cursor() as cursor:
            with cursor.copy(COPY_OUT_SQL, {"clinic_id": clinic.pk}) as copy:
                for data in copy:
                    buffer.write(data)
            cursor.execute(
                "CREATE TEMP TABLE bench_import_floor AS"
                " SELECT * FROM attachment_contact WITH NO DATA"
            )
            try:
                started = time.perf_counter()
                with cursor.copy("COPY bench_import_floor FROM STDIN") as copy:
                    copy.write(buffer.getvalue())
                return time.perf_counter() - started
            finally:
                cursor.execute("DROP TABLE bench_import_floor")

    def _vacuum(self) -> None:
        """Reclaim the rows the last run left dead (where autovacuum is off or
        late, they would slow the next run's index inserts)."""
        if connection.in_atomic_block:  # VACUUM cannot run in a transaction
            return
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE attachment_contact")

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
