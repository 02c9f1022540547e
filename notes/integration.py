"""What notes adds to clinic pages and to the agenda, registered from
``NotesConfig.ready``: client-page panels, the supervisor's co-sign queue on
the home page, a nav link, the caseload's latest-risk column, the reflections
agenda provider, the demo seeder.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.extensions import (
    CaseloadColumn,
    ClientPanel,
    DemoSeeder,
    HomePanel,
    NavLink,
    register_caseload_annotation,
    register_caseload_column,
    register_client_panel,
    register_demo_seeder,
    register_home_panel,
    register_nav_link,
)
from clinic.models import Client, Role
from notes import selectors, services
from notes.agenda import AgendaItem, agenda_for, register_agenda_provider
from notes.models import NoteStatus, SessionNote

LABEL_LENGTH = 90


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= LABEL_LENGTH else line[: LABEL_LENGTH - 1] + "…"


class ReflectionAgenda:
    """Reflections marked *bring to next session* that no note has taken yet."""

    def items(self, *, client: Any, since: dt.datetime | None) -> list[AgendaItem]:
        return [
            AgendaItem(
                key=f"reflection:{reflection.pk}",
                kind="reflection",
                label=_short(reflection.text),
                occurred_at=reflection.written_at,
                priority=1,
            )
            for reflection in selectors.open_reflections(client=client)
        ]

    def mark_discussed(self, *, note: Any, ids: list[int]) -> None:
        services.reflections_mark_brought(note=note, ids=ids)


def _can_write(request: AuthenticatedHttpRequest, client: Client) -> bool:
    return client.therapist_id == request.user.pk and access.has_role(
        request.user, Role.THERAPIST, client.clinic
    )


def agenda_panel(
    *, request: AuthenticatedHttpRequest, client: Client, now: dt.datetime
) -> dict:
    since = selectors.last_session_at(client=client)
    return {
        "client": client,
        "items": agenda_for(client=client, since=since),
        "since": since,
        "can_write": _can_write(request, client),
    }


NOTES_ON_CLIENT_PAGE = 8
QUEUE_ON_HOME = 8


def notes_panel(
    *, request: AuthenticatedHttpRequest, client: Client, now: dt.datetime
) -> dict:
    notes = selectors.notes_for_client(client=client, limit=NOTES_ON_CLIENT_PAGE + 1)
    can_write = _can_write(request, client)
    return {
        "client": client,
        "notes": notes[:NOTES_ON_CLIENT_PAGE],
        "more": len(notes) > NOTES_ON_CLIENT_PAGE,
        "can_write": can_write,
        "process_notes_url": reverse("notes:process_notes", args=[client.pk])
        if can_write
        else None,
    }


def reflections_panel(
    *, request: AuthenticatedHttpRequest, client: Client, now: dt.datetime
) -> dict:
    return {
        "client": client,
        "reflections": selectors.reflections_for_client(client=client),
        "can_write": _can_write(request, client),
        "user_id": request.user.pk,
    }


def cosign_home_panel(
    *, request: AuthenticatedHttpRequest, now: dt.datetime
) -> dict | None:
    if not access.has_role(request.user, Role.SUPERVISOR):
        return None
    entries = selectors.cosign_queue_entries(actor=request.user, now=now)
    if not entries:
        return None
    return {"queue": entries[:QUEUE_ON_HOME], "total": len(entries)}


def drafts_home_panel(
    *, request: AuthenticatedHttpRequest, now: dt.datetime
) -> dict | None:
    """A therapist's own unsigned drafts, returned ones first."""
    if not access.has_role(request.user, Role.THERAPIST):
        return None
    drafts = list(
        SessionNote.objects.filter(
            author=request.user,
            status=NoteStatus.DRAFT,
            client__in=access.writable_clients(request.user),
        )
        .select_related("client")
        .only("pk", "session_at", "format", "client__code", "client__preferred_name")
        .order_by("session_at")[:20]
    )
    if not drafts:
        return None
    returned = set(
        SessionNote.objects.filter(pk__in=[note.pk for note in drafts])
        .filter(returns__isnull=False)
        .values_list("pk", flat=True)
    )
    return {"drafts": drafts, "returned_ids": returned}


def register() -> None:
    from notes.demo import seed_notes

    register_agenda_provider("reflection", ReflectionAgenda())
    register_client_panel(
        ClientPanel(
            key="notes_agenda",
            order=10,
            template="notes/_panel_agenda.html",
            context=agenda_panel,
        )
    )
    register_client_panel(
        ClientPanel(
            key="notes_notes",
            order=20,
            template="notes/_panel_notes.html",
            context=notes_panel,
        )
    )
    register_client_panel(
        ClientPanel(
            key="notes_reflections",
            order=60,
            template="notes/_panel_reflections.html",
            context=reflections_panel,
        )
    )
    register_caseload_annotation("latest_risk", selectors.annotate_latest_risk)
    register_caseload_column(
        CaseloadColumn(
            key="latest_risk",
            order=5,
            header="Risk",
            template="notes/_caseload_risk.html",
        )
    )
    register_home_panel(
        HomePanel(
            key="notes_cosign_queue",
            order=10,
            template="notes/_home_cosign_queue.html",
            context=cosign_home_panel,
        )
    )
    register_home_panel(
        HomePanel(
            key="notes_drafts",
            order=20,
            template="notes/_home_drafts.html",
            context=drafts_home_panel,
        )
    )
    register_nav_link(
        NavLink(
            key="notes_cosign_queue",
            order=30,
            label="Co-sign queue",
            url_name="notes:cosign_queue",
            visible=lambda roles: Role.SUPERVISOR in roles,
        )
    )
    register_demo_seeder(DemoSeeder(key="notes", order=20, seed=seed_notes))
