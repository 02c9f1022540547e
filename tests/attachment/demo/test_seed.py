"""The demo seeder: believable histories and the four stories, idempotent."""

from __future__ import annotations

import datetime as dt
import random
import statistics

import pytest

from attachment.demo.seed import seed
from attachment.models import (
    Contact,
    CopingPlan,
    DependencyObservation,
    RepairAttempt,
    Rupture,
)
from clinic.extensions import DemoContext, demo_seeders
from tests.factories import AbsenceFactory, ClientFactory, ContactPolicyFactory
from tests.notes.factories import SessionNoteFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 9, 16, 12, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)


@pytest.fixture
def demo(clinic, therapist, other_therapist, supervisor, admin):
    ContactPolicyFactory(
        clinic=clinic,
        allowed_channels=["text", "email", "phone", "voicemail", "portal"],
        contact_hours={str(day): ["09:00", "17:00"] for day in range(5)},
        weekly_limit=None,
    )
    AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        starts_on=(NOW - 6 * WEEK).date(),
        ends_on=(NOW - 4 * WEEK).date(),
    )

    def new(code: str, **extra):
        return ClientFactory(
            clinic=clinic,
            therapist=therapist,
            code=code,
            started_on=dt.date(2025, 9, 1),
            **extra,
        )

    stories = {
        "repaired_rupture": new("D-A"),
        "rising_contact": new("D-B"),
        "life_transition": new("D-C"),
        "after_ending": new("D-D", status="ended", ended_on=(NOW - 8 * WEEK).date()),
    }
    stable = [new(f"D-S{n}") for n in range(6)]
    return DemoContext(
        clinic=clinic,
        people={
            "therapist": therapist,
            "therapist2": other_therapist,
            "supervisor": supervisor,
            "admin": admin,
            "trainee": other_therapist,
        },
        clients=[*stories.values(), *stable],
        stories=stories,
        stable=stable,
        now=NOW,
        rng=random.Random(7),
    )


def client_weekly_counts(client, weeks: int = 30) -> list[int]:
    """Client-initiated contacts in the 7-day blocks ending at NOW, newest first."""
    moments = Contact.objects.filter(
        client=client, direction="from_client"
    ).values_list("occurred_at", flat=True)
    counts = [0] * weeks
    for moment in moments:
        block = int((NOW - moment) / WEEK)
        if 0 <= block < weeks:
            counts[block] += 1
    return counts


def test_the_seeder_is_registered_after_the_notes():
    assert demo_seeders["attachment"].order == 30
    assert demo_seeders["attachment"].seed is seed


def test_every_client_gets_a_history_and_a_coping_plan(demo):
    seed(demo)
    for client in demo.clients:
        assert Contact.objects.filter(client=client).count() > 10, client.code
        assert CopingPlan.objects.filter(client=client).exists()
    assert not Contact.objects.filter(occurred_at__gt=NOW).exists()


def test_seeding_twice_adds_nothing(demo):
    seed(demo)
    counts = [model.objects.count() for model in (Contact, Rupture, CopingPlan)]
    seed(demo)
    assert [model.objects.count() for model in (Contact, Rupture, CopingPlan)] == counts


def test_story_a_has_a_rupture_repaired_within_the_hour(demo):
    seed(demo)
    client = demo.stories["repaired_rupture"]
    rupture = Rupture.objects.get(client=client, setting="between_sessions")
    assert rupture.channel == "text"
    assert rupture.status == "resolved"
    assert rupture.time_to_repair < dt.timedelta(hours=1)
    assert Contact.objects.filter(client=client, channel="voicemail", purpose="rupture")
    assert Contact.objects.filter(client=client, channel="email", purpose="sharing")
    reassurance = Contact.objects.filter(client=client, purpose="reassurance")
    early = reassurance.filter(occurred_at__lt=NOW - 26 * WEEK).count()
    late = reassurance.filter(occurred_at__gte=NOW - 13 * WEEK).count()
    assert late < early
    latest = DependencyObservation.objects.filter(client=client).first()
    assert "internalised_security" in latest.markers


