"""The FHIR export as a recorded act: who asked, for whose record.

Every path (the client page, the API, the operator's command) goes through
one of these, which writes one ``export`` event on the client's trail
(``FHIR_EXPORT``) before the first byte leaves, and hands back the bundle's
chunks (:func:`attachment.fhir.export.bundle_chunks`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.http import HttpRequest

from attachment.fhir import selectors
from attachment.fhir.export import bundle_chunks
from clinic.access_report.kinds import FHIR_EXPORT
from clinic.audit import audit_record
from clinic.integrations.models import Integration
from clinic.models import AuditAction, Client, User


def _audited_export(
    *,
    actor: User | None,
    client: Client,
    now: dt.datetime,
    request: HttpRequest | None = None,
) -> Iterator[bytes]:
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=client,
        object_type=FHIR_EXPORT,
        at=now,
        request=request,
    )
    return bundle_chunks(client, now=now)


def fhir_export(
    *,
    actor: User,
    client_id: int,
    now: dt.datetime,
    request: HttpRequest | None = None,
) -> tuple[Client, Iterator[bytes]]:
    """The treating therapist's export (404 for anyone else)."""
    client = selectors.client_for_fhir_export(actor=actor, client_id=client_id)
    return client, _audited_export(actor=actor, client=client, now=now, request=request)


def fhir_export_for_integration(
    *,
    integration: Integration,
    client: Client,
    now: dt.datetime,
    request: HttpRequest | None = None,
) -> Iterator[bytes]:
    """An integration's export of a client of its own clinic (no person)."""
    if client.clinic_id != integration.clinic_id:
        raise ValueError("the client is not of the integration's clinic")
    return _audited_export(actor=None, client=client, now=now, request=request)


def fhir_export_by_operator(*, client: Client, now: dt.datetime) -> Iterator[bytes]:
    """The operator's command (no person)."""
    return _audited_export(actor=None, client=client, now=now)
