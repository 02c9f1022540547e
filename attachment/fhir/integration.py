"""What the fhir package adds to the lower apps' pages: on the client page,
for the treating therapist only, the panel "Copy of the record" with the
FHIR bundle's download and the client's printable copy (no query)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import NoReverseMatch, reverse

from clinic.access import AuthenticatedHttpRequest
from clinic.extensions import ClientPanel, register_client_panel
from clinic.models import Client


def _printable_copy_url(client: Client) -> str | None:
    """The printable copy's page, when its package provides one."""
    try:
        return reverse("attachment:client_copy", args=[client.pk])
    except NoReverseMatch:
        return None


def record_copy_panel(
    *, request: AuthenticatedHttpRequest, client: Client, now: dt.datetime
) -> dict[str, Any]:
    if client.therapist_id != request.user.pk:
        return {"shown": False}
    return {
        "shown": True,
        "fhir_url": reverse("attachment:client_fhir_bundle", args=[client.pk]),
        "copy_url": _printable_copy_url(client),
    }


def register_fhir_integrations() -> None:
    """Called from AttachmentConfig.ready."""
    register_client_panel(
        ClientPanel(
            key="attachment_record_copy",
            order=90,
            template="attachment/fhir/_record_copy_panel.html",
            context=record_copy_panel,
        )
    )
