"""Contacts in bulk: the CSV import, and the set-based writer it shares with the demo.

The import is all or nothing.  Every row is checked first, with a handful of
queries for the whole file (client codes, existing row hashes), and every bad
row is reported as ``line N: reason``; only a clean file is written, in one
transaction, with one COPY.  A row's natural key is a hash of its content,
unique per client, so importing the same file twice adds nothing.  The
clients written to are queued for a re-scan once the transaction commits
(run in this process only where no broker is configured: Celery's eager
mode, ``clinic.settings``).

Reasons never repeat a cell's value: a shifted column could put a summary in
any of them, and summaries are clinical text.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter
from typing import Any

from django.db import connection, transaction
from tqdm import tqdm

from attachment.agreements.terms import TermsTimeline, terms_timelines
from attachment.models import SUMMARY_MAX_LENGTH, Contact, Direction, Purpose, Source
from attachment.records.contact_columns import contact_columns_update
from attachment.records.facts import (
    FROM_CLIENT,
    NEVER_A_BREACH,
    ROLLING_WEEK,
    counts_for_policy,
    over_limit_flags,
)
from attachment.records.services import (
    FUTURE_TOLERANCE,
    _request_rescans,
    absence_periods,
    apply_facts,
)
from clinic.models import AuditAction, AuditEvent, Channel, Client, Clinic
from clinic.refusals import Refused

CHOICE_COLUMNS = ("channel", "direction", "purpose", "source")
HEADER = [
    "client_code",
    "occurred_at",
    "channel",
    "direction",
    "purpose",
    "summary",
    "responded_at",
]


class ImportRejected(Refused):
    """The file has bad rows; ``errors`` holds one ``line N: reason`` each
    (line numbers and reasons only, never a cell's text)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} bad rows; nothing imported")
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    already_recorded: int = 0
    clients: set[int] = field(default_factory=set)


@dataclass(slots=True)
class NewContact:
    """A contact on its way into the database: the columns of
    :class:`~attachment.models.Contact` without the cost of a model instance,
    which matters at a hundred thousand rows.  ``contacts_bulk_create`` takes
    these or ``Contact`` instances alike."""

    client_id: int
    occurred_at: dt.datetime
    channel: str
    direction: str
    purpose: str = ""
    summary: str = ""
    responded_at: dt.datetime | None = None
    duration_minutes: int | None = None
    message_length: int | None = None
    source: str = Source.IMPORT.value
    row_hash: str = ""
    discussed_in_id: int | None = None
    after_hours: bool = False
    outside_agreement: bool = False
    over_weekly_limit: bool = False
    during_absence: bool = False
    after_ending: bool = False
    response_minutes: int | None = None
    responded_after_hours: bool = False
    logged_by_id: int | None = None
    logged_while: str = ""
    in_reply_to_id: int | None = None
    pk: None = None


@dataclass
class _Row:
    line: int
    client_id: int
    occurred_at: dt.datetime
    channel: str
    direction: str
    purpose: str
    summary: str
    responded_at: dt.datetime | None

    def row_hash(self) -> str:
        parts = [
            self.occurred_at.astimezone(dt.UTC).isoformat(),
            self.channel,
            self.direction,
            self.purpose,
            self.summary,
            self.responded_at.astimezone(dt.UTC).isoformat()
            if self.responded_at
            else "",
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _moment(value: str, name: str, now: dt.datetime) -> tuple[dt.datetime | None, str]:
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None, f"{name} is not an ISO 8601 time"
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None, f"{name} has no UTC offset"
    try:
        moment = moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        return None, f"{name} is out of range"
    if moment > now + FUTURE_TOLERANCE:
        return None, f"{name} is more than a day in the future"
    return moment, ""


CODES = {
    "channel": frozenset(Channel.values),
    "direction": frozenset(Direction.values),
    "purpose": frozenset(Purpose.values),
}
CODE_LISTS = {
    name: ", ".join(choices)
    for name, choices in (
        ("channel", Channel.values),
        ("direction", Direction.values),
        ("purpose", Purpose.values),
    )
}


def _code(value: str, name: str) -> tuple[str, str]:
    if value in CODES[name]:
        return value, ""
    return "", f"unknown {name} (use one of: {CODE_LISTS[name]})"


def _check_row(
    cells: list[str], line: int, *, codes: dict[str, int], now: dt.datetime
) -> tuple[_Row | None, list[str]]:
    if len(cells) != len(HEADER):
        return None, [f"expected {len(HEADER)} columns, found {len(cells)}"]
    code, occurred, channel, direction, purpose, summary, responded = cells
    problems = []
    client_id = codes.get(code.strip())
    if client_id is None:
        problems.append("unknown client code")
    occurred_at, problem = _moment(occurred, "occurred_at", now)
    problems.append(problem)
    channel, problem = _code(channel.strip(), "channel")
    problems.append(problem)
    direction, problem = _code(direction.strip(), "direction")
    problems.append(problem)
    purpose, problem = _code(purpose.strip(), "purpose")
    problems.append(problem)
    summary = summary.strip()
    if len(summary) > SUMMARY_MAX_LENGTH:
        problems.append(f"summary is longer than {SUMMARY_MAX_LENGTH} characters")
    if "\x00" in summary:
        problems.append("summary contains a NUL character")
    responded_at = None
    if responded.strip():
        responded_at, problem = _moment(responded, "responded_at", now)
        problems.append(problem)
        if responded_at and direction and direction != FROM_CLIENT:
            problems.append("responded_at is only for contacts from the client")
        if responded_at and occurred_at and responded_at < occurred_at:
            problems.append("responded_at is before occurred_at")
    problems = [problem for problem in problems if problem]
    if problems:
        return None, problems
    assert client_id is not None and occurred_at is not None  # noqa: S101
    row = _Row(
        line, client_id, occurred_at, channel, direction, purpose, summary, responded_at
    )
    return row, []


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of every non-empty record."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 1
    for cells in reader:
        # Some cell holds more than white space (one join: a file's worth).
        if "".join(cells).strip():
            yield line, cells
        line = reader.line_num + 1


def _parse(
    text: str, *, clinic: Clinic, now: dt.datetime
) -> tuple[list[_Row], list[str]]:
    errors: list[str] = []
    records: list[tuple[int, list[str]]] = []
    try:
        for line, cells in _records(text):
            records.append((line, cells))
    except csv.Error:
        line = records[-1][0] + 1 if records else 1
        errors.append(f"line {line} or soon after: unreadable CSV (check the quoting)")
    if not records or [cell.strip() for cell in records[0][1]] != HEADER:
        return [], [f"line 1: the header must be {','.join(HEADER)}", *errors]
    wanted = {cells[0].strip() for _, cells in records[1:]} - {""}
    wanted = {code for code in wanted if "\x00" not in code and len(code) <= 32}
    codes = dict(
        Client.objects.filter(clinic=clinic, code__in=wanted).values_list("code", "pk")
    )
    rows = []
    for line, cells in records[1:]:
        row, problems = _check_row(cells, line, codes=codes, now=now)
        errors.extend(f"line {line}: {problem}" for problem in problems)
        if row is not None:
            rows.append(row)
    return rows, errors


def _existing_hashes(client_ids: list[int], hashes: list[str]) -> set[tuple[int, str]]:
    """The (client, hash) pairs of ``hashes`` already stored.  The hashes (hex
    digits) travel as one comma-separated string that the server splits: a
    list parameter of a hundred thousand strings costs more to quote than the
    query takes to run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_id, row_hash FROM attachment_contact "
            "WHERE client_id = ANY(%s) AND row_hash = ANY(string_to_array(%s, ','))",
            [client_ids, ",".join(hashes)],
        )
        return set(cursor.fetchall())


def contacts_bulk_create(
    *,
    clinic: Clinic,
    contacts: Sequence[NewContact | Contact],
    progress: bool = False,
) -> int:
    """Derive the facts of many new contacts of ``clinic`` in bulk and insert
    them: policies, absences and the surrounding client-initiated contacts are
    read once for all, and the weekly-limit fact of existing contacts that the
    new ones push over the limit is updated too.

    The weekly-limit facts come first (they need only the times); the others
    are derived row by row as the COPY sends them, so that this process works
    out the next rows while the database files the ones before (indexes,
    change history)."""
    if not contacts:
        return 0
    client_ids = sorted({contact.client_id for contact in contacts})
    clients = Client.objects.select_related("clinic").in_bulk(client_ids)
    timelines = terms_timelines(clients=clients.values())
    absences = absence_periods(
        therapist_ids={client.therapist_id for client in clients.values()}
    )
    for contact in contacts:
        for name in CHOICE_COLUMNS:  # COPY wants plain strings, not enum members
            value = getattr(contact, name)
            if type(value) is not str:
                setattr(contact, name, str(value))
    changed = _weekly_flags(contacts, timelines)

    def with_facts(contact: NewContact | Contact) -> None:
        client = clients[contact.client_id]
        apply_facts(
            contact,
            client=client,
            timeline=timelines[client.pk],
            absences=absences.get(client.therapist_id, []),
        )

    _copy(contacts, prepare=with_facts, progress=progress)
    contact_columns_update(
        [(contact.pk, contact.over_weekly_limit) for contact in changed],
        ("over_weekly_limit",),
    )
    return len(contacts)


def _copy(
    contacts: Sequence[NewContact | Contact],
    *,
    prepare: Callable[[NewContact | Contact], None],
    progress: bool,
) -> None:
    """Insert with PostgreSQL's COPY, each row after ``prepare``: several times
    faster than INSERT for a large file.  Triggers (the change history) still
    fire for every row."""
    fields = [field for field in Contact._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    statement = f"COPY {Contact._meta.db_table} ({columns}) FROM STDIN"  # noqa: S608
    values = attrgetter(*(field.attname for field in fields))
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for contact in tqdm(
            contacts, disable=not progress, unit="row", desc="contacts"
        ):
            prepare(contact)
            copy.write_row(values(contact))


def _weekly_flags(
    contacts: Sequence[NewContact | Contact], timelines: dict[int, TermsTimeline]
) -> list[Contact]:
    """Set ``over_weekly_limit`` on the new ``contacts`` that count toward the
    limit, merged with the stored ones around them, each judged by the limit
    in force at it; return the stored contacts whose fact changes."""
    new = [
        c
        for c in contacts
        if counts_for_policy(direction=c.direction, purpose=c.purpose)
    ]
    if not new:
        return []
    earliest: dict[int, dt.datetime] = {}
    for contact in new:
        first = earliest.get(contact.client_id)
        earliest[contact.client_id] = min(
            first or contact.occurred_at, contact.occurred_at
        )
    start = min(earliest.values())
    end = max(contact.occurred_at for contact in new) + ROLLING_WEEK
    stored = (
        Contact.objects.filter(
            client_id__in=list(earliest),
            direction=FROM_CLIENT,
            occurred_at__gt=start - ROLLING_WEEK,
            occurred_at__lte=end,
        )
        .exclude(purpose__in=NEVER_A_BREACH)
        .only("pk", "client_id", "occurred_at", "over_weekly_limit")
    )
    series: dict[int, list[tuple[dt.datetime, int, Any]]] = {}
    for contact in stored:
        series.setdefault(contact.client_id, []).append(
            (contact.occurred_at, 0, contact)
        )
    for contact in new:
        series.setdefault(contact.client_id, []).append(
            (contact.occurred_at, 1, contact)
        )
    changed = []
    for client_id, items in series.items():
        items.sort(key=lambda item: (item[0], item[1], item[2].pk or 0))
        moments = [moment for moment, _, _ in items]
        timeline = timelines[client_id]
        flags = over_limit_flags(
            moments, [timeline.at(moment).weekly_limit for moment in moments]
        )
        for (moment, is_new, contact), flag in zip(items, flags, strict=True):
            if is_new:
                contact.over_weekly_limit = flag
            elif moment >= earliest[client_id] and contact.over_weekly_limit != flag:
                contact.over_weekly_limit = flag
                changed.append(contact)
    return changed


def _new_contacts(rows: Iterable[_Row], result: ImportResult) -> list[NewContact]:
    rows = list(rows)
    hashes = [row.row_hash() for row in rows]
    seen = _existing_hashes(sorted({row.client_id for row in rows}), hashes)
    contacts = []
    for row, row_hash in zip(rows, hashes, strict=True):
        if (row.client_id, row_hash) in seen:
            result.already_recorded += 1
            continue
        seen.add((row.client_id, row_hash))
        contacts.append(
            NewContact(
                client_id=row.client_id,
                occurred_at=row.occurred_at,
                channel=row.channel,
                direction=row.direction,
                purpose=row.purpose,
                summary=row.summary,
                responded_at=row.responded_at,
                row_hash=row_hash,
            )
        )
    return contacts


def contacts_import(
    *, clinic: Clinic, text: str, now: dt.datetime, progress: bool = False
) -> ImportResult:
    """Import a CSV of contacts into ``clinic``: all rows, or none
    (:class:`ImportRejected` lists every bad row)."""
    with transaction.atomic():
        rows, errors = _parse(text, clinic=clinic, now=now)
        if errors:
            raise ImportRejected(errors)
        result = ImportResult()
        contacts = _new_contacts(rows, result)
        # In the order of the indexes they join (client, then time): the
        # database files them faster.  Rows of one client at one instant keep
        # the file's order, which the weekly limit counts by.
        contacts.sort(key=attrgetter("client_id", "occurred_at"))
        result.created = contacts_bulk_create(
            clinic=clinic, contacts=contacts, progress=progress
        )
        result.clients = {contact.client_id for contact in contacts}
        # One audit event per client written to, in one statement: the same row
        # audit_record() writes, without a round trip per client.
        AuditEvent.objects.bulk_create(
            AuditEvent(
                action=AuditAction.CREATE,
                object_type="attachment.contact",
                client_id=client_id,
                clinic_id=clinic.pk,
                at=now,
            )
            for client_id in sorted(result.clients)
        )
        transaction.on_commit(partial(_request_rescans, sorted(result.clients)))
        return result


def decode(data: bytes) -> str:
    """The file's text, or :class:`ImportRejected` naming the first bad line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRejected([f"line {line}: not valid UTF-8"]) from None
