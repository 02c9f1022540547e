"""Permission-matrix rows of the oversight pages (see :mod:`tests.matrix`).

The supervisors' overview needs the supervisor role (a supervisor without
current supervisees sees an empty page, the outsider and the former
supervisor included); the clinic overview and the detector settings are the
clinic admin's.
"""

from __future__ import annotations

from tests.matrix import ADMIN, ADMIN_ONLY, OUTSIDER, SUPERVISORS, Row, expect

CLINIC_WIDE = expect(ADMIN_ONLY, **{OUTSIDER: 200})

ROWS: list[Row] = [
    Row("attachment:overview", expected=SUPERVISORS),
    Row("attachment:clinic_overview", expected=CLINIC_WIDE),
    Row("attachment:detector_settings", expected=CLINIC_WIDE),
    Row("attachment:detector_settings", method="POST", expected=CLINIC_WIDE),
    Row(
        "attachment:detector_settings_reset",
        method="POST",
        expected=expect(CLINIC_WIDE, **{ADMIN: 302, OUTSIDER: 302}),
    ),
]
