"""The scan's reads: one aggregate query per detector input, for a whole clinic
(or a range of its clients), streamed in client order.

Each query runs once per scan, whatever the number of clients, on a
server-side cursor ordered by client id; :class:`ClientStream` hands the rows
out chunk by chunk, so memory holds one chunk of clients at a time.  Only dates,
counts, codes and scores are read: never a summary, a description, a note or
anything of notes' process notes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from attachment.engine.patterns import DetectorThresholds, dependency
from attachment.records.weeks import (
    after_hours_reply_sql,
    local_week_sql,
    replied_sql,
    week_bounds,
    week_start,
    week_start_sql,
)

FETCH_ROWS = 5000
# One row as the cursor returns it; its first column is the client id.
Row = tuple[Any, ...]
# How far back an existing flag can anchor a repeating finding.  A surge
# during an absence stays a live finding for eight weeks after the therapist
# is back, so that the next supervision sessions see it (and the next
# absence is planned with it in mind).
FLAG_MEMORY_DAYS = 365
ABSENCE_AFTERCARE_DAYS = 56

_SCOPE = """
    scope AS (
        SELECT c.id, c.therapist_id, c.started_on, c.ended_on
        FROM clinic_client c
        WHERE c.clinic_id = %(clinic_id)s
          AND c.id BETWEEN %(first_id)s AND %(last_id)s
          AND (%(client_ids)s::bigint[] IS NULL OR c.id = ANY(%(client_ids)s))
    )
"""


def scoped(body: str) -> str:
    """Prefix a query with the ``scope`` CTE (the clinic's clients in range).
    Both parts are constants of this module; every value is a parameter."""
    return "WITH" + _SCOPE + body  # noqa: S608


CLIENTS_SQL = scoped(
    f"""
    SELECT s.id, s.therapist_id,
           GREATEST(0, ({week_start_sql("s.started_on")} - %(first_week)s) / 7),
           s.ended_on,
           COALESCE(o.after_ending_allowed, d.after_ending_allowed, false)
    FROM scope s
    LEFT JOIN LATERAL (
        SELECT a.after_ending_allowed
        FROM attachment_contactagreement a
        WHERE a.client_id = s.id
          AND a.effective_from <= %(now)s
          AND (NOT a.wider_than_frame OR a.approved_at IS NOT NULL)
        ORDER BY a.effective_from DESC, a.version DESC
        LIMIT 1
    ) o ON true
    LEFT JOIN clinic_contactpolicy d ON d.clinic_id = %(clinic_id)s
    ORDER BY s.id
"""  # noqa: S608 - the week fragment is a constant; every value is a parameter
)

# Weekly aggregates of every complete week in the lookback (weeks and after
# hours as attachment.records.weeks defines them); empty weeks are not
# returned (they are zeros, filled in by the scan with numpy).  Contacts after
# the client's ending date are left out (they are the after-ending
# detector's); the last column counts the treating therapist's own contacts
# started on days of their absence (not replies, not logged by a cover).
WEEKLY_SQL = scoped(
    f"""
    SELECT k.client_id,
           ({local_week_sql("k.occurred_at", "%(tz)s")} - %(first_week)s) / 7 AS week,
           count(*) FILTER (WHERE k.direction = 'from_client'),
           count(*) FILTER (WHERE k.direction = 'from_therapist'
                                AND k.in_reply_to_id IS NULL),
           count(*) FILTER (WHERE {replied_sql("k", as_of="%(now)s")}),
           count(*) FILTER (WHERE {after_hours_reply_sql("k", as_of="%(now)s")}),
           COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY k.response_minutes)
                    FILTER (WHERE k.responded_at <= %(now)s
                              AND k.occurred_at >= %(median_since)s),
                    'NaN'::float8),
           count(*) FILTER (WHERE k.direction = 'from_therapist'
                                AND k.in_reply_to_id IS NULL
                                AND k.logged_by_id IS NULL
                                AND k.during_absence)
    FROM attachment_contact k
    JOIN scope s ON s.id = k.client_id
    WHERE k.occurred_at >= %(since)s AND k.occurred_at < %(until)s
      AND (s.ended_on IS NULL
           OR (k.occurred_at AT TIME ZONE %(tz)s)::date <= s.ended_on)
    GROUP BY 1, 2
    ORDER BY 1, 2
