"""Every URL × every role → the expected status.

``own_therapist`` owns the world's client; ``supervisor`` supervises them (and
the ``trainee``, whose notes need co-signature); ``other_therapist``,
``unrelated_supervisor`` and the ``trainee`` work in the same clinic but have
no link to the client; the ``former_supervisor``'s link with the own
therapist has ended; ``admin`` is the clinic admin; ``outsider`` holds every
role in another clinic; the ``operator`` runs the Django admin and belongs to
no clinic.  ``former_staff`` left the clinic (their membership is gone) but is
still recorded as the therapist of a client of their own: every row is asked
of them with the same records built on that client.  Out-of-scope objects
must answer 404.

Each row builds one world and asks it of every role, each request inside a
savepoint that is rolled back, so that what one role is allowed to change
cannot change what the next one sees.  Three more checks come from the rows
themselves rather than from a list kept by hand:

* a URL whose rows are all POST is also asked with GET, which must answer 405;
* a URL with two ids is also asked with ids that do not belong together (the
  own therapist's second client with a record of the first, and the first
  client with a record of the second client or of another therapist's
  client), which must answer 404;
* no page served to someone who may not read the client shows its code.
"""

from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client as HttpClient
from django.urls import get_resolver, reverse

from clinic.models import Client, Membership, Role
from tests.attachment.factories import former_supervisor_of
from tests.factories import (
    ClientFactory,
    MembershipFactory,
    SupervisionFactory,
    UserFactory,
)
from tests.matrix import (
    ADMIN,
    ANON,
    FORMER_STAFF,
    FORMER_SUPERVISOR,
    OPERATOR,
    OTHER,
    OUTSIDER,
    OWN,
    ROLES,
    SUPERVISOR,
    TRAINEE,
    UNRELATED,
    Row,
    get_refused,
    mismatched,
    response_body,
    row_module_names,
)

# Each app (and each area of an app) lists its rows in a ``matrix_rows.py`` of
# its own, found here by itself: a new area needs no edit of this file.  A
# module's ``build`` adds what is shared by the whole world (absences,
# supervision sessions); its ``build_records`` adds the records of one client,
# so that they can be built again on other clients.  Lower apps build first.
ROW_MODULES = row_module_names()
_modules = [importlib.import_module(name) for name in ROW_MODULES]
LISTED_ROWS = [row for module in _modules for row in module.ROWS]
BUILDERS = [module.build for module in _modules if hasattr(module, "build")]
RECORD_BUILDERS = [
    module.build_records for module in _modules if hasattr(module, "build_records")
]


def _post_only(rows: list[Row]) -> list[Row]:
    """A GET row for every URL listed with POST alone."""
    methods: dict[str, set[str]] = {}
    for row in rows:
        methods.setdefault(row.url_name, set()).add(row.method)
    refused: dict[str, Row] = {}
    for row in rows:
        if methods[row.url_name] == {"POST"} and row.url_name not in refused:
            refused[row.url_name] = get_refused(row.url_name, row.args)
    return list(refused.values())


def _url_params(url_name: str) -> list[str]:
    """The names of a URL's arguments, in order, from its pattern."""
    namespace, name = url_name.split(":")
    _prefix, resolver = get_resolver().namespace_dict[namespace]
    possibilities, *_pattern = resolver.reverse_dict.getlist(name)[0]
    _format, params = possibilities[0]
    return list(params)


ROWS = LISTED_ROWS + _post_only(LISTED_ROWS)
# A URL with a client id and the id of one of its records.
PAIRED_ROWS = [
    row
    for row in ROWS
    if sum(param.endswith("_id") for param in _url_params(row.url_name)) >= 2
]
# Those who may not read the world's client must not see it named either.
NOT_TOLD = frozenset(ROLES) - {OWN, SUPERVISOR, ADMIN}


@pytest.fixture
def former_staff(clinic):
    """Left the clinic: the membership is deleted, the client still names them."""
    user = UserFactory(email="left@example.test", full_name="Lee Left")
    MembershipFactory(user=user, clinic=clinic, role=Role.THERAPIST)
    ClientFactory(clinic=clinic, therapist=user, code="LEFT-001", preferred_name="Wren")
    Membership.objects.filter(user=user).delete()
    return user


@pytest.fixture
def trainee(clinic, supervisor):
    user = UserFactory(email="trainee@example.test", full_name="Tam Trainee")
    MembershipFactory(user=user, clinic=clinic, role=Role.THERAPIST)
    SupervisionFactory(
        clinic=clinic,
        supervisor=supervisor,
        supervisee=user,
        started_on=dt.date(2024, 1, 1),
        cosign_required=True,
    )
    ClientFactory(clinic=clinic, therapist=user)
    return user


