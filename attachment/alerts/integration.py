"""What the alerts package adds to the lower apps' pages, registered from
``AttachmentConfig.ready``.

* Home: *Unanswered*, the open alerts the user is to act on (client code,
  purpose and times; no contact text), first on the page.
* Client page: the client's open alerts, with the way to log the reply for
  the treating therapist; a contact answered since the last sweep shows as
  answered.
* Demo: a sweep at the demo's moment, after every other part, so that the
  demo's unanswered distress contacts show their alerts at once rather than
  at beat's next run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest

from attachment.alerts import selectors, services
from clinic.access import AuthenticatedHttpRequest
from clinic.extensions import (
    ClientPanel,
    DemoContext,
    DemoSeeder,
    HomePanel,
    register_client_panel,
    register_demo_seeder,
    register_home_panel,
)
from clinic.models import Client


def alerts_home_panel(
    *, request: AuthenticatedHttpRequest, now: dt.datetime
) -> dict[str, Any] | None:
    alerts = selectors.home_alerts_of(actor=request.user, now=now)
    if not alerts:
        return None
    return {"alerts": alerts}


def alerts_client_panel(
    *, request: HttpRequest, client: Client, now: dt.datetime
) -> dict[str, Any]:
    return {
        "client": client,
        "zone": client.clinic.zone,
        "alerts": selectors.client_alerts_of(client=client),
        "can_write": client.therapist_id == request.user.pk,
    }


def sweep_demo(demo: DemoContext) -> None:
    """Idempotent as the sweep is."""
    services.unanswered_distress_sweep(now=demo.now)


def register_alerts_integrations() -> None:
    """Register this area's panels and demo part with the lower apps'
    registries."""
    register_home_panel(
        HomePanel(
            key="alerts_unanswered",
            order=1,
            template="attachment/alerts/_home_alerts.html",
            context=alerts_home_panel,
        )
    )
    register_client_panel(
        ClientPanel(
            key="alerts_unanswered",
            order=12,
            template="attachment/alerts/_client_alerts.html",
            context=alerts_client_panel,
        )
    )
    register_demo_seeder(DemoSeeder(key="alerts", order=90, seed=sweep_demo))
