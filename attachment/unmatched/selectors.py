"""Reads of the unmatched inbox: metadata only (time, channel, direction,
address, duration, length, the integration that delivered it).  The page
that shows them writes a read event per message shown (see the views)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from attachment.models import UnmatchedMessage
from attachment.unmatched.access import assignable_clients
from clinic.models import ClientStatus, User


def unmatched_waiting(*, clinic_ids: Iterable[int]) -> QuerySet[UnmatchedMessage]:
    """The clinics' messages nobody has assigned or discarded, newest first."""
    return (
        UnmatchedMessage.objects.filter(clinic_id__in=list(clinic_ids), resolution="")
        .select_related("integration", "clinic")
        .order_by("-occurred_at", "-pk")
    )


def assignable_choices(user: User, *, clinic_id: int) -> list[tuple[int, str]]:
    """(id, label) of the clients ``user`` may assign a message of
    ``clinic_id`` to, by code; an ended client is marked so."""
    return [
        (pk, f"{code} (ended)" if status == ClientStatus.ENDED else code)
        for pk, code, status in assignable_clients(
            user, clinic_id=clinic_id
        ).values_list("pk", "code", "status")
    ]
