"""Shared fixtures: a small cast of named people in one clinic, and one outsider.

* ``therapist`` owns ``client``; ``other_therapist`` works in the same clinic
  and must never see ``client``.
* ``supervisor`` currently supervises ``therapist``; ``unrelated_supervisor``
  supervises nobody relevant.
* ``admin`` is the clinic admin; ``outsider`` is a therapist in another clinic.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as HttpClient

from clinic.models import Role
from tests.database_roles import (
    APP_ROLE,
    as_database_owner,
    become_application_role,
    ensure_application_role,
)
from tests.factories import (
    TEST_PASSWORD,
    ClientFactory,
    ClinicFactory,
    MembershipFactory,
    SupervisionFactory,
    UserFactory,
)
from tests.hypothesis_profiles import load_profile
from tests.mutation_runs import (
    close_connections,
    ids_pytest_would_escape,
    under_mutation_testing,
    use_own_locks,
    use_slot_database,
)

load_profile()


def pytest_collection_modifyitems(items):
    """Test ids stay plain ASCII: ``make mutants`` could not select a test
    whose explicit id pytest escapes (tests/mutation_runs.py)."""
    escaped = ids_pytest_would_escape(items)
    if escaped:
        raise pytest.UsageError(
            "parametrize ids must be printable ASCII without backslashes: "
            + "; ".join(escaped)
        )


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish():
    """Under ``make mutants`` a run leaves no connection open behind it
    (tests/mutation_runs.py)."""
    if under_mutation_testing():
        close_connections()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The application's role exists and ``migrate`` grants it its privileges
    (tests/database_roles.py).  Under ``make mutants`` each parallel mutant
    run has a database (and a progress-bar lock) of its own."""
    from django.conf import settings

    ensure_application_role(settings.DATABASES["default"])
    settings.DATABASE_APP_ROLE = APP_ROLE
    if under_mutation_testing():
        use_slot_database(settings.DATABASES)
        use_own_locks()


@pytest.fixture(autouse=True)
def _as_application_role(request):
    """Every test inside a transaction queries as the application's role."""
    names = request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in names
        or "live_server" in names
        or (marker is not None and marker.kwargs.get("transaction", False))
    )
    if transactional or ("db" not in names and marker is None):
        return
    request.getfixturevalue("db")
    from django.db import connection

    if connection.in_atomic_block:
        become_application_role()


@pytest.fixture(autouse=True)
def _postgres_only(settings):
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture(autouse=True)
def _fast_and_plain(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MFA_REQUIRED = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    settings.SECURE_SSL_REDIRECT = False
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def password() -> str:
    return TEST_PASSWORD


@pytest.fixture
def clinic(db):
    return ClinicFactory(name="Riverside Practice", slug="riverside")


@pytest.fixture
def other_clinic(db):
    return ClinicFactory(name="Hilltop Practice", slug="hilltop")


def _person(clinic, email: str, name: str, *roles: str):
    user = UserFactory(email=email, full_name=name)
    for role in roles:
        MembershipFactory(user=user, clinic=clinic, role=role)
    return user


@pytest.fixture
def therapist(clinic):
    return _person(clinic, "therapist@example.test", "Tess Therapist", Role.THERAPIST)


@pytest.fixture
def other_therapist(clinic):
    return _person(clinic, "other@example.test", "Otto Other", Role.THERAPIST)


@pytest.fixture
def supervisor(clinic, therapist):
    user = _person(
        clinic,
        "supervisor@example.test",
        "Sue Supervisor",
        Role.THERAPIST,
        Role.SUPERVISOR,
    )
    SupervisionFactory(
        clinic=clinic,
        supervisor=user,
        supervisee=therapist,
        started_on=dt.date(2024, 1, 1),
    )
    return user


@pytest.fixture
def unrelated_supervisor(clinic, other_therapist):
    user = _person(
        clinic,
        "unrelated@example.test",
        "Uma Unrelated",
        Role.THERAPIST,
        Role.SUPERVISOR,
    )
    SupervisionFactory(
        clinic=clinic,
        supervisor=user,
        supervisee=other_therapist,
        started_on=dt.date(2024, 1, 1),
    )
    return user


@pytest.fixture
def admin(clinic):
    return _person(clinic, "admin@example.test", "Ada Admin", Role.ADMIN)


@pytest.fixture
def outsider(other_clinic):
    return _person(
        other_clinic,
        "outsider@example.test",
        "Olu Outsider",
        Role.THERAPIST,
        Role.SUPERVISOR,
        Role.ADMIN,
    )


@pytest.fixture
def client(clinic, therapist):
    """The client at the centre of most tests (shadows pytest-django's HTTP client)."""
    return ClientFactory(
        clinic=clinic, therapist=therapist, code="RS-001", preferred_name="Robin"
    )


@pytest.fixture
def http(db) -> HttpClient:
    return HttpClient()


@pytest.fixture
def login(http):
    def _login(user) -> HttpClient:
        http.force_login(user)
        return http

    return _login


@pytest.fixture
def as_owner(db):
    """The test runs as the database's owner: benchmarks and other owner's
    tools build and drop whole synthetic clinics, triggers off."""
    with as_database_owner():
        yield
