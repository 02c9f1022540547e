"""The cast of the alert tests: the conftest's clinic, therapist and client
(RS-001, "Robin"), the clinic's frame (``policy``), and helpers to write an
unanswered contact with a distinctive summary and a note's risk level."""

from __future__ import annotations

import datetime as dt

import pytest

from attachment.models import Contact
from clinic.models import Client, Role, User
from notes.models import RiskLevel, SessionNote
from tests.attachment.factories import ContactFactory
from tests.factories import MembershipFactory, UserFactory
from tests.notes.factories import SessionNoteFactory

# The contact's moment: the fixed clock's Wednesday, 10:00 in London (UTC in March).
T0 = dt.datetime(2026, 3, 18, 10, 0, tzinfo=dt.UTC)
SUMMARY = "Zebra-lantern: said the bridge felt close tonight"


def minutes(count: float) -> dt.timedelta:
    return dt.timedelta(minutes=count)


def hours(count: float) -> dt.timedelta:
    return dt.timedelta(hours=count)


def reach_out(
    client: Client, *, purpose: str = "crisis", occurred_at: dt.datetime = T0
) -> Contact:
    """An unanswered contact from the client."""
    return ContactFactory(
        client=client,
        occurred_at=occurred_at,
        direction="from_client",
        purpose=purpose,
        summary=SUMMARY,
    )


def risk(
    client: Client, level: str, *, session_at: dt.datetime = T0 - dt.timedelta(days=7)
) -> SessionNote:
    """A session note recording ``level``."""
    return SessionNoteFactory(
        client=client,
        session_at=session_at,
        risk_level=level,
        risk_summary="" if level == RiskLevel.NONE else "Risk talked through.",
    )


@pytest.fixture
def cover(clinic) -> User:
    user = UserFactory(email="cover@example.test", full_name="Cora Cover")
    MembershipFactory(user=user, clinic=clinic, role=Role.THERAPIST)
    return user