def test_story_b_rises_from_about_one_a_week_to_three_to_five(demo):
    seed(demo)
    counts = client_weekly_counts(demo.stories["rising_contact"])
    assert counts[:6] == [5, 5, 4, 3, 3, 2]
    assert 0.5 <= statistics.mean(counts[7:25]) <= 1.6


def test_story_b_therapist_answers_faster_and_later_then_cuts_back(demo):
    seed(demo)
    contacts = Contact.objects.filter(
        client=demo.stories["rising_contact"], direction="from_client"
    )

    def answered(newest_weeks_ago: int, oldest_weeks_ago: int):
        return contacts.filter(
            occurred_at__gt=NOW - oldest_weeks_ago * WEEK,
            occurred_at__lte=NOW - newest_weeks_ago * WEEK,
        )

    early = [c.response_minutes for c in answered(13, 25) if c.response_minutes]
    busy = answered(3, 7)
    late = answered(0, 3)
    assert (
        statistics.median(c.response_minutes for c in busy)
        < 120
        < statistics.median(early)
    )
    assert sum(c.responded_after_hours for c in busy) >= busy.count() * 0.8
    assert all(
        c.response_minutes is None or c.response_minutes >= 48 * 60 for c in late
    )
    night_texts = Contact.objects.filter(
        client=demo.stories["rising_contact"],
        direction="from_therapist",
        after_hours=True,
    )
    assert night_texts.filter(occurred_at__gt=NOW - 10 * WEEK).count() >= 8
    assert not night_texts.filter(occurred_at__gt=NOW - 2 * WEEK).exists()


def test_story_c_surges_during_the_vacation(demo):
    seed(demo)
    client = demo.stories["life_transition"]
    during = Contact.objects.filter(
        client=client, during_absence=True, direction="from_client"
    )
    baseline = client_weekly_counts(client)[8:30]
    assert during.count() / 2 > 3 * max(statistics.mean(baseline), 0.5)
    before = DependencyObservation.objects.filter(
        client=client, markers__contains=["fear_of_abandonment"], intensity=4
    )
    assert before.exists()
    assert DependencyObservation.objects.filter(
        client=client, triggers__contains=["life_transition"]
    ).exists()


def test_story_d_keeps_contacting_after_the_ending(demo):
    seed(demo)
    client = demo.stories["after_ending"]
    after = Contact.objects.filter(client=client, after_ending=True)
    assert after.count() >= 8
    assert not Contact.objects.filter(
        client=client, occurred_at__date__gt=client.ended_on, after_ending=False
    ).exists()


def test_stable_clients_stay_inside_their_policy_with_no_trend(demo):
    seed(demo)
    for client in demo.stable:
        contacts = Contact.objects.filter(client=client, direction="from_client")
        assert not contacts.filter(after_hours=True).exists(), client.code
        assert not contacts.filter(outside_agreement=True).exists()
        counts = client_weekly_counts(client)
        assert statistics.mean(counts[:6]) <= 2 * statistics.mean(counts[6:30]) + 1


def test_repairs_in_the_demo_never_precede_their_ruptures(demo):
    seed(demo)
    for repair in RepairAttempt.objects.select_related("rupture"):
        assert repair.attempted_at >= repair.rupture.noticed_at


def test_contacts_before_a_session_are_discussed_in_its_note(demo):
    client = demo.stories["repaired_rupture"]
    notes = [
        SessionNoteFactory(client=client, session_at=NOW - weeks * WEEK)
        for weeks in range(20, 0, -1)
    ]
    seed(demo)
    contacts = Contact.objects.filter(client=client)
    assert not contacts.filter(occurred_at__lt=notes[-1].session_at, discussed_in=None)
    assert not contacts.filter(occurred_at__gt=notes[-1].session_at).exclude(
        discussed_in=None
    )
