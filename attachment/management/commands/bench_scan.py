"""``manage.py bench_scan --clients 20000 --contacts 5000000``: how fast the
full scan is against the cheapest possible pass over the same data.

It builds a synthetic clinic (``bench-scan``; 500 therapists, two years of
contacts) in the current database with set-based SQL, then times

* (a) the full scan of every detector with flags written, exactly as the
  nightly scan runs it for one clinic, and
* (b) the floor: one hand-written query that computes the weekly counts of
  every client over the whole history, fetched to the end,

``--repeat`` times each (the scan is idempotent, so later runs refresh the
flags the first one wrote, as the nightly scan does), and prints the medians
``scan_seconds`` and ``floor_seconds``, their ``ratio``, ``peak_rss_mb`` and
``queries`` (the first scan's statements, from ``connection.execute_wrapper``)
as its last lines.  The bench clinic is deleted afterwards unless ``--keep``.

The data is built and dropped with ``session_replication_role = replica``, so
that the history triggers (and foreign-key checks) do not run for five
million synthetic rows; this needs a superuser, as the development and CI
databases have.  Nothing here is, or resembles, real client data.
"""

from __future__ import annotations

import datetime as dt
import resource
import statistics
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from attachment.engine.services import clinic_scan
from clinic.models import Clinic

SLUG = "bench-scan"
ZONE = "Europe/London"
WEEKS = 104

FLOOR_SQL = """
    SELECT k.client_id,
           date_trunc('week', k.occurred_at AT TIME ZONE %(tz)s) AS week,
           count(*)
    FROM attachment_contact k
    JOIN clinic_client c ON c.id = k.client_id
    WHERE c.clinic_id = %(clinic_id)s
    GROUP BY 1, 2
"""