"""  # noqa: S608 - the fragments are constants; every value is a parameter
)

POLICY_SQL = scoped(
    """
    , hits AS (
        SELECT k.client_id, k.occurred_at, k.after_hours, k.outside_agreement,
               k.over_weekly_limit,
               count(*) FILTER (WHERE k.occurred_at >= %(policy_window_since)s)
                   OVER (PARTITION BY k.client_id) AS n
        FROM attachment_contact k
        JOIN scope s ON s.id = k.client_id
        WHERE k.direction = 'from_client'
          AND k.purpose NOT IN ('distress', 'crisis')
          AND (k.after_hours OR k.outside_agreement OR k.over_weekly_limit)
          AND k.occurred_at >= %(policy_since)s AND k.occurred_at <= %(now)s
    )
    SELECT client_id, occurred_at, after_hours, outside_agreement,
           over_weekly_limit
    FROM hits WHERE n >= %(policy_min)s
    ORDER BY client_id, occurred_at
"""
)

AFTER_ENDING_SQL = scoped(
    """
    SELECT k.client_id, k.occurred_at, k.over_weekly_limit
    FROM attachment_contact k
    JOIN scope s ON s.id = k.client_id
    WHERE s.ended_on IS NOT NULL
      AND k.direction = 'from_client'
      AND k.occurred_at >= %(ending_since)s AND k.occurred_at <= %(now)s
      AND (k.occurred_at AT TIME ZONE %(tz)s)::date > s.ended_on
    ORDER BY k.client_id, k.occurred_at
"""
)

# A rupture counts as open as of ``now`` if its status is open, or if it was
# resolved only later (no complete repair attempt by ``now``).
RUPTURES_SQL = scoped(
    """
    SELECT r.client_id, r.id, (r.noticed_at AT TIME ZONE %(tz)s)::date, r.severity,
           (r.status IN ('open', 'repairing')
            OR (r.status = 'resolved' AND NOT EXISTS (
                SELECT 1 FROM attachment_repairattempt a
                WHERE a.rupture_id = r.id AND a.outcome = 'complete'
                  AND a.attempted_at <= %(now)s))),
           (SELECT count(*) FROM attachment_repairattempt a
            WHERE a.rupture_id = r.id AND a.attempted_at <= %(now)s),
           EXISTS (
               SELECT 1 FROM attachment_repairattempt a
               WHERE a.rupture_id = r.id AND a.outcome = 'complete'
                 AND a.attempted_at <= %(now)s)
    FROM attachment_rupture r
    JOIN scope s ON s.id = r.client_id
    WHERE r.noticed_at <= %(now)s
      AND (r.status IN ('open', 'repairing') OR r.noticed_at >= %(rupture_since)s
           OR (r.status = 'resolved' AND NOT EXISTS (
                SELECT 1 FROM attachment_repairattempt a
                WHERE a.rupture_id = r.id AND a.outcome = 'complete'
                  AND a.attempted_at <= %(now)s)))
    ORDER BY r.client_id, r.noticed_at
"""
)

OBSERVATIONS_SQL = scoped(
    """
    SELECT o.client_id, (o.observed_at AT TIME ZONE %(tz)s)::date, o.intensity,
           'fear_of_abandonment' = ANY(o.markers),
           o.markers::text[] <@ ARRAY['internalised_security']::text[]
    FROM attachment_dependencyobservation o
    JOIN scope s ON s.id = o.client_id
    WHERE o.observed_at >= %(observation_since)s AND o.observed_at <= %(now)s
    ORDER BY o.client_id, o.observed_at
"""
)

MEASURES_SQL = scoped(
    """
    SELECT client_id, measured_on, preoccupied_merger FROM (
        SELECT m.client_id, m.measured_on, m.preoccupied_merger::float8,
               row_number() OVER (
                   PARTITION BY m.client_id ORDER BY m.measured_on DESC) AS latest
        FROM attachment_attachmentmeasure m
        JOIN scope s ON s.id = m.client_id
        WHERE m.measured_on <= %(today)s
    ) ranked
    WHERE latest <= %(measures_read)s
    ORDER BY client_id, measured_on
