"""The pattern scan: set-based gathering, the pure detectors, bulk flag writes.

One scan covers one clinic, or a range or list of its clients, *as of* ``now``:
nothing recorded after ``now`` is read, and new flags are detected at ``now``.

* **Reads** (:mod:`attachment.engine.reads`): one aggregate query per detector input,
  streamed in client order, so the number of queries does not grow with the
  number of clients and memory holds one chunk of clients at a time.
* **Detectors** (:mod:`attachment.engine.detect`): the pure functions of
  :mod:`attachment.engine.patterns`, with vectorised screens in front of the weekly
  ones.
* **Writes** (:func:`write_flags`): ``INSERT … ON CONFLICT (client_id, kind,
  window_start) DO UPDATE`` in batches.  A finding that continues an existing
  flag's episode (its window overlaps, or starts within :data:`EPISODE_GAP` of
  the flag's end) takes that flag's ``window_start``, so a pattern that holds
  week after week refreshes one flag rather than adding one a week.  The
  update only touches flags under review (open, acknowledged, in
  supervision): a dismissed or resolved episode is never raised again.
  A live flag whose pattern no longer holds is kept and marked
  ``active = false`` with ``evidence["no_longer_active"]``.
* **Archiving** (:data:`ARCHIVE_SQL`): a flag no longer active for
  :data:`ARCHIVE_AFTER` (28 days since its last update, which is when the scan
  marked it no longer active) gets ``archived_at``: still readable, out of
  the queue.  A flag in supervision is never archived, and an archived flag is
  never re-opened or refreshed by a scan (nor does it anchor a new episode).
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection, transaction

from attachment.engine import patterns as p
from attachment.engine.detect import (
    ChunkClient,
    absent_weeks,
    record_findings,
    week_matrix,
    weekly_findings,
)
from attachment.engine.reads import (
    STREAMS,
    ClientStream,
    ScanWindow,
    absences_by_therapist,
    query_parameters,
    scoped,
)
from attachment.models import LIVE_FLAG_STATUSES, Flag, FlagStatus, flag_kind_of

CHUNK_CLIENTS = 1000
WRITE_BATCH = 5000
EPISODE_GAP = dt.timedelta(days=7)
ARCHIVE_AFTER = dt.timedelta(days=28)
EXPLANATION_MAX = Flag._meta.get_field("explanation").max_length
_LIVE = [str(s) for s in LIVE_FLAG_STATUSES]


@dataclass
class ScanCounts:
    """What a scan did, in counts only (it is logged and printed)."""

    clients: int = 0
    findings: int = 0
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    archived: int = 0

    def add(self, other: ScanCounts) -> None:
        for name in (
            "clients",
            "findings",
            "created",
            "updated",
            "deactivated",
            "archived",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self) -> str:
        return (
            f"clients={self.clients} findings={self.findings} created={self.created} "
            f"updated={self.updated} no_longer_active={self.deactivated} "
            f"archived={self.archived}"
        )


@dataclass(frozen=True)
class ExistingFlag:
    flag_id: int
    kind: str
    window_start: dt.date
    window_end: dt.date
    status: str
    active: bool


# One flag to upsert: client, therapist, kind, tier, window start and end,
# explanation, score and evidence (JSON), in the order of the upsert's columns.
FlagRow = tuple[int, int, str, str, dt.date, dt.date, str, float, str]


@dataclass
class _Pending:
    """Flag rows to upsert and live flags to mark no longer active."""

    rows: dict[tuple[int, str, dt.date], FlagRow] = field(default_factory=dict)
    deactivate: list[int] = field(default_factory=list)


def scan_clinic_clients(
    *,
    clinic_id: int,
    zone_name: str,
    now: dt.datetime,
    thresholds: p.DetectorThresholds,
    first_id: int | None = None,
    last_id: int | None = None,
    client_ids: Sequence[int] | None = None,
    chunk_clients: int = CHUNK_CLIENTS,
    progress: Callable[[int], None] | None = None,
) -> ScanCounts:
    """Scan the clinic's clients (all, an id range, or a list) as of ``now``."""
    local_now = now.astimezone(zoneinfo.ZoneInfo(zone_name))
    window = ScanWindow.build(now=local_now, thresholds=thresholds)
    params = query_parameters(
        clinic_id=clinic_id,
        zone_name=zone_name,
        window=window,
        thresholds=thresholds,
        first_id=first_id,
        last_id=last_id,
        client_ids=client_ids,
    )
    counts = ScanCounts()
    pending = _Pending()
    with transaction.atomic():
        absences = absences_by_therapist(params)
        away = {tid: absent_weeks(rows, window) for tid, rows in absences.items()}
        streams = {name: ClientStream(sql, params) for name, sql in STREAMS.items()}
        try:
            for batch in streams["clients"].batches(chunk_clients):
                clients = [ChunkClient(*row) for row in batch]
                _scan_chunk(
                    clients,
                    streams,
                    absences,
                    away,
                    window,
                    thresholds,
                    pending,
                    counts,
                )
                if len(pending.rows) >= WRITE_BATCH:
                    _flush(pending, now, counts)
                if progress is not None:
                    progress(len(clients))
        finally:
            for stream in streams.values():
                stream.close()
        _flush(pending, now, counts, final=True)
        counts.archived += archive_inactive(params, now)
    return counts


