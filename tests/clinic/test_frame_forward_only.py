"""A change of the clinic's frame judges contacts from the change on: a
contact recorded before it keeps the facts the frame of its time gave it.

The frame's states are read from its change history, whose rows take the
database's transaction time; the test's writes share one transaction, so the
contacts "before" the change lie in the past and the one "after" it an hour
ahead (its ``now`` is passed in, as a view would pass the clock's).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from attachment.agreements.terms import frame_changed_at, terms_timeline
from attachment.models import Contact, Direction
from attachment.records.boundary_refresh import contact_facts_refresh
from attachment.records.services import contact_log
from clinic.services import contact_policy_save_default

FRAME = {
    "allowed_channels": ["text", "email", "phone"],
    "contact_hours": {str(day): ["00:00", "23:59"] for day in range(7)},
    "weekly_limit": 5,
    "response_window_hours": 24,
    "after_ending_allowed": False,
    "crisis_reply_minutes": 120,
}

pytestmark = pytest.mark.django_db


def _text(therapist, client, at: dt.datetime, now: dt.datetime) -> Contact:
    return contact_log(
        actor=therapist,
        client=client,
        occurred_at=at,
        channel="text",
        direction=Direction.FROM_CLIENT,
        purpose="scheduling",
        now=now,
    )


def _over(contact: Contact) -> bool:
    contact.refresh_from_db(fields=["over_weekly_limit"])
    return contact.over_weekly_limit


@pytest.fixture
def frame_of_five(admin, clinic):
    return contact_policy_save_default(
        actor=admin, clinic=clinic, values=FRAME, now=timezone.now()
    )


def test_lowering_the_limit_leaves_earlier_contacts_within_it(
    admin, clinic, therapist, client, frame_of_five
):
    now = timezone.now()
    before = [
        _text(therapist, client, now - dt.timedelta(days=2), now),
        _text(therapist, client, now - dt.timedelta(days=1), now),
    ]
    assert [_over(contact) for contact in before] == [False, False]

    contact_policy_save_default(
        actor=admin, clinic=clinic, values={**FRAME, "weekly_limit": 1}, now=now
    )
    # What the refresh queued by the change does for each chunk of clients.
    contact_facts_refresh(
        client_ids=[client.pk], since=frame_changed_at(clinic_id=clinic.pk)
    )

    assert [_over(contact) for contact in before] == [False, False]
    later = now + dt.timedelta(hours=1)
    after = _text(therapist, client, later, later + dt.timedelta(minutes=1))
    # Three texts in seven days: over the new limit of one, as the old five
    # would not have had it.
    assert _over(after) is True
    assert [_over(contact) for contact in before] == [False, False]


def test_the_terms_timeline_holds_the_new_limit_from_the_change_on(
    admin, clinic, client, frame_of_five
):
    now = timezone.now()
    contact_policy_save_default(
        actor=admin, clinic=clinic, values={**FRAME, "weekly_limit": 1}, now=now
    )

    changed_at = frame_changed_at(clinic_id=clinic.pk)
    assert changed_at is not None
    timeline = terms_timeline(client=client)
    assert timeline.at(changed_at + dt.timedelta(hours=1)).weekly_limit == 1
    assert timeline.at(changed_at + dt.timedelta(hours=1)).agreement is None
