"""What the agreements package adds to the lower apps' pages, registered from
``AttachmentConfig.ready``.

* Client page: the agreement in force now (its terms, never its words), near
  the top, or a note that the clinic's frame judges the contacts; two
  queries (the versions and the frame).
* Home: for a supervisor, the versions waiting for their approval (client
  names and version numbers only); one query, hidden when there are none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from attachment.agreements import selectors
from attachment.agreements.wording import terms_summary
from clinic.access import AuthenticatedHttpRequest
from clinic.extensions import (
    ClientPanel,
    HomePanel,
    register_client_panel,
    register_home_panel,
)
from clinic.models import Client

APPROVALS_ON_HOME = 10


def agreement_panel(
    *, request: AuthenticatedHttpRequest, client: Client, now: dt.datetime
) -> dict[str, Any]:
    state = selectors.agreement_state(client=client, now=now)
    in_force = state.in_force
    return {
        "client": client,
        "state": state,
        "in_force": in_force,
        "summary": terms_summary(
            in_force, zone_name=client.timezone or client.clinic.timezone
        )
        if in_force
        else None,
        "can_write": client.therapist_id == request.user.pk,
    }


def approvals_home_panel(
    *, request: AuthenticatedHttpRequest, now: dt.datetime
) -> dict[str, Any] | None:
    waiting = list(
        selectors.approvals_awaiting(actor=request.user, on=now.date())[
            : APPROVALS_ON_HOME + 1
        ]
    )
    if not waiting:
        return None
    return {
        "waiting": waiting[:APPROVALS_ON_HOME],
        "more": len(waiting) > APPROVALS_ON_HOME,
    }


def register_agreements_integrations() -> None:
    """Called from ``AttachmentConfig.ready``."""
    register_client_panel(
        ClientPanel(
            key="attachment_agreement",
            order=15,
            template="attachment/agreements/_panel.html",
            context=agreement_panel,
        )
    )
    register_home_panel(
        HomePanel(
            key="agreement_approvals",
            order=12,
            template="attachment/agreements/_home_approvals.html",
            context=approvals_home_panel,
        )
    )
