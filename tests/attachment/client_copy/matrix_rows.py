"""Permission-matrix rows of the client's copy (see :mod:`tests.matrix`).

The copy is the treating therapist's to hand over: everyone else, the
supervisor and the clinic admin included, is told the client does not
exist (404).  The matrix asks without dates, which is the period's form; the
copy itself is asked for in tests/attachment/client_copy/.
"""

from __future__ import annotations

from types import SimpleNamespace

from tests.matrix import ANON, OWN, ROLES, Row

TREATING_ONLY = {role: 404 for role in ROLES} | {OWN: 200, ANON: 302}


def _client(world: SimpleNamespace) -> list[int]:
    return [world.client.pk]


ROWS: list[Row] = [
    Row("attachment:client_copy", _client, expected=TREATING_ONLY),
]