"""
)

# Client-initiated contacts around each recent absence of the client's
# therapist: during it (up to today) and in the baseline weeks before it; and
# of those during it, the ones the cover answered within the reply time of the
# agreement in force when the contact was made (the clinic's frame where no
# agreement was in force): answered by then (``responded_at``) while a cover
# was arranged, or answered by a reply the cover logged.
ABSENCE_COUNTS_SQL = scoped(
    """
    , recent AS (
        SELECT a.id, a.therapist_id, a.starts_on, a.ends_on, a.covering_therapist_id
        FROM clinic_absence a
        WHERE a.clinic_id = %(clinic_id)s
          AND a.starts_on <= %(today)s AND a.ends_on >= %(absence_recent_on)s
    ), counted AS (
        SELECT s.id AS client_id, a.id AS absence_id, a.covering_therapist_id,
               k.id AS contact_id, k.occurred_at, k.responded_at,
               k.during_absence
                 AND (k.occurred_at AT TIME ZONE %(tz)s)::date
                     BETWEEN a.starts_on AND LEAST(a.ends_on, %(today)s) AS during,
               NOT k.during_absence
                 AND (k.occurred_at AT TIME ZONE %(tz)s)::date
                     >= a.starts_on - %(absence_baseline_days)s
                 AND (k.occurred_at AT TIME ZONE %(tz)s)::date < a.starts_on
                 AS baseline
        FROM scope s
        JOIN recent a ON a.therapist_id = s.therapist_id
        JOIN attachment_contact k
          ON k.client_id = s.id AND k.direction = 'from_client'
         AND k.occurred_at >= (a.starts_on - %(absence_baseline_days)s - 1)::timestamp
                              AT TIME ZONE %(tz)s
         AND k.occurred_at <= %(now)s
    )
    SELECT c.client_id, c.absence_id,
           count(*) FILTER (WHERE c.during),
           count(*) FILTER (WHERE c.baseline),
           count(*) FILTER (
               WHERE c.during AND c.covering_therapist_id IS NOT NULL
                 AND (
                     (c.responded_at <= %(now)s
                      AND c.responded_at - c.occurred_at <= w.reply_window)
                     OR EXISTS (
                         SELECT 1 FROM attachment_contact r
                         WHERE r.in_reply_to_id = c.contact_id
                           AND r.logged_by_id = c.covering_therapist_id
                           AND r.occurred_at <= %(now)s
                           AND r.occurred_at - c.occurred_at <= w.reply_window)))
    FROM counted c
    CROSS JOIN LATERAL (
        SELECT make_interval(hours => COALESCE(
            (SELECT g.reply_hours
             FROM attachment_contactagreement g
             WHERE g.client_id = c.client_id
               AND g.effective_from <= c.occurred_at
               AND (NOT g.wider_than_frame OR g.approved_at IS NOT NULL)
             ORDER BY g.effective_from DESC, g.version DESC
             LIMIT 1),
            (SELECT d.response_window_hours FROM clinic_contactpolicy d
             WHERE d.clinic_id = %(clinic_id)s),
            24)) AS reply_window
    ) w
    WHERE c.during OR c.baseline
    GROUP BY c.client_id, c.absence_id
    ORDER BY c.client_id, c.absence_id
"""
)

ABSENCES_SQL = """
    SELECT a.id, a.therapist_id, a.starts_on, a.ends_on,
           a.covering_therapist_id IS NOT NULL
    FROM clinic_absence a
    WHERE a.clinic_id = %(clinic_id)s
      AND a.ends_on >= %(first_week)s AND a.starts_on <= %(absence_ahead_on)s
    ORDER BY a.therapist_id, a.starts_on
"""

FLAGS_SQL = scoped(
    """
    SELECT f.client_id, f.id, f.kind, f.window_start, f.window_end, f.status,
           f.active
    FROM attachment_flag f
    JOIN scope s ON s.id = f.client_id
    WHERE f.archived_at IS NULL
      AND (f.active OR f.window_end >= %(flag_memory_on)s)
    ORDER BY f.client_id, f.window_end
