"""Reads for clinic pages, always scoped through :mod:`clinic.access`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from clinic import access
from clinic.extensions import annotate_caseload
from clinic.models import Client, ClientStatus, Clinic, Supervision, User


@dataclass
class SuperviseeCaseload:
    supervisee: User
    clients: list[Client]


def caseload_own(*, user: User) -> QuerySet[Client]:
    return annotate_caseload(access.writable_clients(user).order_by("status", "code"))


def caseload_of_supervisees(*, user: User, on: dt.date) -> list[SuperviseeCaseload]:
    """Each current supervisee with their clients, in two queries."""
    supervisee_ids = access.current_supervisee_ids(user, on=on)
    if not supervisee_ids:
        return []
    supervisees = {u.pk: u for u in User.objects.filter(pk__in=supervisee_ids)}
    clients = annotate_caseload(
        access.readable_clients(user, on=on)
        .filter(therapist_id__in=supervisee_ids)
        .order_by("therapist__full_name", "status", "code")
    )
    grouped: dict[int, list[Client]] = {pk: [] for pk in supervisees}
    for client in clients:
        grouped[client.therapist_id].append(client)
    return [
        SuperviseeCaseload(supervisee=supervisees[pk], clients=grouped[pk])
        for pk in sorted(supervisees, key=lambda pk: supervisees[pk].full_name)
    ]


def clinic_client_counts(*, clinic: Clinic) -> QuerySet[Client, dict[str, Any]]:
    """Per therapist: clients by status.  Counts only, for the clinic admin."""
    return (
        Client.objects.filter(clinic=clinic)
        .values("therapist_id", "therapist__full_name", "therapist__email")
        .annotate(
            active=Count("pk", filter=Q(status=ClientStatus.ACTIVE)),
            ending=Count("pk", filter=Q(status=ClientStatus.ENDING)),
            ended=Count("pk", filter=Q(status=ClientStatus.ENDED)),
        )
        .order_by("therapist__full_name")
    )


def supervision_links_awaiting(*, user: User) -> list[Supervision]:
    """Links proposed to ``user`` as supervisee that wait for their answer."""
    return list(
        Supervision.objects.filter(supervisee=user, accepted_at__isnull=True)
        .select_related("supervisor", "clinic")
        .order_by("started_on", "pk")
    )
