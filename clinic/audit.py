"""Audit events: one row for every read of a clinical page and every write.

Only ids go in; the row says who touched which record, never what it says.

The rows form a hash chain, so that the log is tamper-evident even to whoever
can lift its append-only trigger.  Each row has a gapless ``seq``, given in
insertion order, and a ``mac``: HMAC-SHA256 under ``settings.AUDIT_HMAC_KEY``
of the row's content and the mac of the row before it.  The key never reaches
the database, so a row deleted, edited, reordered or forged there leaves macs
that no longer agree, and ``chain_check`` (``manage.py audit_verify``) names
the first place where they stop agreeing.  Someone holding the key could
still rewrite the whole chain consistently; an anchor (``chain_anchor``, daily
by beat) keeps the head's (seq, mac) as a signed line outside the database,
so such a rewrite no longer holds the anchored row.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import ipaddress
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import Max
from django.http import HttpRequest

from clinic.client_ip import client_ip
from clinic.models import AuditAction, AuditEvent, Client, User

log = logging.getLogger("clinic.audit")

# The one transaction-scoped advisory lock (single-bigint key space) that
# every chain append takes: appends queue, one transaction at a time.
CHAIN_LOCK_KEY = 20_260_301
# Names the serialisation (chain_mac), so that a future change of it cannot be
# confused with this one.  Changing either fails every existing row.
CHAIN_FORMAT = "between-audit-chain-v1"
ANCHOR_FORMAT = "between-audit-anchor-v1"
# The mac "before" the first row.
GENESIS_MAC = ""
ANCHOR_FILE = "anchors.jsonl"
# Rows read per round trip by the server-side cursor of a check, and the
# columns it reads.
CHECK_CHUNK = 5000
CHAIN_FIELDS = (
    "seq",
    "mac",
    "actor_id",
    "clinic_id",
    "action",
    "object_type",
    "object_id",
    "client_id",
    "at",
    "ip",
)


def request_ip(request: HttpRequest | None) -> str | None:
    """The client's address as the trusted-proxy setting reads it, the same
    one the sign-in lockout uses (:mod:`clinic.client_ip`)."""
    if request is None:
        return None
    return client_ip(request) or None


def _event(
    *,
    actor: User | None,
    action: AuditAction | str,
    obj: models.Model | None,
    object_type: str | None,
    client_id: int | None,
    clinic_id: int | None,
    ip: str | None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        if client_id is None:
            # A client's own events are on its trail; any other record names
            # its client.
            client_id = (
                obj.pk if isinstance(obj, Client) else getattr(obj, "client_id", None)
            )
        if clinic_id is None:
            clinic_id = getattr(obj, "clinic_id", None)
    return AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=object_type or "",
        object_id=obj.pk if obj is not None else None,
        client_id=client_id,
        clinic_id=clinic_id,
        ip=ip,
    )


def audit_event(
    *,
    actor: User | None,
    action: AuditAction | str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    client_id: int | None = None,
    clinic_id: int | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """One event as ``audit_record`` writes it, unsaved: for a writer that
    puts several events into one INSERT (``AuditEvent.objects.bulk_create``)."""
    return _event(
        actor=actor,
        action=action,
        obj=obj,
        object_type=object_type,
        client_id=client_id,
        clinic_id=clinic_id,
        ip=request_ip(request),
    )


def audit_record(
    *,
    actor: User | None,
    action: AuditAction | str,
    at: dt.datetime | None = None,
    obj: models.Model | None = None,
    object_type: str | None = None,
    client_id: int | None = None,
    clinic_id: int | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """One event.  ``at`` is taken for the callers' sake and not stored: the
    row's time is the database's clock as it joins the chain, which no
    caller can set."""
    event = audit_event(
        actor=actor,
        action=action,
        obj=obj,
        object_type=object_type,
        client_id=client_id,
        clinic_id=clinic_id,
        request=request,
    )
    return AuditEvent.objects.bulk_create([event])[0]


def audit_client_read(
    request: HttpRequest,
    client: Client,
    now: dt.datetime,
    obj: models.Model | None = None,
) -> AuditEvent:
    """A clinician's read of a client's record page (``obj``, else the client
    itself); an edit form counts too, as it shows the record's text."""
    return audit_record(
        actor=request.user if isinstance(request.user, User) else None,
        action=AuditAction.READ,
        obj=obj or client,
        client_id=client.pk,
        clinic_id=client.clinic_id,
        at=now,
        request=request,
    )


