"""An integration of the clinic and messages waiting in its inbox."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from attachment.models import UnmatchedMessage
from clinic.integrations.models import Integration

_ids = itertools.count(1)


@pytest.fixture
def integration(clinic, now):
    return Integration.objects.create(
        clinic=clinic,
        name="Practice phones",
        kind="other",
        scopes=["contacts:write"],
        token_sha256="0" * 64,
        created_at=now,
    )


@pytest.fixture
def other_integration(other_clinic, now):
    return Integration.objects.create(
        clinic=other_clinic,
        name="Hilltop phones",
        kind="other",
        scopes=["contacts:write"],
        token_sha256="1" * 64,
        created_at=now,
    )


def waiting_message(
    integration: Integration,
    *,
    now: dt.datetime,
    address: str = "+447700900456",
    **fields,
) -> UnmatchedMessage:
    """A text from an unknown number two hours before ``now``, received at
    once, unless ``fields`` say otherwise."""
    values = {
        "external_id": f"sms-{next(_ids)}",
        "channel": "text",
        "direction": "from_client",
        "occurred_at": now - dt.timedelta(hours=2),
        "received_at": now - dt.timedelta(hours=2),
        "message_length": 42,
        **fields,
    }
    return UnmatchedMessage.objects.create(
        clinic_id=integration.clinic_id,
        integration=integration,
        address=address,
        **values,
    )


@pytest.fixture
def message(integration, now, policy):
    return waiting_message(integration, now=now)