# Each statement takes %(clinic_id)s, %(now)s, %(weeks)s and the sizes.
BUILD_SQL = [
    # Therapists, their memberships, and clients spread over them.
    """
    INSERT INTO clinic_user (password, is_superuser, email, full_name, is_active,
                             is_staff, date_joined)
    SELECT '!', false, 'bench-therapist-' || i || '@bench.invalid',
           'Bench therapist ' || i, true, false, %(now)s
    FROM generate_series(1, %(therapists)s) i
    """,
    """
    INSERT INTO clinic_membership (user_id, clinic_id, role, is_clinical_lead)
    SELECT id, %(clinic_id)s, 'therapist', false FROM clinic_user
    WHERE email LIKE 'bench-therapist-%%@bench.invalid'
    """,
    """
    INSERT INTO clinic_client (clinic_id, therapist_id, code, preferred_name, timezone,
                               status, started_on, ended_on)
    SELECT %(clinic_id)s, t.ids[1 + (i %% %(therapists)s)], 'B-' || lpad(i::text, 6, '0'),
           '', '', CASE WHEN i %% 50 = 0 THEN 'ended' ELSE 'active' END,
           (%(now)s::date - %(weeks)s * 7 - (i %% 30)),
           CASE WHEN i %% 50 = 0 THEN %(now)s::date - 40 END
    FROM generate_series(1, %(clients)s) i,
         (SELECT array_agg(id ORDER BY id) AS ids FROM clinic_user
          WHERE email LIKE 'bench-therapist-%%@bench.invalid') t
    """,
    # Per-client rates: spread around the mean, one in fifty
    # clients doubling over the last eight weeks.
    """
    CREATE TEMP TABLE bench_rate ON COMMIT DROP AS
    SELECT c.id AS client_id,
           greatest(1, round(%(per_client)s * (0.25 + 1.5 * random())))::int AS n,
           (c.id %% 50 = 0) AS rising
    FROM clinic_client c WHERE c.clinic_id = %(clinic_id)s
    """,
    """
    INSERT INTO attachment_contact (
        client_id, occurred_at, channel, direction, purpose, summary, source,
        row_hash, responded_at, response_minutes, after_hours,
        outside_agreement, over_weekly_limit, during_absence, after_ending,
        responded_after_hours)
    SELECT g.client_id, g.occurred_at, g.channel, g.direction, 'other', '',
           'import', '',
           g.responded_at,
           CASE WHEN g.responded_at IS NOT NULL
                THEN (extract(epoch FROM g.responded_at - g.occurred_at) / 60)::int
           END,
           g.local_hour NOT BETWEEN 9 AND 16,
           g.channel = 'social', g.over, false, false,
           g.responded_at IS NOT NULL
             AND extract(hour FROM g.responded_at AT TIME ZONE %(tz)s)
                 NOT BETWEEN 9 AND 16
    FROM (
        SELECT s.client_id, s.occurred_at, s.direction, s.over,
               CASE WHEN random() < 0.02 THEN 'social'
                    ELSE (ARRAY['text', 'text', 'text', 'email', 'phone', 'voicemail',
                                'portal'])[1 + floor(random() * 7)::int]
               END AS channel,
               extract(hour FROM s.occurred_at AT TIME ZONE %(tz)s) AS local_hour,
               CASE WHEN s.direction = 'from_client' AND random() < 0.85
                    THEN least(s.occurred_at
                               + (random() * random() * interval '2 days'),
                               %(now)s::timestamptz)
               END AS responded_at
        FROM (
            SELECT r.client_id,
                   least(%(now)s::timestamptz, date_trunc('day',
                       CASE WHEN r.rising AND random() < 0.3
                            THEN %(now)s::timestamptz - random() * interval '8 weeks'
                            ELSE %(now)s::timestamptz
                                 - random() * (%(weeks)s * interval '1 week')
                       END)
                   + CASE WHEN random() < 0.9
                          THEN interval '9 hours' + random() * interval '8 hours'
                          ELSE random() * interval '24 hours'
                     END) AS occurred_at,
                   CASE WHEN random() < 0.72 THEN 'from_client'
                        ELSE 'from_therapist' END AS direction,
                   random() < 0.02 AS over
            FROM bench_rate r, generate_series(1, r.n)
        ) s
    ) g
    """,
    # A few records for the other detectors.
    """
    INSERT INTO attachment_rupture (client_id, noticed_at, setting, channel, kind,
                                    markers, severity, description, priority, status)
    SELECT c.id, %(now)s::timestamptz - (c.id %% 60) * interval '1 day',
           'in_session', '', 'withdrawal', '{}', 1 + c.id %% 3, '', 2, 'open'
    FROM clinic_client c WHERE c.clinic_id = %(clinic_id)s AND c.id %% 50 = 7
    """,
    """
    INSERT INTO attachment_dependencyobservation (client_id, observed_at, markers,
                                                  intensity, triggers, note)
    SELECT c.id, %(now)s::timestamptz - k * interval '10 days',
           '{fear_of_abandonment}', least(4, greatest(0, 4 - k / 2 + (c.id %% 2))),
           '{}', ''
    FROM clinic_client c, generate_series(0, 7) k
    WHERE c.clinic_id = %(clinic_id)s AND c.id %% 10 = 3
    """,
    """
    INSERT INTO attachment_attachmentmeasure (client_id, measured_on, secure,
                                              avoidant_fearful, preoccupied_merger)
    SELECT c.id, %(now)s::date - k * 90, 3.5, 2.5, 2.5 + (c.id %% 7) * 0.2 * (2 - k)
    FROM clinic_client c, generate_series(0, 1) k
    WHERE c.clinic_id = %(clinic_id)s AND c.id %% 10 = 5
    """,
    """
    INSERT INTO clinic_absence (clinic_id, therapist_id, starts_on, ends_on, note)
    SELECT %(clinic_id)s, t.user_id, %(now)s::date - 10, %(now)s::date + 4, ''
    FROM clinic_membership t
    WHERE t.clinic_id = %(clinic_id)s AND t.user_id %% 10 = 0
    """,
]