def audit_events(
    *,
    actor: User | None,
    action: AuditAction | str,
    objs: Sequence[models.Model],
    clinic_id: int | None = None,
    request: HttpRequest | None = None,
) -> list[AuditEvent]:
    """One event per object, unsaved (see ``audit_event``)."""
    ip = request_ip(request)
    return [
        _event(
            actor=actor,
            action=action,
            obj=obj,
            object_type=None,
            client_id=None,
            clinic_id=clinic_id,
            ip=ip,
        )
        for obj in objs
    ]


def audit_records(
    *,
    actor: User | None,
    action: AuditAction | str,
    objs: Sequence[models.Model],
    at: dt.datetime | None = None,
    clinic_id: int | None = None,
    request: HttpRequest | None = None,
) -> list[AuditEvent]:
    """One event per object, as ``audit_record`` writes it, in one INSERT."""
    return AuditEvent.objects.bulk_create(
        audit_events(
            actor=actor, action=action, objs=objs, clinic_id=clinic_id, request=request
        )
    )


def client_write_events(
    *,
    actor: User | None,
    action: AuditAction | str,
    objs: Sequence[models.Model],
    clinic_id: int | None = None,
    request: HttpRequest | None = None,
) -> list[AuditEvent]:
    """The events (unsaved) of many records of one kind written together, as
    a batch writer audits them: one per client (``obj.client_id``), naming
    the record when the client had just one, as the CSV import's one event
    per client does for a file."""
    by_client: dict[int | None, list[models.Model]] = {}
    for obj in objs:
        by_client.setdefault(getattr(obj, "client_id", None), []).append(obj)
    ip = request_ip(request)
    events = []
    for client_id, written in sorted(by_client.items(), key=lambda kv: kv[0] or 0):
        event = _event(
            actor=actor,
            action=action,
            obj=written[0],
            object_type=None,
            client_id=client_id,
            clinic_id=clinic_id,
            ip=ip,
        )
        if len(written) > 1:
            event.object_id = None
        events.append(event)
    return events


class Denial(Protocol):
    """A refusal as its event names it (``clinic.access.Refusal``)."""

    @property
    def actor_id(self) -> int | None: ...
    @property
    def object_type(self) -> str: ...
    @property
    def object_id(self) -> int | None: ...


def audit_denials(
    *,
    denials: Iterable[Denial],
    clinic_id: int | None = None,
    request: HttpRequest | None = None,
) -> list[AuditEvent]:
    """One ``denied`` event per refusal, in one INSERT.

    A refusal has no record in hand (the one asked for may not exist), so the
    event names it by type and id, and puts it on no client's trail.
    ``clinic_id`` is the clinic of the person refused, when known."""
    ip = request_ip(request)
    return AuditEvent.objects.bulk_create(
        AuditEvent(
            actor_id=denial.actor_id,
            action=AuditAction.DENIED,
            object_type=denial.object_type,
            object_id=denial.object_id,
            clinic_id=clinic_id,
            ip=ip,
        )
        for denial in denials
    )


# --- the chain -----------------------------------------------------------


class ChainContent(Protocol):
    """What a row's mac covers: an event, a historical model's row in a
    migration, or a row read back for a check."""

    @property
    def actor_id(self) -> int | None: ...
    @property
    def clinic_id(self) -> int | None: ...
    @property
    def action(self) -> str: ...
    @property
    def object_type(self) -> str: ...
    @property
    def object_id(self) -> int | None: ...
    @property
    def client_id(self) -> int | None: ...
    @property
    def at(self) -> dt.datetime: ...
    @property
    def ip(self) -> str | None: ...


class ChainRow(ChainContent, Protocol):
    @property
    def seq(self) -> int: ...
    @property
    def mac(self) -> str: ...


def chain_key() -> str:
    return settings.AUDIT_HMAC_KEY


