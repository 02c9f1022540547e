"""What the supervision pages add to other apps' pages (panels, navigation links,
caseload columns), registered from ``AttachmentConfig.ready``.

* Home: the user's own open action items (supervisee and supervisor alike)
  until they are done; for a supervisor, each current supervisee's next
  follow-up.  Each panel costs a fixed number of queries.
* Navigation: "Supervision" and "Notifications" for clinical users.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from attachment.supervision import selectors
from clinic.access import AuthenticatedHttpRequest
from clinic.audit import audit_records
from clinic.extensions import (
    HomePanel,
    NavLink,
    register_home_panel,
    register_nav_link,
)
from clinic.models import AuditAction, Role

ITEMS_ON_HOME = 10
CLINICAL_ROLES = {Role.THERAPIST, Role.SUPERVISOR}


def action_items_home_panel(
    *, request: AuthenticatedHttpRequest, now: dt.datetime
) -> dict[str, Any] | None:
    """The signed-in user's open action items, soonest due first (the
    selector's scope already leaves out users with no clinical role)."""
    items = list(
        selectors.open_items_of(actor=request.user, on=now.date())[: ITEMS_ON_HOME + 1]
    )
    if not items:
        return None
    for item in items:
        item.overdue = item.is_overdue(
            timezone.localtime(now, item.session.clinic.zone).date()
        )
    shown = items[:ITEMS_ON_HOME]
    # The panel shows each item's text, as the session page does: one read
    # event per item on its client's trail (and its session's clinic, the
    # item's ``clinic_id``), in one INSERT.
    audit_records(
        actor=request.user, action=AuditAction.READ, objs=shown, at=now, request=request
    )
    return {"items": shown, "more": len(items) > ITEMS_ON_HOME}


def follow_ups_home_panel(
    *, request: AuthenticatedHttpRequest, now: dt.datetime
) -> dict[str, Any] | None:
    """Per current supervisee: the latest session, its follow-up date and its
    open items; hidden for users who supervise nobody."""
    links = selectors.current_links(actor=request.user, on=now.date())
    if not links:
        return None
    latest = {
        session.supervisee_id: session
        for session in selectors.follow_ups_of(actor=request.user, on=now.date())
    }
    rows = [(link, latest.get(link.supervisee_id)) for link in links]
    return {"rows": rows, "today": timezone.localdate(now, links[0].clinic.zone)}


def register_supervision_integrations() -> None:
    """Register this area's panels and links with the lower apps' registries."""
    register_home_panel(
        HomePanel(
            key="supervision_action_items",
            order=15,
            template="attachment/supervision/_home_action_items.html",
            context=action_items_home_panel,
        )
    )
    register_home_panel(
        HomePanel(
            key="supervision_follow_ups",
            order=25,
            template="attachment/supervision/_home_follow_ups.html",
            context=follow_ups_home_panel,
        )
    )
    register_nav_link(
        NavLink(
            key="supervision_sessions",
            order=40,
            label="Supervision",
            url_name="attachment:supervision_sessions",
            visible=lambda roles: bool(roles & CLINICAL_ROLES),
        )
    )
    register_nav_link(
        NavLink(
            key="notifications",
            order=90,
            label="Notifications",
            url_name="attachment:notifications",
            visible=lambda roles: bool(roles & CLINICAL_ROLES),
            badge=lambda user: selectors.unread_count(actor=user),
        )
    )
