"""Every URL × every role → the expected status.

``own_therapist`` owns the world's client; ``supervisor`` supervises them;
``other_therapist`` and ``unrelated_supervisor`` work in the same clinic but
have no link to the client; ``admin`` is the clinic admin; ``outsider`` holds
every role in another clinic.  Out-of-scope objects must answer 404.
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.urls import reverse

from tests.matrix import ADMIN, ANON, OTHER, OUTSIDER, OWN, ROLES, SUPERVISOR, UNRELATED

# Each app (and each area of an app) lists its rows in a module of its own.
ROW_MODULES = (
    "tests.clinic.matrix_rows",
    "tests.clinic.matrix_rows_admin",
    "tests.notes.matrix_rows",
    "tests.attachment.matrix_rows",
    "tests.attachment.matrix_rows_review",
    "tests.attachment.matrix_rows_supervision",
    "tests.attachment.matrix_rows_oversight",
)
_modules = [importlib.import_module(name) for name in ROW_MODULES]
ROWS = [row for module in _modules for row in module.ROWS]
BUILDERS = [module.build for module in _modules if hasattr(module, "build")]


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
