"""The access report's cast beyond the shared one: the operator, and a
record of checks of its own for every test."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic.access_report import selectors
from clinic.models import AuditEvent, Client
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def anchor_dir(settings, tmp_path) -> Path:
    settings.AUDIT_ANCHOR_DIR = tmp_path / "anchors"
    return settings.AUDIT_ANCHOR_DIR


@pytest.fixture
def operator(db):
    """The Django admin's operator: a superuser with no membership."""
    return UserFactory(
        email="operator@example.test",
        full_name="Oona Operator",
        is_staff=True,
        is_superuser=True,
    )


def roles_by_event(client: Client) -> dict[int, str]:
    """Event id → the role the report gives it."""
    return {event.pk: event.role for event in selectors.client_trail(client=client)}


def trail(client: Client) -> list[AuditEvent]:
    return list(selectors.client_trail(client=client))