def _moment(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _address(ip: str | None) -> str | None:
    """The address as PostgreSQL's inet gives it back, in one spelling."""
    return ipaddress.ip_address(ip).compressed if ip else None


def _sign(key: str, values: list[object]) -> str:
    message = json.dumps(values, separators=(",", ":")).encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def chain_mac(*, key: str, row: ChainContent, previous: str) -> str:
    """The mac of ``row`` after a row whose mac is ``previous``."""
    return _sign(
        key,
        [
            CHAIN_FORMAT,
            previous,
            row.actor_id,
            row.clinic_id,
            str(row.action),
            row.object_type,
            row.object_id,
            row.client_id,
            _moment(row.at),
            _address(row.ip),
        ],
    )


def chain_link(events: Sequence[AuditEvent], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Give ``events`` the next seqs, the database's time and their macs.

    Runs in the transaction that inserts them, after taking the chain's
    advisory lock, which that transaction keeps until it ends: the next
    writer then reads this transaction's last row as the head (or, after a
    rollback, the same head again), so seqs stay unique and gapless and each
    mac covers the row that really comes before.
    """
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("chain_link must run in the inserting transaction")
    with connection.cursor() as cursor:
        # pg_advisory_xact_lock, then the head (clinic/migrations/0005).
        cursor.execute("SELECT * FROM clinic_audit_chain_head(%s)", [CHAIN_LOCK_KEY])
        at, seq, previous = cursor.fetchone()
    key = chain_key()
    seq, previous = seq or 0, previous or GENESIS_MAC
    for event in events:
        seq += 1
        event.seq, event.at = seq, at
        event.mac = previous = chain_mac(key=key, row=event, previous=previous)


# --- checking it ---------------------------------------------------------


class Fault(enum.StrEnum):
    MISSING = "missing"
    EDITED = "edited"
    REORDERED = "reordered"
    ANCHOR = "anchor"


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the chain fails: the seq expected there."""

    seq: int
    fault: Fault
    detail: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.fault}: {self.detail}"


@dataclass
class ChainCheck:
    rows: int = 0
    anchors_met: int = 0
    broken: ChainBreak | None = None


def _seq_break(row: ChainRow, *, expected: int) -> ChainBreak | None:
    if row.seq == expected:
        return None
    if row.seq > expected:
        return ChainBreak(
            expected,
            Fault.MISSING,
            f"seq {expected} to {row.seq - 1} are missing: rows were deleted",
        )
    return ChainBreak(
        expected, Fault.REORDERED, f"found seq {row.seq} where {expected} belongs"
    )


def _misplaced(
    row: ChainRow, *, previous: str, key: str, rows: Iterable[ChainRow]
) -> ChainBreak:
    """Why ``row``'s mac fails: it chains after another row, another row
    chains here, or neither (its content or mac was changed)."""
    for other in rows:
        if other.seq == row.seq:
            continue
        if chain_mac(key=key, row=row, previous=other.mac) == row.mac:
            return ChainBreak(
                row.seq,
                Fault.REORDERED,
                f"this row belongs after seq {other.seq}: rows were reordered",
            )
        if chain_mac(key=key, row=other, previous=previous) == other.mac:
            return ChainBreak(
                row.seq,
                Fault.REORDERED,
                f"seq {other.seq} belongs here: a row was inserted or rows reordered",
            )
    return ChainBreak(
        row.seq,
        Fault.EDITED,
        "the mac does not match the row: it was edited or forged, "
        "or a row before it was removed and the rest renumbered",
    )


def _anchor_break(
    row: ChainRow, *, anchors: Mapping[int, set[str]]
) -> ChainBreak | None:
    if anchors.get(row.seq, {row.mac}) == {row.mac}:
        return None
    return ChainBreak(
        row.seq,
        Fault.ANCHOR,
        "an anchor holds another mac for this seq: the chain was rewritten",
    )


def _anchor_past_end(
    anchors: Mapping[int, set[str]], *, last: int
) -> ChainBreak | None:
    beyond = [seq for seq in anchors if seq > last]
    if not beyond:
        return None
    return ChainBreak(
        min(beyond),
        Fault.ANCHOR,
        f"anchored, but the chain ends at seq {last}: rows were removed "
        "or the chain was rewritten",
    )


