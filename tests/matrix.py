"""The permission matrix's vocabulary: the roles and what a row says.

Each app lists its rows in ``tests/<app>/matrix_rows.py``; the one test in
``tests/test_permission_matrix.py`` runs every row for every role.  A new URL
joins the matrix by adding one ``Row``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

OWN = "own_therapist"
OTHER = "other_therapist"
SUPERVISOR = "supervisor"
UNRELATED = "unrelated_supervisor"
ADMIN = "admin"
OUTSIDER = "outsider"
ANON = "anonymous"

ROLES = (OWN, OTHER, SUPERVISOR, UNRELATED, ADMIN, OUTSIDER, ANON)

# Shorthands for common expectations.
CLINICAL_READ = {
    OWN: 200,
    OTHER: 404,
    SUPERVISOR: 200,
    UNRELATED: 404,
    ADMIN: 403,
    OUTSIDER: 404,
    ANON: 302,
}
CLINICAL_WRITE = {
    OWN: 200,
    OTHER: 404,
    SUPERVISOR: 403,
    UNRELATED: 404,
    ADMIN: 403,
    OUTSIDER: 404,
    ANON: 302,
}
ADMIN_ONLY = {
    OWN: 403,
    OTHER: 403,
    SUPERVISOR: 403,
    UNRELATED: 403,
    ADMIN: 200,
    OUTSIDER: 404,
    ANON: 302,
}
ANY_SIGNED_IN = {
    OWN: 200,
    OTHER: 200,
    SUPERVISOR: 200,
    UNRELATED: 200,
    ADMIN: 200,
    OUTSIDER: 200,
    ANON: 302,
}


@dataclass(frozen=True)
class Row:
    """One URL: how to build it from the world, the method, and the expected
    status per role.  ``data`` is posted as is (usually empty, so that a
    permitted user sees the form again rather than changing anything)."""

    url_name: str
    args: Callable[[SimpleNamespace], list[Any]] = lambda world: []
    method: str = "GET"
    expected: dict[str, int] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = set(ROLES) - set(self.expected)
        assert not missing, f"{self.url_name}: no expectation for {sorted(missing)}"

    @property
    def id(self) -> str:
        return f"{self.method} {self.url_name}"


def expect(base: dict[str, int], **changes: int) -> dict[str, int]:
    return {**base, **changes}
