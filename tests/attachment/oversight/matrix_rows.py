"""Permission-matrix rows of the oversight pages (see :mod:`tests.matrix`).

The supervisors' overview needs the supervisor role (a supervisor without
current supervisees sees an empty page, the outsider and the former
supervisor included); the clinic overview is the clinic admin's.  The
detector settings are read by the clinic admin and changed by the clinic's
clinical lead alone: in this world the unrelated supervisor, who reads and
changes them, while the clinic admin may only read them (a change: 403).
"""

from __future__ import annotations

from types import SimpleNamespace

from clinic.models import Membership, Role
from tests.matrix import (
    ADMIN,
    ADMIN_ONLY,
    OUTSIDER,
    SUPERVISORS,
    UNRELATED,
    Row,
    expect,
)

CLINIC_WIDE = expect(ADMIN_ONLY, **{OUTSIDER: 200})


def build(world: SimpleNamespace) -> None:
    Membership.objects.filter(
        user=world.people[UNRELATED], role=Role.SUPERVISOR
    ).update(is_clinical_lead=True)


ROWS: list[Row] = [
    Row("attachment:overview", expected=SUPERVISORS),
    Row("attachment:clinic_overview", expected=CLINIC_WIDE),
    Row(
        "attachment:detector_settings", expected=expect(CLINIC_WIDE, **{UNRELATED: 200})
    ),
    # The lead's empty POST is a form with errors, shown again.
    Row(
        "attachment:detector_settings",
        method="POST",
        expected=expect(ADMIN_ONLY, **{UNRELATED: 200, ADMIN: 403, OUTSIDER: 403}),
    ),
    Row(
        "attachment:detector_settings_reset",
        method="POST",
        expected=expect(ADMIN_ONLY, **{UNRELATED: 302, ADMIN: 403, OUTSIDER: 403}),
    ),
]