def chain_verify(
    *,
    rows: Iterable[ChainRow],
    anchors: Mapping[int, set[str]],
    key: str,
    rows_again: Callable[[], Iterable[ChainRow]],
) -> ChainCheck:
    """Recompute the chain from its first row (``rows`` in seq order) and
    stop at the first break.  ``anchors`` maps an anchored seq to the macs
    anchored for it; ``rows_again`` reads the rows once more, only to tell a
    reordering from an edit."""
    check = ChainCheck()
    previous = GENESIS_MAC
    for row in rows:
        expected = check.rows + 1
        check.rows = expected
        check.broken = _seq_break(row, expected=expected)
        if check.broken is None and chain_mac(key=key, row=row, previous=previous) != (
            row.mac
        ):
            check.broken = _misplaced(
                row, previous=previous, key=key, rows=rows_again()
            )
        if check.broken is None:
            check.broken = _anchor_break(row, anchors=anchors)
        if check.broken is not None:
            return check
        check.anchors_met += row.seq in anchors
        previous = row.mac
    check.broken = _anchor_past_end(anchors, last=check.rows)
    return check


def chain_rows(*, using: str = DEFAULT_DB_ALIAS) -> Iterator[ChainRow]:
    """Every row in seq order, through a server-side cursor."""
    return (
        AuditEvent.objects.using(using)
        .order_by("seq")
        .values_list(*CHAIN_FIELDS, named=True)
        .iterator(chunk_size=CHECK_CHUNK)
    )


# --- anchors -------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    seq: int
    mac: str
    at: dt.datetime


@dataclass
class AnchorFile:
    """The anchors read from a directory, and the lines that fail."""

    macs: dict[int, set[str]] = field(default_factory=dict)
    lines: int = 0
    bad: list[str] = field(default_factory=list)


def _anchor_values(seq: int, mac: str, at: str) -> list[object]:
    return [ANCHOR_FORMAT, seq, mac, at]


def anchor_line(anchor: Anchor, *, key: str) -> str:
    """The anchor as one signed JSON line."""
    at = _moment(anchor.at)
    signature = _sign(key, _anchor_values(anchor.seq, anchor.mac, at))
    return json.dumps(
        {"seq": anchor.seq, "mac": anchor.mac, "at": at, "sig": signature},
        sort_keys=True,
    )


def anchor_parse(line: str, *, key: str) -> Anchor | None:
    """The anchor a line holds, or None when it is malformed or its
    signature fails."""
    try:
        data = json.loads(line)
        seq, mac, at, signature = data["seq"], data["mac"], data["at"], data["sig"]
        expected = _sign(key, _anchor_values(seq, mac, at))
        if not hmac.compare_digest(str(signature), expected):
            return None
        return Anchor(seq=int(seq), mac=str(mac), at=dt.datetime.fromisoformat(at))
    except (ValueError, KeyError, TypeError):
        return None


def anchors_read(*, directory: Path, key: str) -> AnchorFile:
    """Every ``*.jsonl`` file in ``directory`` (none when it does not exist)."""
    found = AnchorFile()
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            found.lines += 1
            anchor = anchor_parse(line, key=key)
            if anchor is None:
                found.bad.append(f"{path.name}:{number}")
            else:
                found.macs.setdefault(anchor.seq, set()).add(anchor.mac)
    return found


# The database's time and the last row's (seq, mac), NULLs when there is none.
HEAD_SQL = (
    "SELECT clock_timestamp(), head.seq, head.mac FROM (SELECT 1) AS here "
    "LEFT JOIN (SELECT seq, mac FROM clinic_auditevent ORDER BY seq DESC LIMIT 1) "
    "AS head ON true"
)


def chain_head(*, using: str = DEFAULT_DB_ALIAS) -> Anchor | None:
    """The last committed row's (seq, mac), with the database's time."""
    with connections[using].cursor() as cursor:
        cursor.execute(HEAD_SQL)
        at, seq, mac = cursor.fetchone()
    return None if seq is None else Anchor(seq=seq, mac=mac, at=at)


