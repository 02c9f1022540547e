"""Permission-matrix rows of the clinic admin's configuration pages.

Only the clinic admin may use them; everyone else signed in without the admin
role (in this clinic or, like the operator, in none) gets 403.  The outsider administers another clinic, so the clinic-wide pages show
them their own clinic (200) while this clinic's records answer 404.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from clinic.models import Supervision
from tests.factories import AbsenceFactory
from tests.matrix import ADMIN, ADMIN_ONLY, OUTSIDER, OWN, SUPERVISOR, Row, expect


def build(world: SimpleNamespace) -> None:
    """A future absence of the client's therapist, and the supervision link."""
    world.absence = AbsenceFactory(
        clinic=world.client.clinic,
        therapist=world.people[OWN],
        starts_on=dt.date(2099, 7, 1),
        ends_on=dt.date(2099, 7, 14),
    )
    world.supervision = Supervision.objects.get(
        supervisor=world.people[SUPERVISOR], supervisee=world.people[OWN]
    )


CLINIC_WIDE = expect(ADMIN_ONLY, **{OUTSIDER: 200})
THIS_CLINIC_ACTION = expect(ADMIN_ONLY, **{ADMIN: 302})

ROWS: list[Row] = [
    Row("clinic:policy_overrides", expected=CLINIC_WIDE),
    Row("clinic:absence_list", expected=CLINIC_WIDE),
    Row("clinic:absence_new", expected=CLINIC_WIDE),
    Row("clinic:absence_new", method="POST", expected=CLINIC_WIDE),
    Row("clinic:absence_edit", lambda w: [w.absence.pk], expected=ADMIN_ONLY),
    Row(
        "clinic:absence_edit",
        lambda w: [w.absence.pk],
        method="POST",
        expected=ADMIN_ONLY,
    ),
    Row(
        "clinic:absence_delete",
        lambda w: [w.absence.pk],
        method="POST",
        expected=THIS_CLINIC_ACTION,
    ),
    Row("clinic:supervision_list", expected=CLINIC_WIDE),
    Row("clinic:supervision_new", expected=CLINIC_WIDE),
    Row("clinic:supervision_new", method="POST", expected=CLINIC_WIDE),
    Row("clinic:supervision_end", lambda w: [w.supervision.pk], expected=ADMIN_ONLY),
    Row(
        "clinic:supervision_end",
        lambda w: [w.supervision.pk],
        method="POST",
        expected=ADMIN_ONLY,
    ),
    Row(
        "clinic:supervision_cosign",
        lambda w: [w.supervision.pk],
        method="POST",
        expected=THIS_CLINIC_ACTION,
    ),
]
