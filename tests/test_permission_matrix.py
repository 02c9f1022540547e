"""Every URL × every role → the expected status.

``own_therapist`` owns the world's client; ``supervisor`` supervises them;
``other_therapist`` and ``unrelated_supervisor`` work in the same clinic but
have no link to the client; ``admin`` is the clinic admin; ``outsider`` holds
every role in another clinic.  Out-of-scope objects must answer 404.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse

from tests.clinic.matrix_rows import ROWS as CLINIC_ROWS
from tests.matrix import ADMIN, ANON, OTHER, OUTSIDER, OWN, ROLES, SUPERVISOR, UNRELATED

ROWS = [*CLINIC_ROWS]

try:  # Each app adds its rows as it grows.
    from tests.notes.matrix_rows import ROWS as NOTES_ROWS
    from tests.notes.matrix_rows import build as notes_build
except ImportError:  # pragma: no cover
    NOTES_ROWS, notes_build = [], None
try:
    from tests.attachment.matrix_rows import ROWS as ATTACHMENT_ROWS
    from tests.attachment.matrix_rows import build as attachment_build
except ImportError:  # pragma: no cover
    ATTACHMENT_ROWS, attachment_build = [], None

ROWS += NOTES_ROWS + ATTACHMENT_ROWS
BUILDERS = [builder for builder in (notes_build, attachment_build) if builder]


@pytest.fixture
def world(
    client,
    therapist,
    other_therapist,
    supervisor,
    unrelated_supervisor,
    admin,
    outsider,
):
    world = SimpleNamespace(
        client=client,
        people={
            OWN: therapist,
            OTHER: other_therapist,
            SUPERVISOR: supervisor,
            UNRELATED: unrelated_supervisor,
            ADMIN: admin,
            OUTSIDER: outsider,
            ANON: None,
        },
    )
    for build in BUILDERS:
        build(world)
    return world


def test_every_url_of_the_project_is_in_the_matrix():
    from django.urls import get_resolver

    ours = ("clinic:", "notes:", "attachment:")
    names = set()
    resolver = get_resolver()
    for namespace, (_prefix, sub) in resolver.namespace_dict.items():
        if namespace + ":" not in ours:
            continue
        for name in sub.reverse_dict:
            if isinstance(name, str):
                names.add(f"{namespace}:{name}")
    covered = {row.url_name for row in ROWS}
    assert names - covered == set()


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
@pytest.mark.parametrize("role", ROLES)
def test_matrix(row, role, world, http):
    person = world.people[role]
    if person is not None:
        http.force_login(person)
    url = reverse(row.url_name, args=row.args(world))
    response = http.post(url, row.data) if row.method == "POST" else http.get(url)
    expected = row.expected[role]
    assert response.status_code == expected, (
        f"{row.id} as {role}: got {response.status_code}, expected {expected}"
    )
    if expected == 302 and person is None:
        assert "/accounts/login/" in response["Location"]