DROP_SQL = [
    "DELETE FROM attachment_flag WHERE client_id IN (SELECT id FROM bench_clients)",
    "DELETE FROM attachment_rescanrequest"
    " WHERE client_id IN (SELECT id FROM bench_clients)",
    "DELETE FROM attachment_contact WHERE client_id IN (SELECT id FROM bench_clients)",
    "DELETE FROM attachment_rupture WHERE client_id IN (SELECT id FROM bench_clients)",
    "DELETE FROM attachment_dependencyobservation"
    " WHERE client_id IN (SELECT id FROM bench_clients)",
    "DELETE FROM attachment_attachmentmeasure"
    " WHERE client_id IN (SELECT id FROM bench_clients)",
    "DELETE FROM attachment_scanrun WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM clinic_absence WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM attachment_contactagreement"
    " WHERE client_id IN (SELECT id FROM bench_clients)",
    "DELETE FROM clinic_client WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM clinic_membership WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM attachment_detectorsettings WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM clinic_auditevent WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM clinic_contactpolicy WHERE clinic_id = %(clinic_id)s",
    "DELETE FROM clinic_user WHERE email LIKE 'bench-therapist-%%@bench.invalid'",
    "DELETE FROM clinic_clinic WHERE id = %(clinic_id)s",
]


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class Command(BaseCommand):
    help = "Build a large synthetic clinic, time the full scan against the floor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clients", type=int, default=20000)
        parser.add_argument("--contacts", type=int, default=5_000_000)
        parser.add_argument("--therapists", type=int, default=500)
        parser.add_argument(
            "--repeat", type=int, default=3, help="Timed runs of each (median)."
        )
        parser.add_argument(
            "--keep", action="store_true", help="Keep the bench clinic afterwards."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if Clinic.objects.filter(slug=SLUG).exists():
            raise CommandError(f"clinic {SLUG!r} exists: drop it or use another DB")
        now = timezone.now()
        clinic = Clinic.objects.create(name="Bench clinic", slug=SLUG, timezone=ZONE)
        try:
            self._build(clinic, now, options)
            floors, scans = [], []
            for run in range(max(1, options["repeat"])):
                floors.append(self._floor(clinic))
                seconds, run_queries, run_counts = self._scan(clinic, now)
                scans.append(seconds)
                if run == 0:
                    queries, counts = run_queries, run_counts
                self.stderr.write(f"run {run + 1}: scan {seconds:.2f} s")
            floor_seconds = statistics.median(floors)
            scan_seconds = statistics.median(scans)
        finally:
            if not options["keep"]:
                self._drop(clinic)
        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"scan: {counts}")
        self.stdout.write(f"runs={len(scans)} (medians below)")
        self.stdout.write(f"scan_seconds={scan_seconds:.2f}")
        self.stdout.write(f"floor_seconds={floor_seconds:.2f}")
        self.stdout.write(f"ratio={scan_seconds / floor_seconds:.2f}")
        self.stdout.write(f"peak_rss_mb={peak_rss_mb:.0f}")
        self.stdout.write(f"queries={queries}")

    def _build(self, clinic: Clinic, now: dt.datetime, options: dict) -> None:
        params = {
            "clinic_id": clinic.pk,
            "now": now,
            "weeks": WEEKS,
            "tz": ZONE,
            "clients": options["clients"],
            "therapists": options["therapists"],
            "per_client": options["contacts"] / options["clients"],
        }
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SELECT setseed(0.42)")
            for sql in BUILD_SQL:
                cursor.execute(sql, params)
        with connection.cursor() as cursor:
            # VACUUM sets the visibility map for index-only scans; it cannot
            # run inside a transaction (as under a test), ANALYZE can.
            if connection.in_atomic_block:
                cursor.execute("ANALYZE attachment_contact")
            else:
                cursor.execute("VACUUM ANALYZE attachment_contact")
            cursor.execute("ANALYZE clinic_client")
            cursor.execute(
                "SELECT count(*) FROM attachment_contact k JOIN clinic_client c"
                " ON c.id = k.client_id WHERE c.clinic_id = %s",
                [clinic.pk],
            )
            (contacts,) = cursor.fetchone()
        self.stderr.write(
            f"built {options['clients']} clients and {contacts} contacts "
            f"in {time.perf_counter() - started:.0f} s"
        )

    def _floor(self, clinic: Clinic) -> float:
        started = time.perf_counter()
        rows = 0
        with transaction.atomic():
            cursor = connection.chunked_cursor()
            cursor.execute(FLOOR_SQL, {"tz": ZONE, "clinic_id": clinic.pk})
            while batch := cursor.fetchmany(10000):
                rows += len(batch)
            cursor.close()
        seconds = time.perf_counter() - started
        self.stderr.write(f"floor: {rows} client-weeks in {seconds:.2f} s")
        return seconds

    def _scan(self, clinic: Clinic, now: dt.datetime):
        counter = QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            counts = clinic_scan(clinic=clinic, now=now)
        return time.perf_counter() - started, counter.count, counts

    def _drop(self, clinic: Clinic) -> None:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                "CREATE TEMP TABLE bench_clients ON COMMIT DROP AS"
                " SELECT id FROM clinic_client WHERE clinic_id = %s",
                [clinic.pk],
            )
            for sql in DROP_SQL:
                cursor.execute(sql, {"clinic_id": clinic.pk})
        self.stderr.write(
            f"dropped the bench clinic in {time.perf_counter() - started:.0f} s"
        )
