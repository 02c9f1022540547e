"""Writes of clients' contact addresses: the phone numbers and e-mail
addresses through which an arriving message finds its client
(:mod:`attachment.ingestion.services`).

An address in use belongs to one client of the clinic.  An ended client's
address is released when a current client's record claims it, so a number
passed on to someone else follows its new holder; a current client's
address is refused without saying whose it is.  Refusals never repeat the
address: they are shown beside the form field that holds it.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from attachment.addresses.access import client_for_addresses
from attachment.ingestion.addresses import address_normalised
from attachment.models import ClientAddress
from clinic.audit import audit_record
from clinic.models import AuditAction, Client, ClientStatus, User

HELD_BY_ANOTHER = "Another current client has this address."
HELD_ALREADY = "This client already has this address."
CLIENT_ENDED = "This client's therapy has ended: their record takes no new address."
NOT_IN_USE = "This address is no longer in use."


def _refused(message: str, code: str) -> ValidationError:
    return ValidationError({"address": ValidationError(message, code=code)})


def _release(*, actor: User, address: ClientAddress, now: dt.datetime) -> None:
    address.released_at = now
    address.save(update_fields=["released_at"])
    audit_record(actor=actor, action=AuditAction.DELETE, obj=address, at=now)


def _claimable(*, client: Client, value: str) -> ClientAddress | None:
    """The address in use with ``value`` that an ended client holds (to be
    released), None if nobody holds it, or a refusal."""
    held = (
        ClientAddress.objects.select_for_update()
        .select_related("client")
        .filter(clinic_id=client.clinic_id, value=value, released_at__isnull=True)
        .first()
    )
    if held is None:
        return None
    if held.client_id == client.pk:
        raise _refused(HELD_ALREADY, "held_already")
    if held.client.status != ClientStatus.ENDED:
        raise _refused(HELD_BY_ANOTHER, "held_by_another")
    return held


@transaction.atomic
def address_add(
    *, actor: User, client: Client, raw: str, now: dt.datetime
) -> ClientAddress:
    """Give ``client`` the address ``raw`` (normalised first); an ended
    client's hold on it is released in the same transaction."""
    client = client_for_addresses(actor, client.pk, on=now.date())
    if client.status == ClientStatus.ENDED:
        raise _refused(CLIENT_ENDED, "client_ended")
    try:
        kind, value = address_normalised(raw)
    except ValidationError as error:
        raise ValidationError({"address": error.error_list}) from None
    held = _claimable(client=client, value=value)
    if held is not None:
        _release(actor=actor, address=held, now=now)
    try:
        with transaction.atomic():
            address = ClientAddress.objects.create(
                clinic_id=client.clinic_id,
                client=client,
                kind=kind,
                value=value,
                created_at=now,
                created_by=actor,
            )
    except IntegrityError:
        # Claimed at the same moment by another request.
        raise _refused(HELD_BY_ANOTHER, "held_by_another") from None
    audit_record(actor=actor, action=AuditAction.CREATE, obj=address, at=now)
    return address


@transaction.atomic
def address_remove(
    *, actor: User, address: ClientAddress, now: dt.datetime
) -> ClientAddress:
    """Stop using ``address`` for its client; the row stays, released, as a
    record of who held the address when."""
    client_for_addresses(actor, address.client_id, on=now.date())
    address = ClientAddress.objects.select_for_update().get(pk=address.pk)
    if address.released_at is not None:
        raise _refused(NOT_IN_USE, "not_in_use")
    _release(actor=actor, address=address, now=now)
    return address
