"""Whose record may leave as a FHIR bundle, and to whom.

The treating therapist produces it (``clinic.access.writable_clients``): a
supervisor reads a supervisee's client but does not hand the record out, and
a clinic admin never reads clinical text.  Anyone else is told the client
does not exist (404).  An integration exports its own clinic's clients only.
"""

from __future__ import annotations

from django.db.models import QuerySet

from clinic import access
from clinic.integrations.models import Integration
from clinic.models import Client, User


def _with_clinic(clients: QuerySet[Client]) -> QuerySet[Client]:
    return clients.select_related("clinic", "therapist")


def client_for_fhir_export(*, actor: User, client_id: int) -> Client:
    client = _with_clinic(access.writable_clients(actor)).filter(pk=client_id).first()
    if client is None:
        raise access.not_found(actor, "client", client_id)
    return client


def integration_client(*, integration: Integration, code: str) -> Client | None:
    """The client of ``code`` in the integration's clinic, if any."""
    return (
        _with_clinic(Client.objects.filter(clinic_id=integration.clinic_id))
        .filter(code=code)
        .first()
    )


def operator_client(*, code: str, clinic_slug: str | None) -> list[Client]:
    """The clients of ``code`` (in the clinic of ``clinic_slug`` when given):
    the operator's command needs exactly one."""
    clients = _with_clinic(Client.objects.filter(code=code))
    if clinic_slug:
        clients = clients.filter(clinic__slug=clinic_slug)
    return list(clients[:2])
