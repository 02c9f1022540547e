"""Hooks through which the higher apps (notes, attachment) add to clinic pages.

``clinic`` must not import ``notes`` or ``attachment``.  Where a clinic page
shows something of theirs, the higher app registers a panel or an annotation
here from its ``AppConfig.ready``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest


@dataclass(frozen=True)
class ClientPanel:
    """A section of the client page: a template and the context it needs."""

    key: str
    order: int
    template: str
    context: Callable[..., dict[str, Any]]  # (request=, client=, now=) -> context


@dataclass(frozen=True)
class NavLink:
    key: str
    order: int
    label: str
    url_name: str
    visible: Callable[[set[str]], bool]  # roles -> shown?
    badge: Callable[[Any], int] | None = None  # user -> count shown beside it


@dataclass(frozen=True)
class HomePanel:
    """A section of the signed-in user's home page (above the caseload)."""

    key: str
    order: int
    template: str
    context: Callable[..., dict[str, Any] | None]  # (request=, now=) -> None hides it


client_panels: dict[str, ClientPanel] = {}
home_panels: dict[str, HomePanel] = {}
caseload_annotations: dict[str, Callable[[QuerySet], QuerySet]] = {}
#: Narrowings of the clients anyone may write to (clinic/access.py
#: ``writable_clients``): a higher app removes clients whose records it has
#: closed for good (a destroyed client's ended shell, attachment/retention/).
writable_client_filters: dict[str, Callable[[QuerySet], QuerySet]] = {}
nav_links: dict[str, NavLink] = {}


def register_client_panel(panel: ClientPanel) -> None:
    client_panels[panel.key] = panel


def register_home_panel(panel: HomePanel) -> None:
    home_panels[panel.key] = panel


def rendered_home_panels(
    *, request: HttpRequest, now: dt.datetime
) -> list[tuple[str, dict[str, Any]]]:
    shown = []
    for panel in sorted(home_panels.values(), key=lambda panel: panel.order):
        context = panel.context(request=request, now=now)
        if context is not None:
            shown.append((panel.template, context))
    return shown


def register_writable_client_filter(
    key: str, narrow: Callable[[QuerySet], QuerySet]
) -> None:
    writable_client_filters[key] = narrow


def register_caseload_annotation(
    key: str, annotate: Callable[[QuerySet], QuerySet]
) -> None:
    caseload_annotations[key] = annotate


@dataclass(frozen=True)
class CaseloadColumn:
    """A column of the caseload table: a header and the template of one cell,
    rendered with ``client`` (annotated through a caseload annotation, so a
    column costs no query per client).  ``own_only``: shown in the person's
    own caseload, not in a supervisee's (read-only) one."""

    key: str
    order: int
    header: str
    template: str
    own_only: bool = False


caseload_columns: dict[str, CaseloadColumn] = {}


def register_caseload_column(column: CaseloadColumn) -> None:
    caseload_columns[column.key] = column


def caseload_columns_in_order() -> list[CaseloadColumn]:
    return sorted(caseload_columns.values(), key=lambda column: column.order)


def register_nav_link(link: NavLink) -> None:
    nav_links[link.key] = link


def rendered_client_panels(
    *, request: HttpRequest, client: Any, now: dt.datetime
) -> list[tuple[str, dict[str, Any]]]:
    panels = sorted(client_panels.values(), key=lambda panel: panel.order)
    return [
        (panel.template, panel.context(request=request, client=client, now=now))
        for panel in panels
    ]


def annotate_caseload(clients: QuerySet) -> QuerySet:
    for annotate in caseload_annotations.values():
        clients = annotate(clients)
    return clients


@dataclass
class DemoContext:
    """What ``seed_demo`` hands to every app's demo seeder.

    ``people`` keys: ``therapist``, ``trainee``, ``therapist2``, ``supervisor``,
    ``admin``.  ``stories`` keys name the demo's story clients:
    ``repaired_rupture`` (a), ``rising_contact`` (b), ``life_transition`` (c),
    ``after_ending`` (d); every other client is a stable one in ``stable``.
    """

    clinic: Any
    people: dict[str, Any]
    clients: list[Any]
    stories: dict[str, Any]
    stable: list[Any]
    now: dt.datetime
    rng: Any  # random.Random, seeded so that the demo is reproducible


