"""Reads of the adapters: which integration a webhook's URL names, and
whether an address is a client's."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError

from attachment.ingestion.addresses import address_normalised
from attachment.models import ClientAddress
from clinic.integrations.models import Integration


def integration_for_hook(*, hook_id: uuid.UUID, kind: str) -> Integration | None:
    """The live integration of ``kind`` that ``hook_id`` names, or None: an
    unknown, revoked or other kind of integration is not found."""
    return (
        Integration.objects.select_related("clinic")
        .filter(hook_id=hook_id, kind=kind, revoked_at__isnull=True)
        .first()
    )


def address_is_a_clients(*, clinic_id: int, raw: str) -> bool:
    """Whether ``raw`` is an address in use by a client of the clinic."""
    try:
        _, value = address_normalised(raw)
    except ValidationError:
        return False
    return ClientAddress.objects.filter(
        clinic_id=clinic_id, value=value, released_at__isnull=True
    ).exists()
