"""The permission matrix's vocabulary: the roles and what a row says.

Each app lists its rows in ``tests/<app>/matrix_rows.py``; the test in
``tests/test_permission_matrix.py`` runs every row for every role.  A new URL
joins the matrix by adding one ``Row``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

OWN = "own_therapist"
OTHER = "other_therapist"
SUPERVISOR = "supervisor"
UNRELATED = "unrelated_supervisor"
ADMIN = "admin"
OUTSIDER = "outsider"
ANON = "anonymous"
# The edges: someone who left the clinic but is still recorded as the
# therapist of a client, a trainee whose notes need co-signature, a supervisor
# whose link with the own therapist has ended, and the Django-admin operator.
FORMER_STAFF = "former_staff"
TRAINEE = "trainee"
FORMER_SUPERVISOR = "former_supervisor"
OPERATOR = "operator"

ROLES = (
    OWN,
    OTHER,
    SUPERVISOR,
    UNRELATED,
    ADMIN,
    OUTSIDER,
    ANON,
    FORMER_STAFF,
    TRAINEE,
    FORMER_SUPERVISOR,
    OPERATOR,
)

# Nobody in these roles holds a membership of the world's clinic, so nothing
# of it may be revealed to them: every clinical record answers 404.
NO_MEMBERSHIP = {FORMER_STAFF: 404, OPERATOR: 404}
# Clinicians of the clinic without a current link to the world's client.
UNLINKED_CLINICIANS = {TRAINEE: 404, FORMER_SUPERVISOR: 404}

# Shorthands for common expectations.
CLINICAL_READ = {
    OWN: 200,
    OTHER: 404,
    SUPERVISOR: 200,
    UNRELATED: 404,
    ADMIN: 403,
    OUTSIDER: 404,
    ANON: 302,
    **NO_MEMBERSHIP,
    **UNLINKED_CLINICIANS,
}
CLINICAL_WRITE = {
    OWN: 200,
    OTHER: 404,
    SUPERVISOR: 403,
    UNRELATED: 404,
    ADMIN: 403,
    OUTSIDER: 404,
    ANON: 302,
    **NO_MEMBERSHIP,
    **UNLINKED_CLINICIANS,
}
# Without the admin role anywhere, the admin pages refuse before looking
# anything up.
ADMIN_ONLY = {
    OWN: 403,
    OTHER: 403,
    SUPERVISOR: 403,
    UNRELATED: 403,
    ADMIN: 200,
    OUTSIDER: 404,
    ANON: 302,
    FORMER_STAFF: 403,
    TRAINEE: 403,
    FORMER_SUPERVISOR: 403,
    OPERATOR: 403,
}
ANY_SIGNED_IN = {role: 200 for role in ROLES} | {ANON: 302}
# Pages for anyone holding a clinical role somewhere; the rest are refused
# before anything is looked up.
CLINICIANS = ANY_SIGNED_IN | {ADMIN: 403, FORMER_STAFF: 403, OPERATOR: 403}
# The same pages with the supervisor role required.
SUPERVISORS = CLINICIANS | {OWN: 403, OTHER: 403, TRAINEE: 403}

# Statuses that refuse without saying anything about the object asked for.
REFUSALS = frozenset({403, 404, 405})


@dataclass(frozen=True)
class Row:
    """One URL: how to build it from the world, the method, and the expected
    status per role.  ``data`` is posted as is (usually empty, so that a
    permitted user sees the form again rather than changing anything).

    ``args`` is called with the world for every role but the former member of
    staff, who is asked with the same records built on their old client (see
    :mod:`tests.test_permission_matrix`)."""

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


def mismatched(expected: dict[str, int]) -> dict[str, int]:
    """The expectation for a URL whose ids do not belong together: whoever
    would have been served is told the pair does not exist; a refusal given
    before the pair is looked up stays what it was."""
    return {
        role: status if status in REFUSALS or role == ANON else 404
        for role, status in expected.items()
    }


def get_refused(url_name: str, args: Callable[[SimpleNamespace], list[Any]]) -> Row:
    """A GET of a POST-only URL: signing in comes first, then the method is
    refused before anything is looked up or changed."""
    return Row(
        url_name,
        args,
        expected={role: 405 for role in ROLES} | {ANON: 302},
    )


# Lower apps build their worlds first.
APP_ORDER = ("clinic", "notes", "attachment")
TESTS = Path(__file__).resolve().parent


def row_module_names() -> list[str]:
    """Every ``matrix_rows.py`` under tests/, found by itself: a new area needs
    no edit of the matrix test."""
    paths = sorted(
        TESTS.glob("**/matrix_rows.py"),
        key=lambda path: (APP_ORDER.index(path.relative_to(TESTS).parts[0]), path),
    )
    return [
        ".".join(("tests", *path.relative_to(TESTS).with_suffix("").parts))
        for path in paths
    ]


def response_body(response) -> str:
    """A page's text, or a streamed download's, as the browser would get it."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")
