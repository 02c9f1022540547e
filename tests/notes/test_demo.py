"""The notes demo seeder, run on a small hand-built demo context."""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest

from clinic.extensions import DemoContext, demo_seeders
from clinic.models import Role
from notes.models import Addendum, NoteStatus, Reflection, SessionNote
from notes.selectors import agenda_of, note_integrity
from tests.factories import ClientFactory, MembershipFactory, UserFactory

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def demo(clinic):
    people = {}
    for key in ("therapist", "trainee", "therapist2", "supervisor", "admin"):
        people[key] = UserFactory(email=f"{key}@demo.test")
        MembershipFactory(
            user=people[key],
            clinic=clinic,
            role=Role.ADMIN if key == "admin" else Role.THERAPIST,
        )
    clients = [
        ClientFactory(
            clinic=clinic,
            therapist=people[key],
            started_on=dt.date(2025, 6, 2),
        )
        for key in ("therapist", "therapist", "trainee", "trainee", "therapist2")
    ]
    return DemoContext(
        clinic=clinic,
        people=people,
        clients=clients,
        stories={"rising_contact": clients[0]},
        stable=clients[1:],
        now=NOW,
        rng=random.Random(7),  # noqa: S311
    )


def test_the_seeder_is_registered():
    assert demo_seeders["notes"].order == 20


def test_the_demo_has_nine_months_of_notes_in_every_format(demo):
    started = time.monotonic()
    demo_seeders["notes"].seed(demo)
    assert time.monotonic() - started < 10
    notes = list(SessionNote.objects.all())
    assert len(notes) > 100
    assert {note.format for note in notes} == {"soap", "dap", "birp", "free"}
    statuses = {note.status for note in notes}
    assert statuses >= {
        NoteStatus.SIGNED,
        NoteStatus.COSIGNED,
        NoteStatus.AWAITING_COSIGN,
    }
    awaiting_authors = {
        note.author_id for note in notes if note.status == NoteStatus.AWAITING_COSIGN
    }
    assert awaiting_authors == {demo.people["trainee"].pk}
    earliest = min(note.session_at for note in notes)
    assert earliest < NOW - dt.timedelta(days=240)
    assert Addendum.objects.exists()
    assert Reflection.objects.filter(brought_in__isnull=False).exists()
    assert any(agenda_of(client=client) for client in demo.clients)


def test_every_demo_signature_verifies(demo):
    demo_seeders["notes"].seed(demo)
    for note in SessionNote.objects.filter(signed_at__isnull=False).prefetch_related(
        "addenda"
    ):
        assert note_integrity(note, list(note.addenda.all())).ok, note.pk


def test_seeding_twice_adds_nothing(demo):
    demo_seeders["notes"].seed(demo)
    counts = (SessionNote.objects.count(), Reflection.objects.count())
    demo_seeders["notes"].seed(demo)
    assert (SessionNote.objects.count(), Reflection.objects.count()) == counts