@dataclass(frozen=True)
class DemoSeeder:
    """An app's part of the demo.  ``seed(demo)`` must be idempotent: it checks
    whether its records already exist for ``demo.clinic`` and adds nothing if so."""

    key: str
    order: int
    seed: Callable[[DemoContext], None]


demo_seeders: dict[str, DemoSeeder] = {}


def register_demo_seeder(seeder: DemoSeeder) -> None:
    demo_seeders[seeder.key] = seeder


@dataclass(frozen=True)
class BoundaryChange:
    """A change to what a contact is judged against, in ids and dates only.

    ``client_ids`` are the clients whose policy changed (an override saved or
    removed); ``clinic_id`` alone, with no clients and no therapist, is a
    change of the clinic's default policy; ``therapist_id`` with ``period`` is
    an absence added, moved or removed (both dates inclusive, covering the old
    and the new dates).
    """

    clinic_id: int
    client_ids: tuple[int, ...] = ()
    therapist_id: int | None = None
    period: tuple[dt.date, dt.date] | None = None

    @property
    def is_default_policy(self) -> bool:
        return not self.client_ids and self.therapist_id is None


boundary_listeners: dict[str, Callable[..., None]] = {}


def register_boundary_listener(key: str, listen: Callable[..., None]) -> None:
    """``listen(change=, now=)`` runs inside the transaction that changed the
    boundary, so that derived facts change with it or not at all; slow work
    belongs in a task the listener queues on commit."""
    boundary_listeners[key] = listen


def boundary_changed(*, change: BoundaryChange, now: dt.datetime) -> None:
    for listen in boundary_listeners.values():
        listen(change=change, now=now)


admin_links: dict[str, NavLink] = {}


def register_admin_link(link: NavLink) -> None:
    """A page of the clinic admin's Administration section provided by a
    higher app (for example the detector settings)."""
    admin_links[link.key] = link


class FrameStanding(models.TextChoices):
    """Where an agreement version stands against the clinic's frame."""

    INSIDE = "inside", "Inside the frame"
    WIDER_APPROVED = "wider_approved", "Wider, approved by the supervisor"
    WIDER_AWAITING = "wider_awaiting", "Wider, awaiting the supervisor's approval"
    WIDER_SINCE_CHANGE = (
        "wider_since_change",
        "Wider than the frame as it now stands (written inside it)",
    )


@dataclass(frozen=True)
class AgreementStatus:
    """What the clinic admin may know of a client's between-sessions
    agreement: numbers, dates and yes/no, never a word of what was agreed.

    ``version`` and ``effective_from`` are of the version in force, or of the
    newest one written when none is in force yet (``in_force`` false: it
    awaits the supervisor's approval, or takes effect later).
    """

    version: int
    effective_from: dt.datetime
    in_force: bool
    standing: FrameStanding
    acknowledged: bool
    newer_awaiting_approval: bool = False


# (clinic=, client_ids=, now=) -> client id -> status, in a constant number
# of queries; a client without an agreement is left out.
AgreementStatusProvider = Callable[..., dict[int, AgreementStatus]]
agreement_status_providers: dict[str, AgreementStatusProvider] = {}


def register_agreement_status(key: str, provider: AgreementStatusProvider) -> None:
    """The app that owns agreements tells the clinic admin's pages their status."""
    agreement_status_providers[key] = provider


def agreement_statuses(
    *, clinic: Any, client_ids: list[int], now: dt.datetime
) -> dict[int, AgreementStatus]:
    statuses: dict[int, AgreementStatus] = {}
    for provider in agreement_status_providers.values():
        statuses.update(provider(clinic=clinic, client_ids=client_ids, now=now))
    return statuses
