"""What the cover pages add to other apps' pages, registered from
``AttachmentConfig.ready``.

* Home: *Covering*, the absences the user covers today with the absent
  therapist's clients (codes and names, no clinical text); and the user's
  break-glass access in force.  Each costs a fixed number of queries.
* Demo: the contact the demo's cover logged, and the absence's notices.
* Navigation: "Break glass" for clinicians (the page refuses trainees), and
  "Break-glass review" for clinic admins and supervisors, with the number
  awaiting their review.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from attachment.cover import selectors
from clinic.access import AuthenticatedHttpRequest
from clinic.extensions import (
    DemoSeeder,
    HomePanel,
    NavLink,
    register_demo_seeder,
    register_home_panel,
    register_nav_link,
)
from clinic.models import Role, User

CLINICAL_ROLES = {Role.THERAPIST, Role.SUPERVISOR}
REVIEWER_ROLES = {Role.ADMIN, Role.SUPERVISOR}


def covering_home_panel(
    *, request: AuthenticatedHttpRequest, now: dt.datetime
) -> dict[str, Any] | None:
    covering = selectors.covering_of(actor=request.user, now=now)
    if not covering:
        return None
    return {"covering": covering}


def break_glass_home_panel(
    *, request: AuthenticatedHttpRequest, now: dt.datetime
) -> dict[str, Any] | None:
    grants = selectors.grants_in_force_of(actor=request.user, now=now)
    if not grants:
        return None
    return {"grants": grants}


def _awaiting_review(user: User) -> int:
    return selectors.unreviewed_count(actor=user, now=timezone.now())


def register_cover_integrations() -> None:
    """Register this area's panels, links and demo part with the lower apps'
    registries."""
    from attachment.demo import cover as cover_demo

    register_demo_seeder(DemoSeeder(key="cover", order=45, seed=cover_demo.seed))
    register_home_panel(
        HomePanel(
            key="cover_covering",
            order=5,
            template="attachment/cover/_home_covering.html",
            context=covering_home_panel,
        )
    )
    register_home_panel(
        HomePanel(
            key="cover_break_glass",
            order=6,
            template="attachment/cover/_home_break_glass.html",
            context=break_glass_home_panel,
        )
    )
    register_nav_link(
        NavLink(
            key="break_glass",
            order=95,
            label="Break glass",
            url_name="attachment:break_glass",
            visible=lambda roles: bool(roles & CLINICAL_ROLES),
        )
    )
    register_nav_link(
        NavLink(
            key="break_glass_review",
            order=96,
            label="Break-glass review",
            url_name="attachment:break_glass_review",
            visible=lambda roles: bool(roles & REVIEWER_ROLES),
            badge=_awaiting_review,
        )
    )
