"""Reads of between-session records.

The client is always fetched through :mod:`clinic.access` first (the views do
it, so that a refusal is a 404 or 403 before anything is read); every function
here then reads only that client's rows, and a record that is not the
client's is a 404 logged through :func:`clinic.access.not_found`.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery

from attachment.models import (
    OPEN_RUPTURE_STATUSES,
    AttachmentMeasure,
    Contact,
    CopingPlan,
    DependencyObservation,
    RepairOutcome,
    Rupture,
)
from clinic import access
from clinic.models import Client, User


def client_for_reading(*, actor: User, client_id: int, now: dt.datetime) -> Client:
    return access.client_for_reading(actor, client_id, on=now.date())


def client_for_writing(*, actor: User, client_id: int, now: dt.datetime) -> Client:
    return access.client_for_writing(actor, client_id, on=now.date())


def contacts_of(*, client: Client) -> QuerySet[Contact]:
    """Newest first, with whoever logged each one for another therapist (the
    "logged by" badge) in the same query."""
    return (
        Contact.objects.filter(client=client)
        .select_related("logged_by")
        .order_by("-occurred_at", "-pk")
    )


def last_channel_of(*, client: Client) -> str | None:
    """The channel of the client's latest contact, to start the next from."""
    return (
        Contact.objects.filter(client=client)
        .order_by("-occurred_at", "-pk")
        .values_list("channel", flat=True)
        .first()
    )


def unanswered_contacts_of(
    *, client: Client, limit: int = 5, also: int | None = None
) -> list[Contact]:
    """The client's last ``limit`` unanswered contacts from the client, newest
    first, that a contact from the therapist may answer (with the contact
    ``also``, the one an edited reply already answers)."""
    unanswered = Q(direction="from_client", responded_at__isnull=True)
    latest = list(
        Contact.objects.filter(unanswered, client=client).order_by(
            "-occurred_at", "-pk"
        )[:limit]
    )
    if also is not None and all(contact.pk != also for contact in latest):
        latest += Contact.objects.filter(client=client, pk=also)
    return latest


def contact_of(*, actor: User, client: Client, contact_id: int) -> Contact:
    contact = Contact.objects.filter(client=client, pk=contact_id).first()
    if contact is None:
        raise access.not_found(actor, "contact", contact_id)
    contact.client = client
    return contact


def ruptures_of(*, client: Client) -> QuerySet[Rupture]:
    """With ``repaired_at`` (first complete repair) and the number of attempts."""
    return (
        Rupture.objects.filter(client=client)
        .annotate(
            repaired_at=Min(
                "attempts__attempted_at",
                filter=Q(attempts__outcome=RepairOutcome.COMPLETE),
            ),
            attempt_count=Count("attempts"),
        )
        .order_by("-noticed_at", "-pk")
    )


def open_ruptures_of(*, client: Client) -> QuerySet[Rupture]:
    return Rupture.objects.filter(
        client=client, status__in=OPEN_RUPTURE_STATUSES
    ).order_by("-priority", "noticed_at")


def rupture_of(*, actor: User, client: Client, rupture_id: int) -> Rupture:
    rupture = ruptures_of(client=client).filter(pk=rupture_id).first()
    if rupture is None:
        raise access.not_found(actor, "rupture", rupture_id)
    rupture.client = client
    return rupture


def observations_of(*, client: Client) -> QuerySet[DependencyObservation]:
    return DependencyObservation.objects.filter(client=client).order_by(
        "-observed_at", "-pk"
    )


def measures_of(*, client: Client) -> QuerySet[AttachmentMeasure]:
    return AttachmentMeasure.objects.filter(client=client).order_by("-measured_on")


def plans_of(*, client: Client) -> QuerySet[CopingPlan]:
    return (
        CopingPlan.objects.filter(client=client)
        .select_related("author")
        .order_by("-version")
    )


def current_plan(*, client: Client) -> CopingPlan | None:
    """The highest version is the plan in force."""
    return plans_of(client=client).first()


def plan_version(*, actor: User, client: Client, version: int) -> CopingPlan:
    plan = plans_of(client=client).filter(version=version).first()
    if plan is None:
        raise access.not_found(actor, "coping-plan-version", version)
    return plan


def undiscussed_contacts(
    *, client: Client, since: dt.datetime | None
) -> QuerySet[Contact]:
    """Contacts since the last session note that no note has taken up yet."""
    contacts = Contact.objects.filter(client=client, discussed_in__isnull=True)
    if since is not None:
        contacts = contacts.filter(occurred_at__gt=since)
    return contacts.order_by("occurred_at", "pk")


def ruptures_for_agenda(
    *, client: Client, since: dt.datetime | None
) -> QuerySet[Rupture]:
    """Open ruptures, highest priority first, except those the last note
    already discussed: they come back after the next note if still open."""
    ruptures = open_ruptures_of(client=client)
    if since is not None:
        ruptures = ruptures.filter(
            Q(last_discussed_at__isnull=True) | Q(last_discussed_at__lt=since)
        )
    return ruptures


def annotate_last_contact(clients: QuerySet[Client]) -> QuerySet[Client]:
    """The caseload's ``last_contact_at``: one subquery, no query per client."""
    latest = (
        Contact.objects.filter(client=OuterRef("pk"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    return clients.annotate(last_contact_at=Subquery(latest))
