"""The migration that moves clinics still at a detector's former default to
the evaluated one (attachment 0018), leaving values a clinic chose alone."""

from __future__ import annotations

import pytest
from django.core.management import call_command

BEFORE = ("attachment", "0017_usefulness_and_settings_changes")
AFTER = ("attachment", "0018_detector_defaults_evaluated")


@pytest.fixture
def migrator(migrator_factory):
    migrator = migrator_factory()
    yield migrator
    migrator.reset()
    # The migrator mutes post_migrate; run it, so that the tables made again
    # get their guards and the application role's grants back.
    call_command("migrate", verbosity=0)


def _clinic_settings(apps, slug: str, **values):
    Clinic = apps.get_model("clinic", "Clinic")
    DetectorSettings = apps.get_model("attachment", "DetectorSettings")
    clinic = Clinic.objects.create(name=slug.title(), slug=slug)
    return DetectorSettings.objects.create(clinic=clinic, **values).pk


def test_rows_at_a_former_default_move_and_chosen_values_stay(migrator):
    old = migrator.apply_initial_migration([BEFORE])
    at_defaults = _clinic_settings(old.apps, "defaults")
    chosen = _clinic_settings(
        old.apps,
        "chosen",
        rising_false_alarms_per_year=0.3,
        policy_min_count=5,
        dependency_alpha=0.02,
        withdrawal_recent_weeks=5,
    )
    short_red = _clinic_settings(old.apps, "short", rupture_red_days=25)

    new = migrator.apply_tested_migration([AFTER])
    DetectorSettings = new.apps.get_model("attachment", "DetectorSettings")
    moved = DetectorSettings.objects.get(pk=at_defaults)
    assert moved.rising_false_alarms_per_year == 0.15
    assert moved.policy_min_count == 4
    assert (moved.policy_baseline_weeks, moved.policy_alpha) == (26, 0.02)
    assert moved.rupture_repair_days == 28
    assert (moved.dependency_alpha, moved.dependency_red_alpha) == (0.005, 0.001)
    assert moved.withdrawal_recent_weeks == 4
    assert (moved.withdrawal_alpha, moved.withdrawal_min_contacts) == (0.03, 3)

    kept = DetectorSettings.objects.get(pk=chosen)
    assert kept.rising_false_alarms_per_year == 0.3
    assert kept.policy_min_count == 5
    assert kept.dependency_alpha == 0.02
    assert kept.withdrawal_recent_weeks == 5
    assert kept.rupture_repair_days == 28  # this one was still the default

    # a red limit below the new yellow one keeps the old yellow one
    assert DetectorSettings.objects.get(pk=short_red).rupture_repair_days == 21
