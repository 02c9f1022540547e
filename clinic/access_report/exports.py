"""The access report as CSV: the page's download and ``manage.py
access_report`` write the same columns through :mod:`clinic.csv_safety`.

Rows are read through a server-side cursor and written as they come, so a
long trail is never held in memory whole.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from clinic.access_report.selectors import access_row
from clinic.csv_safety import csv_writer
from clinic.models import AuditEvent, Client

HEADER = ("client", "time", "person", "role", "action", "kind", "address")
CHUNK = 2000
LINE_END = "\n"


class _Stream(Protocol):
    def write(self, text: str, /) -> Any: ...


def csv_lines(events: QuerySet[AuditEvent], *, client: Client) -> Iterator[list]:
    """The header, then one line per event of :func:`selectors.client_trail`."""
    zone: zoneinfo.ZoneInfo = client.clinic.zone
    yield list(HEADER)
    for event in events.iterator(chunk_size=CHUNK):
        row = access_row(event, zone=zone)
        yield [
            client.code,
            row.at.isoformat(timespec="seconds"),
            row.person,
            row.role,
            row.action,
            row.kind,
            row.address,
        ]


class _Line:
    """A stream that hands back what the csv writer writes to it."""

    def write(self, text: str) -> str:
        return text


def _encoded(lines: Iterable[list]) -> Iterator[str]:
    writer = csv_writer(_Line(), lineterminator=LINE_END)
    for line in lines:
        yield writer.writerow(line)


def csv_response(
    events: QuerySet[AuditEvent], *, client: Client
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        _encoded(csv_lines(events, client=client)), content_type="text/csv"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="access-report-{client.code}.csv"'
    )
    return response


def csv_write(stream: _Stream, events: QuerySet[AuditEvent], *, client: Client) -> int:
    """Write the CSV to ``stream`` (a command's stdout); the number of rows."""
    writer = csv_writer(stream, lineterminator=LINE_END)
    written = -1
    for line in csv_lines(events, client=client):
        writer.writerow(line)
        written += 1
    return written