def _scan_chunk(
    clients: list[ChunkClient],
    streams: dict[str, ClientStream],
    absences: dict[int, list[tuple[int, dt.date, dt.date, bool]]],
    away: dict[int, np.ndarray],
    window: ScanWindow,
    thresholds: p.DetectorThresholds,
    pending: _Pending,
    counts: ScanCounts,
) -> None:
    last_id = clients[-1].client_id
    matrix = week_matrix(clients, streams["weekly"].rows_through(last_id), away, window)
    per_record = {
        name: streams[name].by_client(last_id)
        for name in (
            "policy",
            "after_ending",
            "ruptures",
            "observations",
            "measures",
            "absence_counts",
        )
    }
    existing = streams["flags"].by_client(last_id)
    found: dict[int, list[p.Finding]] = {}
    for client, finding in weekly_findings(clients, matrix, window, thresholds):
        found.setdefault(client.client_id, []).append(finding)
    for client in clients:
        rows = {
            name: by[client.client_id]
            for name, by in per_record.items()
            if client.client_id in by
        }
        findings = found.get(client.client_id, [])
        if rows:
            findings += record_findings(
                client,
                rows,
                absences.get(client.therapist_id, []),
                window,
                thresholds,
            )
        flags = [ExistingFlag(*row[1:]) for row in existing.get(client.client_id, [])]
        _plan_writes(client, findings, flags, window, pending)
        counts.findings += len(findings)
    counts.clients += len(clients)


def _anchor(
    kind: str, start: dt.date, end: dt.date, flags: list[ExistingFlag]
) -> ExistingFlag | None:
    """The existing flag whose episode this finding continues, if any."""
    same = [
        f
        for f in flags
        if f.kind == kind
        and f.window_start <= end
        and f.window_end + EPISODE_GAP >= start
    ]
    exact = [f for f in same if f.window_start == start]
    if exact:
        return exact[0]
    return max(same, key=lambda f: f.window_end, default=None)


def _plan_writes(
    client: ChunkClient,
    findings: list[p.Finding],
    flags: list[ExistingFlag],
    window: ScanWindow,
    pending: _Pending,
) -> None:
    kept: set[int] = set()
    for finding in findings:
        kind = flag_kind_of(finding.kind, finding.part)
        anchor = _anchor(kind, finding.window_start, finding.window_end, flags)
        start = anchor.window_start if anchor else finding.window_start
        end = (
            max(finding.window_end, anchor.window_end)
            if anchor
            else (finding.window_end)
        )
        if anchor is not None:
            kept.add(anchor.flag_id)
        evidence = {**finding.evidence, "no_longer_active": False}
        explanation = finding.explanation
        if start != finding.window_start:
            evidence["detector_window"] = [
                finding.window_start.isoformat(),
                finding.window_end.isoformat(),
            ]
            # the flag's window starts earlier than the detector's: say so
            explanation = (
                f"{explanation.rstrip('.')}; this pattern was first seen on "
                f"{p.day_text(start)}."
            )
        key = (client.client_id, kind.value, start)
        previous = pending.rows.get(key)
        if previous is not None and previous[7] >= finding.score:
            continue
        pending.rows[key] = (
            client.client_id,
            client.therapist_id,
            kind.value,
            finding.tier.value,
            start,
            end,
            explanation[:EXPLANATION_MAX],
            finding.score,
            json.dumps(evidence, sort_keys=True),
        )
    today = window.now.date()
    pending.deactivate.extend(
        f.flag_id
        for f in flags
        if f.active
        and f.status in _LIVE
        and f.flag_id not in kept
        and f.window_start <= today
    )


