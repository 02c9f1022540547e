"""Who works the unmatched inbox: the clinic admin and the clinic's
therapists see every waiting message of their clinic (metadata only: no
message has a body).  The admin may assign a message to any client of the
clinic; a therapist only to their own clients.  Anyone without either role
is refused before anything is looked up (403); a message of another clinic
does not exist for them (404)."""

from __future__ import annotations

from django.db.models import QuerySet

from attachment.models import UnmatchedMessage
from clinic import access
from clinic.models import Client, Role, User

INBOX_ROLES = (Role.ADMIN, Role.THERAPIST)


def inbox_clinic_ids(user: User) -> list[int]:
    """The clinics whose inbox ``user`` works, or 403 when there are none."""
    clinic_ids = sorted(set(access.clinic_ids_with_role(user, *INBOX_ROLES)))
    if not clinic_ids:
        raise access.forbidden(user, "unmatched-inbox", None)
    return clinic_ids


def message_for_acting(user: User, message_id: int) -> UnmatchedMessage:
    """A message of a clinic whose inbox ``user`` works, or 404."""
    message = (
        UnmatchedMessage.objects.filter(
            clinic_id__in=inbox_clinic_ids(user), pk=message_id
        )
        .select_related("integration")
        .first()
    )
    if message is None:
        raise access.not_found(user, "unmatched-message", message_id)
    return message


def assignable_clients(user: User, *, clinic_id: int) -> QuerySet[Client]:
    """The clients of ``clinic_id`` to whom ``user`` may assign a message:
    all of them for its admin, else the user's own."""
    if clinic_id in access.clinic_ids_with_role(user, Role.ADMIN):
        return Client.objects.filter(clinic_id=clinic_id)
    return access.writable_clients(user).filter(clinic_id=clinic_id)
