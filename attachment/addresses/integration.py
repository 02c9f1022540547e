"""What the contact-address pages add to the lower apps' pages, registered
from ``AttachmentConfig.ready``: a line on the client page leading the
treating therapist to the client's addresses, and the clinic admin's page
in the Administration section."""

from __future__ import annotations

import datetime as dt
from typing import Any

from attachment.addresses import selectors
from clinic.access import AuthenticatedHttpRequest
from clinic.extensions import (
    ClientPanel,
    NavLink,
    register_admin_link,
    register_client_panel,
)
from clinic.models import Client, Role


def addresses_client_panel(
    *, request: AuthenticatedHttpRequest, client: Client, now: dt.datetime
) -> dict[str, Any]:
    """The link, for the treating therapist only (a count, no address)."""
    if client.therapist_id != request.user.pk:
        return {"shown": False}
    return {
        "shown": True,
        "client": client,
        "count": selectors.addresses_in_use_of(client=client).count(),
    }


def register_addresses_integrations() -> None:
    register_client_panel(
        ClientPanel(
            key="contact_addresses",
            order=70,
            template="attachment/addresses/_client_panel.html",
            context=addresses_client_panel,
        )
    )
    register_admin_link(
        NavLink(
            key="contact_addresses",
            order=65,
            label="Contact addresses",
            url_name="attachment:address_admin",
            visible=lambda roles: Role.ADMIN in roles,
        )
    )
