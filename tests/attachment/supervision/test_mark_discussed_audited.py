"""Marking flags discussed in a supervision session leaves one update event per
flag on its client's trail, and the session's bulk writes audit in one INSERT
each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attachment.models import FlagStatus
from attachment.supervision.services import (
    ActionItemValues,
    supervision_session_record,
)
from clinic.models import AuditAction, AuditEvent
from tests.attachment.factories import DiscussedFlagFactory
from tests.factories import ClientFactory

# Detected long enough ago to have reached the supervisor (the delay is 7 days).
REACHED = dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC)

# NOW (tests/attachment/conftest.py) is Wednesday 18 March 2026, 12:00 UTC.
HELD_AT = dt.datetime(2026, 3, 18, 10, 0, tzinfo=dt.UTC)
DUE_ON = dt.date(2026, 3, 25)
AUDIT_INSERT = 'INSERT INTO "clinic_auditevent"'


@pytest.fixture
def second_client(client, therapist):
    return ClientFactory(clinic=client.clinic, therapist=therapist)


@pytest.fixture
def record(supervisor, therapist, now):
    def _record(*, flags=(), items=()):
        return supervision_session_record(
            actor=supervisor,
            supervisee_id=therapist.pk,
            held_at=HELD_AT,
            notes="Talked through the rise in texts. (Synthetic.)",
            follow_up_on=None,
            flag_ids=[flag.pk for flag in flags],
            items=list(items),
            now=now,
        )

    return _record


def _updates(actor, *fields: str) -> list[tuple]:
    return sorted(
        AuditEvent.objects.filter(
            actor=actor, action=AuditAction.UPDATE, object_type="attachment.flag"
        ).values_list("object_id", "client_id", *fields)
    )


def _audit_inserts(queries: CaptureQueriesContext) -> int:
    return sum(query["sql"].startswith(AUDIT_INSERT) for query in queries)


def test_every_discussed_flag_gets_one_update_on_its_clients_trail(
    record, client, second_client, supervisor
):
    flags = [
        DiscussedFlagFactory(
            client=client, status=FlagStatus.OPEN, detected_at=REACHED
        ),
        DiscussedFlagFactory(
            client=client, status=FlagStatus.ACKNOWLEDGED, detected_at=REACHED
        ),
        DiscussedFlagFactory(client=client, status=FlagStatus.IN_SUPERVISION),
        DiscussedFlagFactory(client=second_client, status=FlagStatus.IN_SUPERVISION),
    ]
    record(flags=flags)
    assert _updates(supervisor) == sorted((flag.pk, flag.client_id) for flag in flags)


def test_flags_already_in_supervision_are_audited_in_one_insert(
    record, client, second_client, supervisor
):
    flags = [
        DiscussedFlagFactory(client=client, status=FlagStatus.IN_SUPERVISION),
        DiscussedFlagFactory(client=client, status=FlagStatus.IN_SUPERVISION),
        DiscussedFlagFactory(client=second_client, status=FlagStatus.IN_SUPERVISION),
    ]
    with CaptureQueriesContext(connection) as queries:
        session = record(flags=flags)
    # The session's own create, then every flag at once.
    assert _audit_inserts(queries) == 2
    assert _updates(supervisor, "clinic_id") == sorted(
        (flag.pk, flag.client_id, session.clinic_id) for flag in flags
    )


def test_a_session_without_flags_writes_no_flag_event(record, client, supervisor):
    DiscussedFlagFactory(client=client, status=FlagStatus.IN_SUPERVISION)
    with CaptureQueriesContext(connection) as queries:
        record()
    assert _audit_inserts(queries) == 1
    assert _updates(supervisor) == []


def test_the_action_items_are_audited_in_one_insert(
    record, client, second_client, therapist, supervisor
):
    items = [
        ActionItemValues(
            owner_id=owner.pk,
            text="Revisit the contact agreement",
            category="revisit_coping_plan",
            due_on=DUE_ON,
            client_id=client_id,
        )
        for owner, client_id in (
            (therapist, client.pk),
            (therapist, second_client.pk),
            (supervisor, None),
        )
    ]
    with CaptureQueriesContext(connection) as queries:
        session = record(items=items)
    assert _audit_inserts(queries) == 2
    created = AuditEvent.objects.filter(
        actor=supervisor, action=AuditAction.CREATE, object_type="attachment.actionitem"
    )
    assert sorted(created.values_list("object_id", "client_id", "clinic_id")) == sorted(
        (item.pk, item.client_id, session.clinic_id)
        for item in session.action_items.all()
    )
