"""Permission-matrix rows of the access report.

A client's report (and its CSV) is for its treating therapist and the clinic
admins of its clinic: everyone else, the supervisor included, gets 404.  The
month of accesses is the clinic admin's, like the other Administration pages:
403 to anyone without the admin role, and the outsider (an admin elsewhere)
sees their own clinic's.
"""

from __future__ import annotations

from types import SimpleNamespace

from tests.matrix import ADMIN, ADMIN_ONLY, ANON, OUTSIDER, OWN, ROLES, Row, expect

TREATING_AND_ADMIN = {role: 404 for role in ROLES} | {OWN: 200, ADMIN: 200, ANON: 302}


def _client(world: SimpleNamespace) -> list[int]:
    return [world.client.pk]


ROWS: list[Row] = [
    Row("clinic:access_report", _client, expected=TREATING_AND_ADMIN),
    Row("clinic:access_report_csv", _client, expected=TREATING_AND_ADMIN),
    Row("clinic:access_overview", expected=expect(ADMIN_ONLY, **{OUTSIDER: 200})),
]
