"""Fixtures for between-session records: a fixed clock and a clinic policy."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import ContactPolicyFactory

# A Wednesday in March, before the clocks change in London.
NOW = dt.datetime(2026, 3, 18, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture
def policy(clinic):
    """The clinic's frame: text, e-mail and phone, weekdays 9–17, three a
    week, in effect since the start of 2026 (before every test's contacts)."""
    return ContactPolicyFactory(
        clinic=clinic,
        updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        allowed_channels=["text", "email", "phone"],
        contact_hours={str(day): ["09:00", "17:00"] for day in range(5)},
        weekly_limit=3,
    )


@pytest.fixture(autouse=True)
def _celery_runs_in_process():
    """Run tasks eagerly even when ``CELERY_BROKER_URL`` is set (as ``.ci/run``
    does): Celery reads its configuration once, so the settings override in
    ``tests/conftest.py`` does not reach the app by itself."""
    from clinic.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager
