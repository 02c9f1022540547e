"""Who may keep a client's contact addresses: the client's treating
therapist, and the admin of the client's clinic.  A supervisor reads the
client's records but does not change them, so keeping an address is not
theirs (403); anyone else is told the client does not exist (404), as
:mod:`clinic.access` decides for every record."""

from __future__ import annotations

import datetime as dt

from clinic import access
from clinic.models import Client, User


def client_for_addresses(user: User, client_id: int, *, on: dt.date) -> Client:
    """The client whose addresses ``user`` may keep, or 404/403."""
    client = (
        (access.writable_clients(user) | access.configurable_clients(user))
        .select_related("clinic", "therapist")
        .filter(pk=client_id)
        .first()
    )
    if client is not None:
        return client
    if access.readable_clients(user, on=on).filter(pk=client_id).exists():
        raise access.forbidden(user, "client", client_id)
    raise access.not_found(user, "client", client_id)
