"""Client import from CSV, for moving an existing caseload into Between.

Every row is checked before anything is written: one bad row means nothing is
imported, and every bad row is reported as ``line N: reason`` so that the file
can be fixed in one pass.  Reasons name columns and line numbers only; cell
contents are never echoed, because a wrong file may hold clinical text in
places where codes were expected.

A client is matched by its code.  Importing the same file again changes
nothing; a row whose dates or status differ from the stored client updates
it.  A row that would give a client another therapist is refused: that move
opens the client's records to someone new, and takes a second clinic admin.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import transaction

from clinic.audit import audit_record
from clinic.models import (
    CLIENT_CODE_PATTERN,
    CLIENT_CODE_RULE,
    AuditAction,
    Client,
    ClientStatus,
    Clinic,
    Role,
    User,
)

HEADER = ("code", "therapist_email", "started_on", "ended_on")
CODE_MAX_LENGTH: int = Client._meta.get_field("code").max_length  # type: ignore[assignment]
# Another therapist opens the client's records: that takes a second clinic
# admin (the staff page), never a file.
MOVE_REFUSED = (
    "therapist_email differs from the client's therapist: move a client to "
    "another therapist on the Clients page, where a second clinic admin approves it"
)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class CsvRow(NamedTuple):
    """One data row and the line of the file it starts on (the header is line 1)."""

    line: int
    values: dict[str, str]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _Wanted:
    line: int
    code: str
    therapist: User
    started_on: dt.date
    ended_on: dt.date | None


def _line_errors(problems: Iterable[tuple[int, str]]) -> list[str]:
    return [f"line {line}: {reason}" for line, reason in sorted(problems)]


def _decode(data: bytes) -> tuple[str | None, tuple[int, str] | None]:
    try:
        # utf-8-sig: spreadsheet programs often start the file with a BOM.
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, (line, "the file is not valid UTF-8; save it as UTF-8 CSV")


def _header_problem(header: list[str] | None) -> str | None:
    if header is None:
        return "the file is empty; the first line must be " + ",".join(HEADER)
    if tuple(name.strip() for name in header) != HEADER:
        return "the header must be exactly " + ",".join(HEADER)
    return None


def clients_csv_rows(data: bytes) -> tuple[list[CsvRow], list[tuple[int, str]]]:
    """Split a client CSV file into rows, and list what is wrong with the file.

    Blank lines are skipped.  A row with the wrong number of fields is a
    problem here and left out of the rows; reading stops at a line the CSV
    reader cannot parse (an unbalanced quote, an enormous field).
    """
    text, problem = _decode(data)
    if text is None:
        return [], [problem] if problem else []
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[CsvRow] = []
    problems: list[tuple[int, str]] = []
    try:
        header_problem = _header_problem(next(reader, None))
        if header_problem:
            return [], [(1, header_problem)]
        last_line = reader.line_num
        for fields in reader:
            line, last_line = last_line + 1, reader.line_num
            if len(fields) == len(HEADER):
                rows.append(CsvRow(line, dict(zip(HEADER, fields, strict=True))))
            elif fields:
                problems.append(
                    (line, f"expected {len(HEADER)} fields, found {len(fields)}")
                )
    except csv.Error:
        problems.append((reader.line_num, "the CSV cannot be read from here on"))
    return rows, problems


def _code_problem(code: str) -> str | None:
    if not code:
        return "code is empty"
    if len(code) > CODE_MAX_LENGTH:
        return f"code is longer than {CODE_MAX_LENGTH} characters"
    if not code.isprintable():
        return "code contains control or invisible characters"
    if not re.fullmatch(CLIENT_CODE_PATTERN, code):
        return f"code {CLIENT_CODE_RULE}"
    return None


def _date(raw: str, column: str) -> tuple[dt.date | None, str | None]:
    raw = raw.strip()
    if not raw:
        return None, None
    if ISO_DATE.fullmatch(raw):
        try:
            return dt.date.fromisoformat(raw), None
        except ValueError:
            pass
    return None, f"{column} is not a date (YYYY-MM-DD)"


def _row_check(
    row: CsvRow, therapists: dict[str, User], seen: dict[str, int]
) -> tuple[_Wanted | None, list[str]]:
    values = row.values
    problems: list[str] = []
    code = values.get("code", "").strip()
    if code_problem := _code_problem(code):
        problems.append(code_problem)
    elif code in seen:
        problems.append(f"code repeats line {seen[code]}")
    else:
        seen[code] = row.line
    therapist = therapists.get(values.get("therapist_email", "").strip().lower())
    if therapist is None:
        problems.append("therapist_email is not an active therapist of this clinic")
    started_on, started_problem = _date(values.get("started_on", ""), "started_on")
    ended_on, ended_problem = _date(values.get("ended_on", ""), "ended_on")
    if started_on is None:
        problems.append(started_problem or "started_on is empty")
    if ended_problem:
        problems.append(ended_problem)
    if started_on and ended_on and ended_on < started_on:
        problems.append("ended_on is before started_on")
    if problems or therapist is None or started_on is None:
        return None, problems
    return _Wanted(row.line, code, therapist, started_on, ended_on), []


def _rows_check(
    clinic: Clinic, rows: Iterable[CsvRow]
) -> tuple[list[_Wanted], list[tuple[int, str]]]:
    therapists = _therapists(clinic)
    seen: dict[str, int] = {}
    wanted: list[_Wanted] = []
    problems: list[tuple[int, str]] = []
    for row in rows:
        want, reasons = _row_check(row, therapists, seen)
        if reasons:
            problems.append((row.line, "; ".join(reasons)))
        elif want is not None:
            wanted.append(want)
    return wanted, problems


def _therapists(clinic: Clinic) -> dict[str, User]:
    users = User.objects.filter(
        is_active=True, memberships__clinic=clinic, memberships__role=Role.THERAPIST
    )
    return {user.email.lower(): user for user in users}


def _status(want: _Wanted, existing: Client | None, today: dt.date) -> str:
    """The file has no status column: an end date decides, ``ending`` is kept.

    An end date still ahead is a planned ending.  Without an end date an
    ``ending`` client stays ending (a phase the clinic set, which the file cannot
    express) and anyone else is active.
    """
    if want.ended_on is None:
        if existing is not None and existing.status == ClientStatus.ENDING:
            return ClientStatus.ENDING
        return ClientStatus.ACTIVE
    if want.ended_on > today:
        return ClientStatus.ENDING
    return ClientStatus.ENDED


def _client_write(
    *, clinic: Clinic, want: _Wanted, existing: Client | None, now: dt.datetime
) -> str:
    values = {
        "therapist": want.therapist,
        "started_on": want.started_on,
        "ended_on": want.ended_on,
        "status": _status(want, existing, now.astimezone(clinic.zone).date()),
    }
    client = existing or Client(clinic=clinic, code=want.code)
    if existing is not None and all(
        getattr(existing, name) == value for name, value in values.items()
    ):
        return "unchanged"
    for name, value in values.items():
        setattr(client, name, value)
    client.full_clean(
        exclude=["clinic", "therapist"],
        validate_unique=False,
        validate_constraints=False,
    )
    client.save()
    action = AuditAction.CREATE if existing is None else AuditAction.UPDATE
    audit_record(actor=None, action=action, obj=client, at=now)
    return "created" if existing is None else "updated"


def clients_import(
    *, clinic: Clinic, rows: Iterable[CsvRow], now: dt.datetime
) -> ImportResult:
    """Check every row; write all of them, or none if any is bad."""
    with transaction.atomic():
        wanted, problems = _rows_check(clinic, rows)
        if problems:
            return ImportResult(errors=_line_errors(problems))
        existing = {
            client.code: client
            for client in Client.objects.filter(
                clinic=clinic, code__in=[want.code for want in wanted]
            ).select_for_update()
        }
        moves = [
            (want.line, MOVE_REFUSED)
            for want in wanted
            if want.code in existing
            and existing[want.code].therapist_id != want.therapist.pk
        ]
        if moves:
            return ImportResult(errors=_line_errors(moves))
        result = ImportResult()
        for want in wanted:
            outcome = _client_write(
                clinic=clinic, want=want, existing=existing.get(want.code), now=now
            )
            setattr(result, outcome, getattr(result, outcome) + 1)
        return result


def clients_import_csv(
    *, clinic: Clinic, data: bytes, now: dt.datetime
) -> ImportResult:
    """Import a client CSV file given as bytes; see :func:`clients_import`."""
    rows, file_problems = clients_csv_rows(data)
    if not file_problems:
        return clients_import(clinic=clinic, rows=rows, now=now)
    # Check the readable rows too, so that one run reports every bad line.
    _, row_problems = _rows_check(clinic, rows)
    return ImportResult(errors=_line_errors([*file_problems, *row_problems]))
