"""What the safety package adds to the lower apps' pages: the client page's
safety panel (the plan in force and the latest risk level a note records)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from attachment.safety import selectors
from clinic import extensions
from clinic.models import Client


def safety_panel(*, request: HttpRequest, client: Client, now: dt.datetime) -> dict:
    """Version and date of the plan, never its text, and the latest risk."""
    summary = selectors.safety_summary_of(client=client)
    return {
        "client": client,
        "zone": client.clinic.zone,
        "plan": summary.plan,
        "risk": summary.risk,
        "can_write": client.therapist_id == request.user.pk,
    }


def register_safety_integrations() -> None:
    """Called from ``AttachmentConfig.ready``."""
    extensions.register_client_panel(
        extensions.ClientPanel(
            key="safety_plan",
            order=17,
            template="attachment/safety/_safety_panel.html",
            context=safety_panel,
        )
    )
