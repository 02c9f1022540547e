"""Reads of the cover pages, the home page's covering section, an absence's
cover and the break-glass review.

Who may read what is decided by :mod:`clinic.access`
(:func:`~clinic.access.client_for_cover` and the break-glass rules); every
function here reads only within what it has been handed or within the
actor's scope there.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, QuerySet

from attachment.agreements.terms import Judged, terms_now
from attachment.models import (
    LIVE_FLAG_STATUSES,
    Contact,
    CopingPlan,
    Flag,
    Rupture,
)
from attachment.records import selectors as records
from clinic import access
from clinic.models import (
    Absence,
    AuditAction,
    AuditEvent,
    BreakGlassGrant,
    Client,
    Role,
    User,
)

# How far back the cover page lists contacts.
CONTACTS_SHOWN = dt.timedelta(weeks=4)
CONTACT_CREATED = "attachment.contact"


def cover_for_reading(
    *, actor: User, client_id: int, now: dt.datetime
) -> access.CoverAccess:
    return access.client_for_cover(actor, client_id, now=now)


@dataclass(frozen=True)
class CoverPage:
    """What a cover page shows of one client, and nothing else: no notes,
    process notes, reflections, observations or measures."""

    terms: Judged
    plan: CopingPlan | None
    contacts: list[Contact]
    ruptures: list[Rupture]
    flag_sentences: list[str]


def cover_page_of(*, client: Client, now: dt.datetime) -> CoverPage:
    contacts = (
        records.contacts_of(client=client)
        .filter(occurred_at__gte=now - CONTACTS_SHOWN)
        .select_related("logged_by")
    )
    flags = (
        Flag.objects.filter(client=client, status__in=LIVE_FLAG_STATUSES)
        .order_by("-detected_at", "-pk")
        .values_list("explanation", flat=True)
    )
    return CoverPage(
        terms=terms_now(client=client, now=now),
        plan=records.current_plan(client=client),
        contacts=list(contacts),
        ruptures=list(records.open_ruptures_of(client=client)),
        flag_sentences=list(flags),
    )


@dataclass(frozen=True)
class Covering:
    """One absence the actor covers, and the clients it opens to them."""

    absence: Absence
    clients: list[Client]


def covering_of(*, actor: User, now: dt.datetime) -> list[Covering]:
    """The absences ``actor`` covers now, soonest ending first, each with its
    clients (a fixed number of queries however many there are)."""
    absences = list(
        access.absences_covered(actor, now=now)
        .select_related("therapist", "clinic")
        .order_by("ends_on", "pk")
    )
    if not absences:
        return []
    clients: dict[tuple[int, int], list[Client]] = defaultdict(list)
    for client in access.covered_clients(actor, now=now).order_by("code"):
        clients[(client.clinic_id, client.therapist_id)].append(client)
    return [
        Covering(
            absence=absence,
            clients=clients.get((absence.clinic_id, absence.therapist_id), []),
        )
        for absence in absences
    ]


def grants_in_force_of(*, actor: User, now: dt.datetime) -> list[BreakGlassGrant]:
    return list(
        access.break_glass_grants_in_force(actor, now=now)
        .select_related("client")
        .order_by("expires_at", "pk")
    )


# --- an absence's cover, for the absent therapist and their supervisors ------


def absence_for_reading(*, actor: User, absence_id: int, now: dt.datetime) -> Absence:
    """The absence, for its therapist (while a therapist of its clinic) and
    their current supervisors; 403 for the clinic admin, 404 for anyone else."""
    absence = (
        Absence.objects.select_related("clinic", "therapist", "covering_therapist")
        .filter(pk=absence_id)
        .first()
    )
    if absence is not None:
        own = absence.therapist_id == actor.pk and access.has_role(
            actor, Role.THERAPIST, absence.clinic
        )
        if own or access.is_current_supervisor(
            actor,
            supervisee_id=absence.therapist_id,
            clinic_id=absence.clinic_id,
            on=now.date(),
        ):
            return absence
        if access.has_role(actor, Role.ADMIN, absence.clinic):
            raise access.forbidden(actor, "absence", absence_id)
    raise access.not_found(actor, "absence", absence_id)


@dataclass(frozen=True)
class OpenedClient:
    """One client of the absent therapist the cover read or wrote about."""

    client: Client
    reads: int
    contacts_logged: int


def _per_client(events: QuerySet[AuditEvent]) -> dict[int, int]:
    counted = (
        events.values("client_id").annotate(n=Count("pk")).values_list("client_id", "n")
    )
    return {client_id: n for client_id, n in counted if client_id is not None}


def absence_cover_of(*, absence: Absence) -> list[OpenedClient]:
    """Per client, from the audit trail: how often the absence's cover page
    was read, and how many contacts the cover logged during the absence
    (both days inclusive, in the clinic's time zone).  Codes and counts only."""
    zone = absence.clinic.zone
    first = dt.datetime.combine(absence.starts_on, dt.time(), zone)
    after = dt.datetime.combine(absence.ends_on + dt.timedelta(days=1), dt.time(), zone)
    reads = _per_client(
        AuditEvent.objects.filter(
            action=AuditAction.READ, object_type=access.COVER_PAGE, object_id=absence.pk
        )
    )
    logged: dict[int, int] = {}
    if absence.covering_therapist_id is not None:
        theirs = Client.objects.filter(
            clinic_id=absence.clinic_id, therapist_id=absence.therapist_id
        ).values("pk")
        logged = _per_client(
            AuditEvent.objects.filter(
                action=AuditAction.CREATE,
                object_type=CONTACT_CREATED,
                actor_id=absence.covering_therapist_id,
                client_id__in=theirs,
                at__gte=first,
                at__lt=after,
            )
        )
    clients = Client.objects.filter(pk__in={*reads, *logged}).order_by("code")
    return [
        OpenedClient(
            client=client,
            reads=reads.get(client.pk, 0),
            contacts_logged=logged.get(client.pk, 0),
        )
        for client in clients
    ]


def clients_opened_count(*, absence: Absence) -> int:
    """How many of the absent therapist's clients had their cover page read
    under the absence."""
    return (
        AuditEvent.objects.filter(
            action=AuditAction.READ, object_type=access.COVER_PAGE, object_id=absence.pk
        )
        .values("client_id")
        .distinct()
        .count()
    )


# --- break-glass --------------------------------------------------------------


def require_break_glass(*, actor: User, now: dt.datetime) -> None:
    access.require_break_glass_role(actor, now=now)


def grants_for_review(*, actor: User, now: dt.datetime) -> QuerySet[BreakGlassGrant]:
    """The grants ``actor`` reviews (403 without the admin or supervisor role),
    those awaiting review first, then newest first."""
    access.require_break_glass_reviewer(actor)
    return (
        access.break_glass_grants_reviewable(actor, on=now.date())
        .select_related("client__clinic", "client__therapist", "grantee", "reviewed_by")
        .order_by(F("reviewed_at").desc(nulls_first=True), "-granted_at", "-pk")
    )


def grant_for_review(
    *, actor: User, grant_id: int, now: dt.datetime
) -> BreakGlassGrant:
    grant = grants_for_review(actor=actor, now=now).filter(pk=grant_id).first()
    if grant is None:
        raise access.not_found(actor, "break-glass-grant", grant_id)
    return grant


def unreviewed_count(*, actor: User, now: dt.datetime) -> int:
    """Grants awaiting ``actor``'s review, for the navigation's badge."""
    return (
        access.break_glass_grants_reviewable(actor, on=now.date())
        .filter(verdict="")
        .exclude(grantee=actor)
        .count()
    )
