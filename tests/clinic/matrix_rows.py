"""Permission-matrix rows of the clinic pages (see :mod:`tests.matrix`).

The home page is everyone's (the clinic admin is sent on to the client
management page); the client page is clinical; the clinic's frame is the
clinic admin's to configure.
A proposed supervision link is answered by its supervisee alone.
"""

import datetime as dt

from clinic.models import Supervision
from tests.matrix import (
    ADMIN,
    ADMIN_ONLY,
    ANON,
    ANY_SIGNED_IN,
    CLINICAL_READ,
    OUTSIDER,
    OWN,
    ROLES,
    UNRELATED,
    Row,
    expect,
)

CLINIC_WIDE = expect(ADMIN_ONLY, **{OUTSIDER: 200})


def build(world):
    """A link proposed to the client's therapist, not yet answered."""
    world.proposed_link = Supervision.objects.create(
        clinic=world.client.clinic,
        supervisor=world.people[UNRELATED],
        supervisee=world.people[OWN],
        started_on=dt.date(2025, 1, 1),
    )


SUPERVISEE_ANSWERS = {role: 404 for role in ROLES} | {OWN: 302, ANON: 302}


def _proposed(w):
    return [w.proposed_link.pk]


def _client(w):
    return [w.client.pk]


ROWS = [
    Row("clinic:home", expected=expect(ANY_SIGNED_IN, **{ADMIN: 302})),
    Row("clinic:client", _client, expected=CLINICAL_READ),
    Row("clinic:manage_clients", expected=CLINIC_WIDE),
    Row("clinic:policy_default", expected=CLINIC_WIDE),
    Row("clinic:policy_default", method="POST", expected=CLINIC_WIDE),
    Row("clinic:date_format", expected=CLINIC_WIDE),
    Row("clinic:date_format", method="POST", expected=CLINIC_WIDE),
    Row(
        "clinic:supervision_accept",
        _proposed,
        method="POST",
        expected=SUPERVISEE_ANSWERS,
    ),
    Row(
        "clinic:supervision_decline",
        _proposed,
        method="POST",
        expected=SUPERVISEE_ANSWERS,
    ),
]
