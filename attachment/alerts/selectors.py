"""Reads of the unanswered-distress alert: the contacts the sweep weighs, who
covers and who supervises the therapists concerned, and the alerts a user's
home page and a client's page show.

Who may see which client is decided by :mod:`clinic.access`; the home list
filters through it, and the client panel is only ever given a client its
page has already let the reader see.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from attachment.alerts import rules
from attachment.models import Contact, Direction, Purpose, SafetyAlert
from attachment.supervision import notifications
from clinic import access
from clinic.models import Absence, Client, ClientStatus, Membership, User
from notes import selectors as notes_selectors
from notes.models import RISK_ABOVE_LOW

IN_THERAPY = (ClientStatus.ACTIVE, ClientStatus.ENDING)


def _latest_risk_level() -> Subquery:
    """The client's latest recorded risk level (its owner:
    :func:`notes.selectors.annotate_latest_risk`), as a subquery on the
    contact's ``client_id``."""
    client = notes_selectors.annotate_latest_risk(
        Client.objects.filter(pk=OuterRef("client_id"))
    )
    # An annotation, which the type stubs cannot see.
    return Subquery(client.values("latest_risk_level")[:1])  # type: ignore[misc]


def contacts_awaiting_alert(*, now: dt.datetime) -> QuerySet[Contact]:
    """Unanswered crisis contacts, and unanswered distress contacts of clients
    whose latest risk level is above low, from clients in therapy, within
    :data:`rules.LOOKBACK`, with no alert yet (due or not: the rules decide),
    each annotated with ``risk_level``."""
    return (
        Contact.objects.filter(
            direction=Direction.FROM_CLIENT,
            responded_at__isnull=True,
            purpose__in=(Purpose.CRISIS, Purpose.DISTRESS),
            occurred_at__gte=now - rules.LOOKBACK,
            occurred_at__lte=now,
            client__status__in=IN_THERAPY,
            safety_alert__isnull=True,
        )
        .annotate(risk_level=_latest_risk_level())
        .filter(Q(purpose=Purpose.CRISIS) | Q(risk_level__in=RISK_ABOVE_LOW))
        .select_related("client__clinic")
        .order_by("occurred_at", "pk")
    )


def covers_in_force(*, clients: Iterable[Client], now: dt.datetime) -> dict[int, int]:
    """Client id → the colleague covering its therapist at ``now`` (an absence
    on the clinic's date, with a cover who still holds a clinical role
    there, as :func:`clinic.access.absences_covered` reads it), in one query.
    Clients whose therapist is not away, or is away uncovered, are absent."""
    clients = list(clients)
    if not clients:
        return {}
    today = {
        client.clinic_id: access.clinic_today(client.clinic, now) for client in clients
    }
    cover_holds_role = Membership.objects.filter(
        user_id=OuterRef("covering_therapist_id"),
        clinic_id=OuterRef("clinic_id"),
        role__in=access.CLINICAL_ROLES,
    )
    absences = (
        Absence.objects.filter(
            clinic_id__in=today,
            therapist_id__in={client.therapist_id for client in clients},
            covering_therapist__isnull=False,
            starts_on__lte=max(today.values()),
            ends_on__gte=min(today.values()),
        )
        .filter(Exists(cover_holds_role))
        .order_by("starts_on", "pk")
    )
    cover_of: dict[tuple[int, int], int] = {}
    for absence in absences:
        if absence.covers(today[absence.clinic_id]) and absence.covering_therapist_id:
            cover_of.setdefault(
                (absence.clinic_id, absence.therapist_id), absence.covering_therapist_id
            )
    return {
        client.pk: cover_of[(client.clinic_id, client.therapist_id)]
        for client in clients
        if (client.clinic_id, client.therapist_id) in cover_of
    }


def supervisors_in_force(
    *, clients: Iterable[Client], now: dt.datetime
) -> dict[int, list[int]]:
    """Client id → the current supervisors of its therapist in its clinic
    (:func:`clinic.access.supervision_links_in_force`), longest-standing link
    first; one query per distinct clinic date (one, mostly)."""
    by_day: dict[dt.date, list[Client]] = defaultdict(list)
    for client in clients:
        by_day[access.clinic_today(client.clinic, now)].append(client)
    supervisors: dict[tuple[int, int], list[int]] = defaultdict(list)
    for day, some in by_day.items():
        links = (
            access.supervision_links_in_force(on=day)
            .filter(
                clinic_id__in={client.clinic_id for client in some},
                supervisee_id__in={client.therapist_id for client in some},
            )
            .order_by("started_on", "pk")
            .values_list("clinic_id", "supervisee_id", "supervisor_id")
        )
        for clinic_id, supervisee_id, supervisor_id in links:
            supervisors[(clinic_id, supervisee_id)].append(supervisor_id)
    return {
        client.pk: supervisors[(client.clinic_id, client.therapist_id)]
        for client in (client for some in by_day.values() for client in some)
        if supervisors.get((client.clinic_id, client.therapist_id))
    }


# --- what the pages show -----------------------------------------------------


def open_alerts() -> QuerySet[SafetyAlert]:
    """Alerts whose contact has not been answered (an answer logged since the
    last sweep already counts: the sweep only records it)."""
    return SafetyAlert.objects.filter(
        answered_at__isnull=True, contact__responded_at__isnull=True
    )


@dataclass(frozen=True)
class HomeAlert:
    """One line of the home page's alerts: the client's code, never more."""

    code: str
    purpose: str
    occurred_at: dt.datetime
    due_at: dt.datetime
    escalated: bool
    url: str
    zone: dt.tzinfo


def _link(alert: SafetyAlert, actor: User) -> str:
    """Where ``actor`` acts on the alert: their own client's page set to
    log the reply, the cover page set likewise, or (for the supervisor it was
    escalated to) the client's page to read."""
    if alert.client.therapist_id == actor.pk:
        return notifications.reply_path(alert.client_id, alert.contact_id)
    if alert.escalated_to_id == actor.pk:
        return notifications.client_path(alert.client_id)
    return notifications.cover_reply_path(alert.client_id, alert.contact_id)


def home_alerts_of(*, actor: User, now: dt.datetime) -> list[HomeAlert]:
    """The open alerts ``actor`` is to act on: those of their own clients
    (whoever was told), those they were told of as the cover while they
    still cover the client, and those escalated to them while they still
    supervise its therapist."""
    own = access.writable_clients(actor)
    covered = access.covered_clients(actor, now=now)
    readable = access.readable_clients(actor, on=now.date())
    alerts = (
        open_alerts()
        .filter(
            Q(client__in=own)
            | Q(notified=actor, client__in=covered)
            | Q(escalated_to=actor, client__in=readable)
        )
        .select_related("client__clinic", "contact")
        .order_by("due_at", "pk")
    )
    return [
        HomeAlert(
            code=alert.client.code,
            purpose=alert.contact.purpose,
            occurred_at=alert.contact.occurred_at,
            due_at=alert.due_at,
            escalated=alert.escalated_at is not None,
            url=_link(alert, actor),
            zone=alert.client.clinic.zone,
        )
        for alert in alerts
    ]


def client_alerts_of(*, client: Client) -> list[SafetyAlert]:
    """The client's alerts not yet settled by the sweep, with their contacts:
    a contact answered since shows as answered."""
    return list(
        SafetyAlert.objects.filter(client=client, answered_at__isnull=True)
        .select_related("contact")
        .order_by("due_at", "pk")
    )