def chain_anchor(*, directory: Path) -> Anchor | None:
    """Append the head as a signed line to ``directory``'s anchor file and to
    the log; None (and nothing written) while the log is empty.

    Rows are committed in seq order (the chain's lock is held to commit), so
    the head read here is the end of a complete prefix."""
    head = chain_head()
    if head is None:
        return None
    line = anchor_line(head, key=chain_key())
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ANCHOR_FILE).open("a", encoding="utf-8") as file:
        file.write(line + "\n")
        file.flush()
        os.fsync(file.fileno())
    log.info("audit chain anchor %s", line)
    return head


@dataclass
class ChainReport:
    check: ChainCheck
    anchors: AnchorFile
    length: int

    @property
    def ok(self) -> bool:
        return self.check.broken is None and not self.anchors.bad


def chain_check(
    *,
    directory: Path,
    progress: Callable[[Iterable[ChainRow], int], Iterable[ChainRow]] = (
        lambda rows, length: rows
    ),
) -> ChainReport:
    """Verify the whole chain against the anchors in ``directory``.

    One transaction, so that the rows stream through a plain server-side
    cursor; ``progress(rows, length)`` may wrap them (a progress bar)."""
    key = chain_key()
    anchors = anchors_read(directory=directory, key=key)
    with transaction.atomic():
        length = AuditEvent.objects.aggregate(last=Max("seq"))["last"] or 0
        check = chain_verify(
            rows=progress(chain_rows(), length),
            anchors=anchors.macs,
            key=key,
            rows_again=chain_rows,
        )
    return ChainReport(check=check, anchors=anchors, length=length)


# --- the record of checks --------------------------------------------------

VERIFIED_FORMAT = "between-audit-verified-v1"
# One signed line per run of ``audit_verify``, next to the anchors.  Not a
# ``*.jsonl`` file: ``anchors_read`` takes every one of those for anchors.
VERIFIED_FILE = "verified.log"


@dataclass(frozen=True)
class Verification:
    """One check of the chain: when, how many rows, and its first problem
    ("" when there was none)."""

    at: dt.datetime
    rows: int
    problem: str

    @property
    def ok(self) -> bool:
        return not self.problem


def _verified_values(at: str, rows: int, problem: str) -> list[object]:
    return [VERIFIED_FORMAT, at, rows, problem]


def verification_of(report: ChainReport, *, at: dt.datetime) -> Verification:
    problem = str(report.check.broken) if report.check.broken is not None else ""
    if not problem and report.anchors.bad:
        problem = (
            f"{len(report.anchors.bad)} anchor line(s) malformed or wrongly signed"
        )
    return Verification(at=at, rows=report.check.rows, problem=problem)


def verification_record(verification: Verification, *, directory: Path) -> None:
    """Append ``verification`` to ``directory``'s record of checks as a line
    signed with the chain's key, so that nobody without the key can make a
    failed check read as a passed one."""
    at = _moment(verification.at)
    values = _verified_values(at, verification.rows, verification.problem)
    line = json.dumps(
        {
            "at": at,
            "rows": verification.rows,
            "problem": verification.problem,
            "sig": _sign(chain_key(), values),
        },
        sort_keys=True,
    )
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / VERIFIED_FILE).open("a", encoding="utf-8") as file:
        file.write(line + "\n")
        file.flush()
        os.fsync(file.fileno())


def _verification_parse(line: str, *, key: str) -> Verification | None:
    try:
        data = json.loads(line)
        at, rows, problem = data["at"], data["rows"], data["problem"]
        expected = _sign(key, _verified_values(at, rows, problem))
        if not hmac.compare_digest(str(data["sig"]), expected):
            return None
        return Verification(
            at=dt.datetime.fromisoformat(at), rows=int(rows), problem=str(problem)
        )
    except (ValueError, KeyError, TypeError):
        return None


def verification_last(*, directory: Path) -> Verification | None:
    """The latest check whose line is signed with the chain's key; None when
    the chain was never checked (or no line holds)."""
    path = directory / VERIFIED_FILE
    if not path.exists():
        return None
    key = chain_key()
    for line in reversed(path.read_text("utf-8").splitlines()):
        verification = _verification_parse(line, key=key)
        if verification is not None:
            return verification
    return None
