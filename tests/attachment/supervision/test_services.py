"""Recording supervision sessions, marking action items done, and the
constraints that hold them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from attachment.models import (
    ActionItem,
    DiscussedFlag,
    FlagStatus,
    FlagStatusChange,
    Notification,
    SupervisionSession,
)
from attachment.supervision.services import (
    ActionItemValues,
    action_item_done,
    notifications_mark_read,
    supervision_session_record,
)
from clinic.models import AuditEvent, Supervision
from tests.attachment.factories import (
    ActionItemFactory,
    DiscussedFlagFactory,
    NotificationFactory,
    SupervisionSessionFactory,
)
from tests.factories import ClientFactory

# Detected long enough ago to have reached the supervisor (the delay is 7 days).
REACHED = dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC)

# NOW (tests/attachment/conftest.py) is Wednesday 18 March 2026, 12:00 UTC.
TODAY = dt.date(2026, 3, 18)
HELD_AT = dt.datetime(2026, 3, 18, 10, 0, tzinfo=dt.UTC)


def item(owner, **changes) -> ActionItemValues:
    values = {
        "owner_id": owner.pk,
        "text": "Revisit the contact agreement",
        "category": "revisit_coping_plan",
        "due_on": TODAY + dt.timedelta(days=7),
    }
    return ActionItemValues(**{**values, **changes})


@pytest.fixture
def record(supervisor, therapist, now):
    def _record(**changes):
        values = {
            "actor": supervisor,
            "supervisee_id": therapist.pk,
            "held_at": HELD_AT,
            "notes": "Talked through the rise in texts. (Synthetic.)",
            "follow_up_on": TODAY + dt.timedelta(days=28),
            "flag_ids": [],
            "items": [],
            "now": now,
        }
        return supervision_session_record(**{**values, **changes})

    return _record


def test_a_session_is_recorded_with_its_items_and_audited(record, supervisor, client):
    session = record(
        items=[
            item(client.therapist, client_id=client.pk),
            item(supervisor, text="Send the reading list", category="other"),
        ]
    )
    assert session.clinic_id == client.clinic_id
    items = list(session.action_items.order_by("pk"))
    assert [i.owner_id for i in items] == [client.therapist_id, supervisor.pk]
    assert items[0].client_id == client.pk
    assert {i.set_on for i in items} == {TODAY}
    events = AuditEvent.objects.filter(actor=supervisor, action="create")
    assert events.filter(object_type="attachment.supervisionsession").count() == 1
    assert events.filter(object_type="attachment.actionitem", client_id=client.pk)


def test_discussed_flags_move_to_in_supervision_with_history(
    record, client, supervisor
):
    opened = DiscussedFlagFactory(
        client=client, status=FlagStatus.OPEN, detected_at=REACHED
    )
    acknowledged = DiscussedFlagFactory(
        client=client, status=FlagStatus.ACKNOWLEDGED, detected_at=REACHED
    )
    already = DiscussedFlagFactory(client=client, status=FlagStatus.IN_SUPERVISION)
    session = record(flag_ids=[opened.pk, acknowledged.pk, already.pk])
    assert set(session.flags_discussed.values_list("pk", flat=True)) == {
        opened.pk,
        acknowledged.pk,
        already.pk,
    }
    for flag in (opened, acknowledged, already):
        flag.refresh_from_db()
        assert flag.status == FlagStatus.IN_SUPERVISION
    changes = FlagStatusChange.objects.filter(changed_by=supervisor)
    assert set(changes.values_list("flag_id", flat=True)) == {
        opened.pk,
        acknowledged.pk,
    }
    assert set(changes.values_list("changed_at", flat=True)) == {
        dt.datetime(2026, 3, 18, 12, 0, tzinfo=dt.UTC)
    }


def test_an_item_due_in_the_past_saves_nothing(record, therapist):
    with pytest.raises(ValidationError) as refused:
        record(
            items=[
                item(therapist),
                item(therapist, due_on=TODAY - dt.timedelta(days=1)),
            ]
        )
    assert "Action item 2: The due date is in the past." in refused.value.messages
    assert not SupervisionSession.objects.exists()
    assert not ActionItem.objects.exists()


def test_due_today_is_not_past_in_the_clinics_time_zone(record, therapist, clinic):
    clinic.timezone = "Pacific/Auckland"
    clinic.save()
    # 12:00 UTC on the 18th is already the 19th in Auckland.
    with pytest.raises(ValidationError):
        record(items=[item(therapist, due_on=TODAY)])
    session = record(items=[item(therapist, due_on=TODAY + dt.timedelta(days=1))])
    assert session.action_items.get().set_on == TODAY + dt.timedelta(days=1)


def test_a_client_not_on_the_supervisees_caseload_is_refused(
    record, therapist, other_therapist, clinic
):
    elsewhere = ClientFactory(clinic=clinic, therapist=other_therapist)
    with pytest.raises(ValidationError) as refused:
        record(items=[item(therapist, client_id=elsewhere.pk)])
    assert "not on the supervisee's caseload" in str(refused.value)
    assert not SupervisionSession.objects.exists()


def test_an_owner_other_than_the_two_people_is_refused(record, other_therapist):
    with pytest.raises(ValidationError):
        record(items=[item(other_therapist)])
    assert not SupervisionSession.objects.exists()


def test_a_flag_of_another_caseload_cannot_be_discussed(
    record, clinic, other_therapist
):
    foreign = DiscussedFlagFactory(
        client=ClientFactory(clinic=clinic, therapist=other_therapist)
    )
    with pytest.raises(ValidationError) as refused:
        record(flag_ids=[foreign.pk])
    assert "flags" in refused.value.error_dict
    foreign.refresh_from_db()
    assert foreign.status == FlagStatus.OPEN
    assert not DiscussedFlag.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"held_at": dt.datetime(2026, 3, 18, 13, 0, tzinfo=dt.UTC)}, "held_at"),
        ({"held_at": dt.datetime(2024, 3, 18, 13, 0, tzinfo=dt.UTC)}, "held_at"),
        ({"follow_up_on": dt.date(2026, 3, 17)}, "follow_up_on"),
    ],
)
def test_impossible_dates_are_refused(record, changes, field):
    with pytest.raises(ValidationError) as refused:
        record(**changes)
    assert field in refused.value.error_dict


def test_a_former_supervisor_cannot_record_a_session(record, supervisor, therapist):
    Supervision.objects.filter(supervisor=supervisor, supervisee=therapist).update(
        ended_on=dt.date(2026, 3, 1)
    )
    with pytest.raises(Http404):
        record()
    assert not SupervisionSession.objects.exists()


def test_a_supervisor_cannot_record_a_session_with_someone_else(
    record, other_therapist
):
    with pytest.raises(Http404):
        record(supervisee_id=other_therapist.pk)


def test_owners_other_than_the_supervisor_are_notified_with_counts_only(
    record, supervisor, therapist, client
):
    session = record(
        items=[
            item(therapist, client_id=client.pk),
            item(therapist),
            item(supervisor),
        ]
    )
    notification = Notification.objects.get()
    assert notification.recipient == therapist
    assert notification.message == "2 action items were assigned to you in supervision."
    assert notification.url == session.get_absolute_url()
    assert client.code not in notification.message + notification.url


def test_marking_an_item_done_is_recorded_once(supervisor, therapist, now):
    session = SupervisionSessionFactory(supervisor=supervisor, supervisee=therapist)
    action = ActionItemFactory(session=session)
    assert action_item_done(actor=therapist, item=action, now=now) is True
    assert action_item_done(actor=therapist, item=action, now=now) is False
    action.refresh_from_db()
    assert (action.done_at, action.done_by) == (now, therapist)
    assert (
        AuditEvent.objects.filter(
            actor=therapist, action="update", object_type="attachment.actionitem"
        ).count()
        == 1
    )


def test_only_the_owner_marks_an_item_done(supervisor, therapist, now):
    session = SupervisionSessionFactory(supervisor=supervisor, supervisee=therapist)
    action = ActionItemFactory(session=session)
    assert action_item_done(actor=supervisor, item=action, now=now) is False
    action.refresh_from_db()
    assert action.done_at is None


def test_an_item_cannot_be_due_before_it_was_set(supervisor, therapist):
    session = SupervisionSessionFactory(supervisor=supervisor, supervisee=therapist)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItemFactory(
            session=session, set_on=TODAY, due_on=TODAY - dt.timedelta(days=1)
        )


@pytest.mark.parametrize("with_date", [True, False])
def test_done_by_is_set_exactly_when_done_at_is(supervisor, therapist, now, with_date):
    session = SupervisionSessionFactory(supervisor=supervisor, supervisee=therapist)
    half_done = {"done_at": now} if with_date else {"done_by": therapist}
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionItemFactory(session=session, **half_done)


def test_a_notification_link_must_be_a_path(therapist):
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationFactory(recipient=therapist, url="https://elsewhere.test/")


def test_marking_read_touches_only_the_actors_unread(therapist, supervisor, now):
    earlier = now - dt.timedelta(days=1)
    mine = NotificationFactory(recipient=therapist)
    seen = NotificationFactory(recipient=therapist, read_at=earlier)
    theirs = NotificationFactory(recipient=supervisor)
    assert notifications_mark_read(actor=therapist, now=now) == 1
    for notification in (mine, seen, theirs):
        notification.refresh_from_db()
    assert (mine.read_at, seen.read_at, theirs.read_at) == (now, earlier, None)


def test_the_session_keeps_its_history(record):
    session = record()
    assert session.events.filter(pgh_label="insert").count() == 1
