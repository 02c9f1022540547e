"""Reads of clients' contact addresses.  An address names a person, so each
page that shows addresses writes a read event (see the views)."""

from __future__ import annotations

from django.db.models import QuerySet

from attachment.models import ClientAddress
from clinic.models import Client, ClientStatus, Clinic


def addresses_in_use_of(*, client: Client) -> QuerySet[ClientAddress]:
    """The client's addresses in use, phone numbers first."""
    return ClientAddress.objects.filter(client=client, released_at__isnull=True)


def addresses_of_current_clients(*, clinic: Clinic) -> QuerySet[ClientAddress]:
    """The addresses in use of the clinic's clients whose therapy has not
    ended, by client code: the clinic admin's list."""
    return (
        ClientAddress.objects.filter(clinic=clinic, released_at__isnull=True)
        .exclude(client__status=ClientStatus.ENDED)
        .select_related("client")
        .order_by("client__code", "kind", "value")
    )


def current_clients_of(*, clinic: Clinic) -> QuerySet[Client]:
    """The clients an address can be given to on the admin's page."""
    return Client.objects.filter(clinic=clinic).exclude(status=ClientStatus.ENDED)


def address_in_use(
    *, addresses: QuerySet[ClientAddress], address_id: int
) -> ClientAddress | None:
    """One address of ``addresses`` still in use, or None."""
    return (
        addresses.filter(pk=address_id, released_at__isnull=True)
        .select_related("client__clinic")
        .first()
    )