UPSERT_SQL = """
    INSERT INTO attachment_flag AS f (
        client_id, therapist_id, kind, tier, window_start, window_end,
        explanation, score, evidence, detected_at, updated_at, status, active
    )
    SELECT v.client_id, v.therapist_id, v.kind, v.tier, v.window_start,
           v.window_end, v.explanation, v.score, v.evidence::jsonb,
           %(now)s, %(now)s, 'open', true
    FROM jsonb_to_recordset(%(rows)s::jsonb) AS v(
        client_id bigint, therapist_id bigint, kind text, tier text,
        window_start date, window_end date, explanation text, score float8,
        evidence text
    )
    ON CONFLICT (client_id, kind, window_start) DO UPDATE SET
        therapist_id = EXCLUDED.therapist_id,
        tier = EXCLUDED.tier,
        window_end = GREATEST(f.window_end, EXCLUDED.window_end),
        explanation = EXCLUDED.explanation,
        score = EXCLUDED.score,
        evidence = EXCLUDED.evidence,
        active = true,
        updated_at = EXCLUDED.updated_at
    WHERE f.status = ANY(%(live)s)
      AND f.archived_at IS NULL
      AND (f.evidence IS DISTINCT FROM EXCLUDED.evidence
           OR f.tier IS DISTINCT FROM EXCLUDED.tier
           OR f.window_end < EXCLUDED.window_end
           OR f.therapist_id IS DISTINCT FROM EXCLUDED.therapist_id
           OR NOT f.active)
    RETURNING (xmax = 0)
"""

DEACTIVATE_SQL = """
    UPDATE attachment_flag
    SET active = false,
        updated_at = %(now)s,
        evidence = evidence || jsonb_build_object(
            'no_longer_active', true, 'no_longer_active_since', %(today)s::text)
    WHERE id = ANY(%(ids)s) AND active AND status = ANY(%(live)s)
"""

# Flags of the scanned clients no longer active for ARCHIVE_AFTER, outside
# supervision, get archived_at (updated_at is left as the moment the scan
# marked them no longer active).
ARCHIVE_SQL = scoped(
    """
    UPDATE attachment_flag f
    SET archived_at = %(now)s
    FROM scope s
    WHERE f.client_id = s.id
      AND NOT f.active
      AND f.archived_at IS NULL
      AND f.status <> %(in_supervision)s
      AND f.updated_at <= %(archive_before)s
"""
)


def archive_inactive(params: dict[str, Any], now: dt.datetime) -> int:
    """Archive the scope's flags no longer active for :data:`ARCHIVE_AFTER`."""
    with connection.cursor() as cursor:
        cursor.execute(
            ARCHIVE_SQL,
            {
                **params,
                "now": now,
                "archive_before": now - ARCHIVE_AFTER,
                "in_supervision": str(FlagStatus.IN_SUPERVISION),
            },
        )
        return int(cursor.rowcount)


_COLUMNS = (
    "client_id",
    "therapist_id",
    "kind",
    "tier",
    "window_start",
    "window_end",
    "explanation",
    "score",
    "evidence",
)


def _flush(
    pending: _Pending, now: dt.datetime, counts: ScanCounts, *, final: bool = False
) -> None:
    """One upsert for the batch (a JSON recordset keeps it one statement with
    three parameters, whatever the batch size); on the final flush, one
    update for every flag no longer active."""
    with connection.cursor() as cursor:
        if pending.rows:
            rows = [
                {
                    **dict(zip(_COLUMNS, row, strict=True)),
                    "window_start": row[4].isoformat(),
                    "window_end": row[5].isoformat(),
                }
                for row in pending.rows.values()
            ]
            cursor.execute(
                UPSERT_SQL, {"rows": json.dumps(rows), "now": now, "live": _LIVE}
            )
            for (created,) in cursor.fetchall():
                if created:
                    counts.created += 1
                else:
                    counts.updated += 1
            pending.rows.clear()
        if final and pending.deactivate:
            cursor.execute(
                DEACTIVATE_SQL,
                {
                    "ids": pending.deactivate,
                    "now": now,
                    "today": now.date().isoformat(),
                    "live": _LIVE,
                },
            )
            counts.deactivated += cursor.rowcount
            pending.deactivate.clear()
