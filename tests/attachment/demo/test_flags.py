"""The demo's stories get the flags they imply, and its stable clients none.

The seed runs at the real clock, as ``manage.py seed_demo`` does; the scan
then judges that moment (and, for the therapist who first does more and more
and then cuts back, three weeks earlier too: the overextension comes first).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from attachment.engine.services import clinic_scan
from attachment.models import Flag
from clinic.models import Clinic

STORY_CODES = {
    "repaired_rupture": "DM-001",
    "rising_contact": "DM-002",
    "life_transition": "DM-003",
    "after_ending": "DM-004",
}


@pytest.fixture
def demo_flags(db, settings):
    settings.DEBUG = True  # the demo seeds only in development
    call_command("seed_demo", verbosity=0)
    now = timezone.now()
    clinic = Clinic.objects.get(slug="demo")
    clinic_scan(clinic=clinic, now=now - dt.timedelta(days=21))
    clinic_scan(clinic=clinic, now=now)
    flags: dict[str, dict[str, Flag]] = {}
    for flag in Flag.objects.select_related("client"):
        flags.setdefault(flag.client.code, {})[flag.kind] = flag
    return flags


def test_the_rising_contact_story_gets_rising_frequency_overextension_then_withdrawal(
    demo_flags,
):
    story = demo_flags[STORY_CODES["rising_contact"]]

    assert story["rising_contact_frequency"].active
    overextension = story["therapist_overextension"]
    withdrawal = story["abrupt_withdrawal"]
    assert withdrawal.active
    assert overextension.detected_at < withdrawal.detected_at
    assert overextension.window_start < withdrawal.window_start


def test_the_life_transition_story_gets_an_absence_surge(demo_flags):
    surge = demo_flags[STORY_CODES["life_transition"]]["absence_surge"]
    assert surge.active
    assert surge.evidence["contacts_during_absence"] >= 3


def test_the_after_ending_story_gets_after_ending_contact(demo_flags):
    assert demo_flags[STORY_CODES["after_ending"]]["after_ending_contact"].active


def test_the_after_ending_story_gets_no_responsiveness_flag(demo_flags):
    """Holding the ending is not a change in the therapist's responsiveness:
    contacts after the ending are the after-ending flag's alone."""
    story = demo_flags[STORY_CODES["after_ending"]]
    assert "abrupt_withdrawal" not in story
    assert "therapist_overextension" not in story


def test_the_quickly_repaired_rupture_is_not_flagged(demo_flags):
    story = demo_flags.get(STORY_CODES["repaired_rupture"], {})
    assert "unrepaired_rupture" not in story
    assert "repeated_ruptures" not in story


def test_the_stable_clients_get_no_flag(demo_flags):
    assert set(demo_flags) <= set(STORY_CODES.values())


@pytest.mark.django_db
def test_the_seed_itself_opens_the_demo_with_its_stories_flags(settings):
    settings.DEBUG = True  # the demo seeds only in development
    call_command("seed_demo", verbosity=0)

    kinds = set(
        Flag.objects.filter(client__code=STORY_CODES["rising_contact"]).values_list(
            "kind", flat=True
        )
    )
    assert "rising_contact_frequency" in kinds
    assert not Flag.objects.filter(
        client__code=STORY_CODES["repaired_rupture"], kind="unrepaired_rupture"
    ).exists()
