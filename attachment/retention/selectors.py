"""Reads of retention: when a client's records are due, who is past it, the
holds in force and the destructions done.  Codes, dates and counts only, so
the clinic admin may read them (clinic/access.py ``admin_clinic``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet

from attachment.models import (
    AttachmentMeasure,
    ClientAddress,
    ClientDestruction,
    Contact,
    ContactAgreement,
    ContactDelivery,
    CopingPlan,
    DependencyObservation,
    DiscussedFlag,
    Flag,
    FlagResponse,
    FlagStatusChange,
    ImportedRecord,
    LegalHold,
    RepairAttempt,
    RetentionDue,
    Rupture,
    SafetyAlert,
    SafetyPlan,
)
from clinic import access
from clinic.models import Client, ClientStatus, Clinic, User
from notes.models import Addendum, NoteReturn, ProcessNote, Reflection, SessionNote


def retention_due_on(*, ended_on: dt.date, years: int) -> dt.date:
    """The day an ended client's retention period runs out: the ending
    date's anniversary ``years`` later (28 February for a 29 February)."""
    try:
        return ended_on.replace(year=ended_on.year + years)
    except ValueError:
        return ended_on.replace(year=ended_on.year + years, day=28)


def clients_past_retention(*, clinic: Clinic, today: dt.date) -> list[Client]:
    """The clinic's ended clients whose retention ran out on or before
    ``today`` and whose records are not yet destroyed."""
    years = clinic.retention_years
    # An upper bound on the ending dates: the exact rule is retention_due_on.
    latest = retention_due_on(ended_on=today, years=-years) + dt.timedelta(days=1)
    candidates = Client.objects.filter(
        clinic=clinic, status=ClientStatus.ENDED, ended_on__lte=latest
    ).exclude(Exists(ClientDestruction.objects.filter(client=OuterRef("pk"))))
    return [
        client
        for client in candidates.order_by("ended_on", "pk")
        if client.ended_on is not None
        and retention_due_on(ended_on=client.ended_on, years=years) <= today
    ]


def retention_list(*, clinic: Clinic) -> QuerySet[RetentionDue]:
    """The clients the nightly listing found past retention, with whether a
    legal hold is in force (``held``)."""
    return (
        RetentionDue.objects.filter(clinic=clinic)
        .exclude(Exists(ClientDestruction.objects.filter(client=OuterRef("client"))))
        .select_related("client")
        .annotate(
            held=Exists(
                LegalHold.objects.filter(
                    client=OuterRef("client"), lifted_at__isnull=True
                )
            )
        )
        .order_by("due_on", "client__code")
    )


def holds_in_force(*, clinic: Clinic) -> QuerySet[LegalHold]:
    return (
        LegalHold.objects.filter(client__clinic=clinic, lifted_at__isnull=True)
        .select_related("client", "placed_by")
        .order_by("client__code")
    )


def destructions(*, clinic: Clinic) -> QuerySet[ClientDestruction]:
    return (
        ClientDestruction.objects.filter(client__clinic=clinic)
        .select_related("destroyed_by")
        .order_by("-destroyed_at")
    )


def hold_in_force(*, client: Client) -> LegalHold | None:
    return LegalHold.objects.filter(client=client, lifted_at__isnull=True).first()


def client_of_clinic(*, actor: User, client_id: int) -> Client:
    """A client of the clinic ``actor`` administers: 403 for someone who
    administers none, 404 for any other client."""
    clinic = access.admin_clinic(actor)
    client = Client.objects.filter(clinic=clinic, pk=client_id).first()
    if client is None:
        raise access.not_found(actor, "client", client_id)
    return client


def client_by_code(*, clinic: Clinic, code: str) -> Client | None:
    return Client.objects.filter(clinic=clinic, code=code).first()


def hold_of_clinic(*, actor: User, hold_id: int) -> LegalHold:
    """A hold in force on a client of ``actor``'s clinic, or 404."""
    clinic = access.admin_clinic(actor)
    hold = (
        LegalHold.objects.filter(
            client__clinic=clinic, pk=hold_id, lifted_at__isnull=True
        )
        .select_related("client")
        .first()
    )
    if hold is None:
        raise access.not_found(actor, "legal-hold", hold_id)
    return hold


def client_record_counts(*, client: Client) -> dict[str, int]:
    """How many records of each kind ``client`` has (model label → count),
    kinds with none left out: what a destruction would remove."""
    mine = Q(client=client)
    querysets = [
        SessionNote.objects.filter(mine),
        Addendum.objects.filter(note__client=client),
        NoteReturn.objects.filter(note__client=client),
        ProcessNote.objects.filter(mine),
        Reflection.objects.filter(mine),
        Contact.objects.filter(mine),
        ContactDelivery.objects.filter(contact__client=client),
        ClientAddress.objects.filter(mine),
        Rupture.objects.filter(mine),
        RepairAttempt.objects.filter(rupture__client=client),
        DependencyObservation.objects.filter(mine),
        AttachmentMeasure.objects.filter(mine),
        CopingPlan.objects.filter(mine),
        SafetyPlan.objects.filter(mine),
        SafetyAlert.objects.filter(mine),
        ContactAgreement.objects.filter(mine),
        Flag.objects.filter(mine),
        FlagStatusChange.objects.filter(flag__client=client),
        FlagResponse.objects.filter(flag__client=client),
        DiscussedFlag.objects.filter(flag__client=client),
        ImportedRecord.objects.filter(mine),
    ]
    counts = {qs.model._meta.label_lower: qs.count() for qs in querysets}
    return {label: count for label, count in counts.items() if count}
