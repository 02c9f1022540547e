"""The access report's own events: opening it is a read on the client's
trail, and taking it away as CSV an export, named ``ACCESS_REPORT``."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from clinic.access_report.kinds import ACCESS_REPORT
from clinic.audit import audit_record
from clinic.models import AuditAction, AuditEvent, Client, User


def access_report_read_record(
    *,
    actor: User,
    client: Client,
    now: dt.datetime,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Reading who has seen the client is itself on the client's trail."""
    return audit_record(
        actor=actor,
        action=AuditAction.READ,
        obj=client,
        object_type=ACCESS_REPORT,
        at=now,
        request=request,
    )


def access_report_export_record(
    *,
    actor: User | None,
    client: Client,
    now: dt.datetime,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """An export of the report, written before any row leaves, so that one
    that fails half-way is still on record.  ``actor`` is None for a
    command run without naming who asked."""
    return audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=client,
        object_type=ACCESS_REPORT,
        at=now,
        request=request,
    )