@pytest.fixture
def former_supervisor(clinic, therapist):
    return former_supervisor_of(clinic=clinic, supervisee=therapist)


@pytest.fixture
def operator(db):
    """The Django admin's operator, as the demo builds them: no membership."""
    return UserFactory(
        email="operator@example.test",
        full_name="Oona Operator",
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def world(
    client,
    therapist,
    other_therapist,
    supervisor,
    unrelated_supervisor,
    admin,
    outsider,
    former_staff,
    trainee,
    former_supervisor,
    operator,
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
            FORMER_STAFF: former_staff,
            TRAINEE: trainee,
            FORMER_SUPERVISOR: former_supervisor,
            OPERATOR: operator,
        },
    )
    for build in BUILDERS:
        build(world)
    for build in RECORD_BUILDERS:
        build(world)
    return world


def _on_client(world: SimpleNamespace, client) -> SimpleNamespace:
    """The world with the records of every row built again on ``client``."""
    scope = SimpleNamespace(**vars(world))
    scope.client = client
    for build in RECORD_BUILDERS:
        build(scope)
    return scope


def _ask(row: Row, role: str, world: SimpleNamespace, args: list) -> tuple[int, str]:
    """The status ``role`` gets for the row with ``args``, and the page."""
    http = HttpClient()
    url = reverse(row.url_name, args=args)
    with transaction.atomic():
        person = world.people[role]
        if person is not None:
            http.force_login(person)
        if row.method == "POST":
            response = http.post(url, row.data)
        else:
            response = http.get(url)
        transaction.set_rollback(True)
    if response.status_code == 302 and person is None:
        assert "/accounts/login/" in response["Location"], url
    return response.status_code, response_body(response)


def _check(
    row: Row, role: str, world, args: list, expected: int, client, label: str = ""
) -> list[str]:
    status, page = _ask(row, role, world, args)
    found = []
    if status != expected:
        found.append(f"{row.id}{label} as {role}: got {status}, expected {expected}")
    if role in NOT_TOLD and status == 200 and client.code in page:
        found.append(f"{row.id}{label} as {role}: the page names client {client.code}")
    return found


def test_every_url_of_the_project_is_in_the_matrix():
    ours = ("clinic:", "notes:", "attachment:", "api:", "integrations:")
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


def test_the_derived_rows_cover_post_only_and_paired_urls():
    """Guards the derived rows: if the derivation found nothing, the checks
    built on it would pass without asking anything."""
    refused = {row.url_name for row in ROWS if row.method == "GET"} - {
        row.url_name for row in LISTED_ROWS if row.method == "GET"
    }
    assert {"clinic:absence_delete", "attachment:flag_close"} <= refused
    assert {row.url_name for row in PAIRED_ROWS} >= {
        "attachment:contact_edit",
        "attachment:rupture_detail",
        "attachment:repair_new",
    }


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_every_role_gets_the_status_the_row_lists(row, world):
    args = row.args(world)
    former_client = Client.objects.get(therapist=world.people[FORMER_STAFF])
    # A row without arguments is the same URL for everyone.
    former = _on_client(world, former_client) if args else world
    mismatches = []
    for role in ROLES:
        scope = former if role == FORMER_STAFF else world
        mismatches += _check(
            row,
            role,
            world,
            row.args(scope),
            row.expected[role],
            former_client if role == FORMER_STAFF else world.client,
        )
    assert not mismatches, "\n".join(mismatches)


def _mixed(args: list, params: list[str], source: list, *, first: bool) -> list:
    """``args`` with the client id (``first``) or the record ids taken from
    ``source``; other arguments (a plan's version) are kept."""
    return [
        source[i] if param.endswith("_id") and (i == 0) == first else args[i]
        for i, param in enumerate(params)
    ]


@pytest.mark.parametrize("row", PAIRED_ROWS, ids=[row.id for row in PAIRED_ROWS])
def test_ids_that_do_not_belong_together_answer_404(row, world, therapist, clinic):
    params = _url_params(row.url_name)
    assert params[0] == "client_id", params
    args = row.args(world)
    second = row.args(
        _on_client(world, ClientFactory(clinic=clinic, therapist=therapist))
    )
    others = row.args(
        _on_client(world, ClientFactory(clinic=clinic, therapist=world.people[OTHER]))
    )
    variants = {
        " (second client, first client's record)": _mixed(
            args, params, second, first=True
        ),
        " (first client, second client's record)": _mixed(
            args, params, second, first=False
        ),
        " (own client, another therapist's record)": _mixed(
            args, params, others, first=False
        ),
    }
    expected = mismatched(row.expected)
    mismatches = []
    for label, mixed in variants.items():
        assert mixed != args, label
        for role in ROLES:
            mismatches += _check(
                row, role, world, mixed, expected[role], world.client, label
            )
    assert not mismatches, "\n".join(mismatches)