"""
)

STREAMS = {
    "clients": CLIENTS_SQL,
    "weekly": WEEKLY_SQL,
    "policy": POLICY_SQL,
    "after_ending": AFTER_ENDING_SQL,
    "ruptures": RUPTURES_SQL,
    "observations": OBSERVATIONS_SQL,
    "measures": MEASURES_SQL,
    "absence_counts": ABSENCE_COUNTS_SQL,
    "flags": FLAGS_SQL,
}


@dataclass(frozen=True)
class ScanWindow:
    """The moments and dates every query is parameterised with."""

    now: dt.datetime  # aware, in the clinic's zone
    weeks: int  # complete weeks read, ending with the last week that has ended
    first_week: dt.date  # Monday of the oldest week read
    median_weeks: int  # weeks for which reply-time medians are computed

    @classmethod
    def build(cls, *, now: dt.datetime, thresholds: DetectorThresholds) -> ScanWindow:
        t = thresholds
        weeks = max(
            t.rising_baseline_weeks + t.rising_monitor_weeks + 1,
            t.overextension_baseline_weeks + t.overextension_recent_weeks,
            t.withdrawal_prior_weeks + t.withdrawal_recent_weeks,
        )
        median_weeks = max(
            t.overextension_baseline_weeks + t.overextension_recent_weeks,
            t.withdrawal_prior_weeks + t.withdrawal_recent_weeks,
        )
        this_monday = week_start(now.date())
        return cls(
            now=now,
            weeks=weeks,
            first_week=this_monday - dt.timedelta(weeks=weeks),
            median_weeks=median_weeks,
        )

    @property
    def week_starts(self) -> tuple[dt.date, ...]:
        return tuple(self.first_week + dt.timedelta(weeks=i) for i in range(self.weeks))

    def week_begins_at(self, monday: dt.date) -> dt.datetime:
        zone = self.now.tzinfo
        if zone is None:
            raise ValueError("the scan's now must carry the clinic's time zone")
        return week_bounds(monday, zone)[0]


def query_parameters(
    *,
    clinic_id: int,
    zone_name: str,
    window: ScanWindow,
    thresholds: DetectorThresholds,
    first_id: int | None = None,
    last_id: int | None = None,
    client_ids: Sequence[int] | None = None,
) -> dict[str, Any]:
    t, now, today = thresholds, window.now, window.now.date()
    until = window.first_week + dt.timedelta(weeks=window.weeks)
    observation_weeks = max(
        t.dependency_window_weeks + dependency.USUAL_WEEKS, t.absence_observation_weeks
    )
    return {
        "clinic_id": clinic_id,
        "first_id": first_id if first_id is not None else 0,
        "last_id": last_id if last_id is not None else 2**62,
        "client_ids": list(client_ids) if client_ids is not None else None,
        "tz": zone_name,
        "now": now,
        "today": today,
        "first_week": window.first_week,
        "since": window.week_begins_at(window.first_week),
        "until": window.week_begins_at(until),
        "median_since": window.week_begins_at(
            until - dt.timedelta(weeks=window.median_weeks)
        ),
        # the window and the client's own earlier weeks it is compared with;
        # a client with fewer contacts outside the agreement in the window
        # than the minimum cannot flag, so its rows are not read at all
        "policy_since": now
        - dt.timedelta(weeks=t.policy_window_weeks + t.policy_baseline_weeks),
        "policy_window_since": now - dt.timedelta(weeks=t.policy_window_weeks),
        "policy_min": t.policy_min_count,
        "ending_since": now - dt.timedelta(weeks=t.after_ending_window_weeks),
        "rupture_since": now - dt.timedelta(weeks=t.rupture_repeat_weeks),
        "observation_since": now - dt.timedelta(weeks=observation_weeks),
        # the latest measure and those it is compared with
        "measures_read": dependency.PREVIOUS_MEASURES + 1,
        "absence_recent_on": today - dt.timedelta(days=ABSENCE_AFTERCARE_DAYS),
        "absence_ahead_on": today + dt.timedelta(days=t.absence_lookahead_days),
        "absence_baseline_days": 7 * t.absence_baseline_weeks,
        "flag_memory_on": today - dt.timedelta(days=FLAG_MEMORY_DAYS),
    }


class ClientStream:
    """Rows of one query, ordered by client id (the first column), read from
    a server-side cursor a batch at a time."""

    def __init__(self, sql: str, params: dict[str, Any]) -> None:
        self._cursor = connection.chunked_cursor()
        self._cursor.execute(sql, params)
        self._buffer: deque[Row] = deque()
        self._done = False

    def _fill(self) -> bool:
        if not self._buffer and not self._done:
            rows = self._cursor.fetchmany(FETCH_ROWS)
            if rows:
                self._buffer.extend(rows)
            else:
                self._done = True
        return bool(self._buffer)

    def rows_through(self, last_id: int) -> list[Row]:
        """Every remaining row whose client id is at most ``last_id``."""
        taken: list[Row] = []
        while self._fill():
            if self._buffer[-1][0] <= last_id:
                taken.extend(self._buffer)
                self._buffer.clear()
                continue
            while self._buffer[0][0] <= last_id:
                taken.append(self._buffer.popleft())
            break
        return taken

    def by_client(self, last_id: int) -> dict[int, list[Row]]:
        grouped: dict[int, list[Row]] = defaultdict(list)
        for row in self.rows_through(last_id):
            grouped[row[0]].append(row)
        return grouped

    def batches(self, size: int) -> Iterator[list[Row]]:
        """The stream itself in batches (for the clients query)."""
        while True:
            rows = self._cursor.fetchmany(size)
            if not rows:
                return
            yield rows

    def close(self) -> None:
        self._cursor.close()


def absences_by_therapist(
    params: dict[str, Any],
) -> dict[int, list[tuple[int, dt.date, dt.date, bool]]]:
    """Every absence that touches the lookback or the lookahead, per therapist."""
    with connection.cursor() as cursor:
        cursor.execute(ABSENCES_SQL, params)
        found: dict[int, list[tuple[int, dt.date, dt.date, bool]]] = defaultdict(list)
        for absence_id, therapist_id, starts_on, ends_on, covered in cursor:
            found[therapist_id].append((absence_id, starts_on, ends_on, covered))
    return found
