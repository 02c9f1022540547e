"""The one write of the client's copy: its audit event.

Producing a copy is a disclosure of the record, so it is on the client's
trail as an export of kind ``CLIENT_COPY``, which the access report lists as
"copy of the record (export)".  The event is written in the request's
transaction as the copy is produced: a copy shown always has its event, and
one that fails to render leaves none.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from clinic.access_report.kinds import CLIENT_COPY
from clinic.audit import audit_record
from clinic.models import AuditAction, AuditEvent, Client, User


def client_copy_record(
    *,
    actor: User,
    client: Client,
    now: dt.datetime,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """One export event on ``client``'s trail, naming the client."""
    return audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=client,
        object_type=CLIENT_COPY,
        at=now,
        request=request,
    )
