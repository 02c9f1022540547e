"""The supervision part of the demo: two past sessions with action items (one
overdue, some done), notifications; idempotent."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from attachment.demo.supervision import seed
from attachment.models import ActionItem, Notification, SupervisionSession
from clinic.extensions import DemoContext, demo_seeders
from tests.attachment.factories import DiscussedFlagFactory
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 9, 16, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def demo(clinic, therapist, other_therapist, supervisor):
    stories = {
        key: ClientFactory(clinic=clinic, therapist=therapist, code=f"D-{key}")
        for key in ("repaired_rupture", "rising_contact", "life_transition")
    }
    trainee_client = ClientFactory(clinic=clinic, therapist=other_therapist)
    DiscussedFlagFactory(
        client=stories["rising_contact"], detected_at=NOW - dt.timedelta(days=8)
    )
    return DemoContext(
        clinic=clinic,
        people={
            "therapist": therapist,
            "trainee": other_therapist,
            "supervisor": supervisor,
        },
        clients=[*stories.values(), trainee_client],
        stories=stories,
        stable=[trainee_client],
        now=NOW,
        rng=random.Random(7),
    )


def test_the_seeder_runs_after_the_scan():
    assert demo_seeders["supervision"].order > demo_seeders["attachment_scan"].order


def test_two_sessions_with_an_overdue_item_and_done_ones(demo):
    seed(demo)
    sessions = SupervisionSession.objects.order_by("held_at")
    assert [s.supervisee for s in sessions] == [
        demo.people["therapist"],
        demo.people["trainee"],
    ]
    assert all(s.held_at < NOW and s.follow_up_on > NOW.date() for s in sessions)
    today = NOW.date()
    open_items = ActionItem.objects.filter(done_at__isnull=True)
    assert any(item.is_overdue(today) for item in open_items)
    assert ActionItem.objects.filter(done_at__isnull=False).count() >= 2
    assert ActionItem.objects.get(client=demo.stories["rising_contact"]).is_overdue(
        today
    )


def test_notifications_hold_counts_and_paths_only(demo):
    seed(demo)
    assert set(Notification.objects.values_list("recipient", flat=True)) == {
        person.pk for person in demo.people.values()
    }
    for notification in Notification.objects.all():
        assert notification.url.startswith("/")
        assert "D-" not in notification.message


def test_seeding_twice_adds_nothing(demo):
    seed(demo)
    counts = [m.objects.count() for m in (SupervisionSession, ActionItem, Notification)]
    seed(demo)
    assert [
        m.objects.count() for m in (SupervisionSession, ActionItem, Notification)
    ] == counts
