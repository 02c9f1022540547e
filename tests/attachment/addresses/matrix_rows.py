"""Permission-matrix rows of the contact-address pages (see
:mod:`tests.matrix`).

The client's page is the treating therapist's: a supervisor reads the
client's records but keeps no addresses (403), and the clinic admin keeps
them on the Administration page instead.  The admin's page lists the
clinic's own clients, so another clinic's admin gets their own (200); an
address of the world's clinic does not exist for them (404).
"""

from tests.matrix import ADMIN, ADMIN_ONLY, CLINICAL_WRITE, OUTSIDER, Row, expect

PHONE = "+447700900123"


def build_records(world):
    """An address of the world's client (a distinct number per client)."""
    from django.utils import timezone

    from attachment.models import AddressKind, ClientAddress

    world.address = ClientAddress.objects.create(
        clinic_id=world.client.clinic_id,
        client=world.client,
        kind=AddressKind.PHONE,
        value=f"+4477009{world.client.pk:05d}",
        created_at=timezone.now(),
    )


def _client(w):
    return [w.client.pk]


def _address(w):
    return [w.client.pk, w.address.pk]


def _admin_address(w):
    return [w.address.pk]


# A valid POST redirects once done; an empty one shows the form again.
REMOVED = expect(CLINICAL_WRITE, own_therapist=302)
CLINIC_WIDE = expect(ADMIN_ONLY, **{OUTSIDER: 200})

ROWS = [
    Row("attachment:client_addresses", _client, expected=CLINICAL_WRITE),
    Row("attachment:client_addresses", _client, method="POST", expected=CLINICAL_WRITE),
    Row(
        "attachment:client_address_remove",
        _address,
        method="POST",
        expected=REMOVED,
    ),
    Row("attachment:address_admin", expected=CLINIC_WIDE),
    Row("attachment:address_admin", method="POST", expected=CLINIC_WIDE),
    Row(
        "attachment:address_admin_remove",
        _admin_address,
        method="POST",
        expected=expect(ADMIN_ONLY, **{ADMIN: 302}),
    ),
]
