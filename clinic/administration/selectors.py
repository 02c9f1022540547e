"""Reads for the clinic admin's configuration pages.

Everything here is configuration (who is away, who supervises whom, where each
client's between-sessions agreement stands against the clinic's frame), never
clinical content; every query is limited to the clinic the admin administers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from clinic import access
from clinic.administration.staff import selectors as staff_selectors
from clinic.extensions import AgreementStatus, agreement_statuses
from clinic.models import (
    Absence,
    Client,
    Clinic,
    Role,
    StaffProposalKind,
    Supervision,
    User,
)


def administered_clinic(*, actor: User, clinic_id: int) -> Clinic:
    """The clinic ``clinic_id`` if ``actor`` administers it: 403 for someone
    who administers no clinic, 404 for another clinic's record."""
    clinic = access.admin_clinic(actor)
    if clinic.pk != clinic_id:
        raise access.not_found(actor, "clinic", clinic_id)
    return clinic


def clinic_people(*, clinic: Clinic, role: str) -> QuerySet[User]:
    return User.objects.filter(
        memberships__clinic=clinic, memberships__role=role, is_active=True
    ).order_by("full_name")


def clinic_therapists(*, clinic: Clinic) -> QuerySet[User]:
    return clinic_people(clinic=clinic, role=Role.THERAPIST)


def absences_of_clinic(*, clinic: Clinic) -> QuerySet[Absence]:
    return (
        Absence.objects.filter(clinic=clinic)
        .select_related("therapist", "covering_therapist")
        .order_by("-starts_on", "therapist__full_name")
    )


def absence_of_clinic(*, clinic: Clinic, absence_id: int) -> Absence | None:
    return absences_of_clinic(clinic=clinic).filter(pk=absence_id).first()


def supervision_links(*, clinic: Clinic) -> QuerySet[Supervision]:
    """Open links first, then ended ones, newest first."""
    return (
        Supervision.objects.filter(clinic=clinic)
        .select_related("supervisor", "supervisee")
        .order_by("ended_on", "supervisor__full_name", "-started_on")
    )


def supervision_link(*, clinic: Clinic, link_id: int) -> Supervision | None:
    return supervision_links(clinic=clinic).filter(pk=link_id).first()


def supervision_links_approvable(*, clinic: Clinic, actor: User) -> set[int]:
    """Ids of the proposed links ``actor`` may approve as the second clinic
    admin: not proposed by them, and not a link they are part of."""
    return set(
        Supervision.objects.filter(
            clinic=clinic, accepted_at__isnull=True, proposal__isnull=False
        )
        .exclude(proposal__proposed_by=actor)
        .exclude(supervisor=actor)
        .exclude(supervisee=actor)
        .values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class ClientAgreementRow:
    """A client as the clinic admin sees it: code, therapist and status, with
    the agreement's status only (``None``: no agreement written yet)."""

    client: Client
    agreement: AgreementStatus | None
    move_pending: bool = False


def clients_with_agreements(
    *, actor: User, clinic: Clinic, now: dt.datetime
) -> list[ClientAgreementRow]:
    """The clinic's clients by code, each with the status of their agreement
    and whether a move to another therapist awaits a second admin, in a fixed
    number of queries whatever the number of clients."""
    clients = list(
        access.configurable_clients(actor)
        .filter(clinic=clinic)
        .select_related("therapist")
        .order_by("code")
    )
    statuses = agreement_statuses(
        clinic=clinic, client_ids=[client.pk for client in clients], now=now
    )
    moves = _moves_pending(clinic=clinic)
    return [
        ClientAgreementRow(
            client=client,
            agreement=statuses.get(client.pk),
            move_pending=client.pk in moves,
        )
        for client in clients
    ]


def _moves_pending(*, clinic: Clinic) -> set[int]:
    return set(
        staff_selectors.pending_proposals(clinic=clinic)
        .filter(kind=StaffProposalKind.REASSIGN)
        .values_list("client_id", flat=True)
    )
