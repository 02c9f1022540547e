"""Fixtures for the between-sessions agreement: terms inside the clinic's
frame (the ``policy`` fixture: text, e-mail and phone, weekdays 9–17, three a
week, replies within 24 hours), and a helper that writes a version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from attachment.agreements import services
from attachment.models import ContactAgreement

WEEKDAYS_9_TO_5 = {str(day): ["09:00", "17:00"] for day in range(5)}


def inside_the_frame(**changes: Any) -> dict[str, Any]:
    """Terms that keep inside the ``policy`` fixture's frame."""
    return {
        "allowed_channels": ["text", "phone"],
        "contact_hours": dict(WEEKDAYS_9_TO_5),
        "weekly_limit": 2,
        "after_ending_allowed": False,
        "purpose_rules": {"text": ["scheduling"]},
        "reply_hours": 24,
        "break_arrangements": "Sam Cover answers while Tess is away.",
        "crisis_route": "Call the crisis line on 0800 000 000.",
        "after_ending": "We will meet once more to say goodbye.",
        "in_our_words": "Texts are for arranging times.",
        **changes,
    }


@pytest.fixture
def write(policy, now) -> Callable[..., ContactAgreement]:
    """Write a version as ``actor`` (the client's therapist unless given)."""

    def _write(client, *, actor=None, at=None, on=None, tz=None, **changes):
        at = at or now
        return services.agreement_write(
            actor=actor or client.therapist,
            client=client,
            values=inside_the_frame(**changes),
            effective_on=on or at.date(),
            now=at,
            client_timezone=tz,
        )

    return _write


@pytest.fixture
def later(now) -> dt.datetime:
    return now + dt.timedelta(hours=3)
