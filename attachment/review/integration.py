"""What the review pages add to other apps' pages (panels, navigation links,
caseload columns, demo data), registered from ``AttachmentConfig.ready``."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from attachment.review import selectors
from attachment.review.agenda import FlagAgenda
from attachment.review.sequences import card_of
from clinic import extensions
from clinic.models import Client, Role, User
from notes.agenda import register_agenda_provider


def flags_panel(*, request: HttpRequest, client: Client, now: dt.datetime) -> dict:
    """The client page's live flags (those that have reached the reader) as
    the client's sequence card with the flags beneath, the few most recently
    closed, and the archived ones."""
    viewer = request.user if isinstance(request.user, User) else None
    live = selectors.live_flags_of(client=client, viewer=viewer, now=now)
    return {
        "client": client,
        "card": card_of(live),
        "live": live,
        "closed": selectors.recently_closed_flags_of(
            client=client, viewer=viewer, now=now
        ),
        "archived": selectors.archived_flags_of(client=client, viewer=viewer, now=now),
    }


def _caseload_flag_counts(clients: QuerySet[Client]) -> QuerySet[Client]:
    """The caseload registry hands over the clients only, and the supervisor's
    counts depend on the time (the therapist first), so the hook, called
    while the caseload page is served, reads the clock here."""
    return selectors.annotate_live_flag_counts(clients, now=timezone.now())


def _clinician(roles: set[str]) -> bool:
    return bool(roles & {Role.THERAPIST, Role.SUPERVISOR})


def register_review_integrations() -> None:
    """Register this area's panels, links and agenda items with the lower
    apps' registries."""
    register_agenda_provider("flag", FlagAgenda())
    extensions.register_nav_link(
        extensions.NavLink(
            key="flags",
            order=20,
            label="Flags",
            url_name="attachment:flag_queue",
            visible=_clinician,
        )
    )
    extensions.register_client_panel(
        extensions.ClientPanel(
            key="review_flags",
            order=10,
            template="attachment/review/_flags_panel.html",
            context=flags_panel,
        )
    )
    extensions.register_caseload_annotation("live_flag_counts", _caseload_flag_counts)
    extensions.register_caseload_column(
        extensions.CaseloadColumn(
            key="flags",
            order=10,
            header="Flags",
            template="attachment/review/_caseload_flags.html",
        )
    )
