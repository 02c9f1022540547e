"""The migration that turns the admin's per-client overrides and the coping
plans' "contact agreement" text into agreement versions (attachment 0013),
run on the demo's former data: the rising-contact client's override (text
only, two a week, with crisis steps and a reason) and its two coping plans."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

BEFORE = [
    ("clinic", "0011_client_time_zone_crisis_lines_and_reply"),
    ("attachment", "0012_agreements_safety_plans_and_alerts"),
]
AFTER = [
    ("clinic", "0012_frame_only_contact_policy"),
    ("attachment", "0014_coping_plan_agreement_moved"),
]
WORKING_HOURS = {str(day): ["09:00", "18:00"] for day in range(5)}
PLAN_1_AT = dt.datetime(2026, 6, 1, 15, 0, tzinfo=dt.UTC)
PLAN_2_AT = dt.datetime(2026, 11, 9, 17, 0, tzinfo=dt.UTC)


@pytest.fixture
def migrator(migrator_factory):
    migrator = migrator_factory()
    yield migrator
    migrator.reset()
    # The migrator mutes post_migrate; run it, so that the tables made again
    # get their guards and the application role's grants back.
    call_command("migrate", verbosity=0)


def _old_demo(apps):
    """The demo as it was seeded before agreements existed (synthetic)."""
    Clinic = apps.get_model("clinic", "Clinic")
    User = apps.get_model("clinic", "User")
    Client = apps.get_model("clinic", "Client")
    ContactPolicy = apps.get_model("clinic", "ContactPolicy")
    CopingPlan = apps.get_model("attachment", "CopingPlan")
    clinic = Clinic.objects.create(name="Demo Practice", slug="demo")
    therapist = User.objects.create(
        email="therapist@demo.test", full_name="Maya Therapist"
    )
    rising, steady = (
        Client.objects.create(
            clinic=clinic,
            therapist=therapist,
            code=code,
            started_on=dt.date(2026, 1, 5),
        )
        for code in ("DM-002", "DM-001")
    )
    ContactPolicy.objects.create(
        clinic=clinic,
        allowed_channels=["text", "email", "phone", "voicemail", "portal"],
        contact_hours=WORKING_HOURS,
        weekly_limit=3,
        response_window_hours=24,
        crisis_instructions="FRAME-CRISIS",
    )
    override = ContactPolicy.objects.create(
        clinic=clinic,
        client=rising,
        reason="Agreed in session: text only (synthetic demo).",
        allowed_channels=["text"],
        contact_hours=WORKING_HOURS,
        weekly_limit=2,
        response_window_hours=12,
        crisis_instructions="Call the crisis line (synthetic).",
    )
    for client, version, at, words in (
        (rising, 1, PLAN_1_AT, "Texts for scheduling on weekdays 9 to 5."),
        (rising, 2, PLAN_2_AT, "One text a day at most."),
        (steady, 1, PLAN_1_AT, "Texts for scheduling on weekdays 9 to 5."),
        (steady, 2, PLAN_2_AT, ""),
    ):
        CopingPlan.objects.create(
            client=client,
            version=version,
            written_at=at,
            author=therapist,
            contact_agreement=words,
        )
    return rising, steady, override


def test_overrides_and_plan_words_become_agreement_versions(migrator):
    old = migrator.apply_initial_migration(BEFORE)
    rising, steady, override = _old_demo(old.apps)
    ContactPolicyEvent = old.apps.get_model("clinic", "ContactPolicyEvent")
    # The override was made between the two plans: its history dates it.
    created = dt.datetime(2026, 9, 1, 10, 0, tzinfo=dt.UTC)
    assert ContactPolicyEvent.objects.filter(pgh_obj_id=override.pk).update(
        pgh_created_at=created
    )

    new = migrator.apply_tested_migration(AFTER)
    ContactAgreement = new.apps.get_model("attachment", "ContactAgreement")
    ContactPolicy = new.apps.get_model("clinic", "ContactPolicy")

    versions = list(
        ContactAgreement.objects.filter(client_id=rising.pk).order_by("version")
    )
    assert [(v.version, v.effective_from) for v in versions] == [
        (1, PLAN_1_AT),
        (2, created),
        (3, PLAN_2_AT),
    ]
    first, from_override, latest = versions
    # Before the override, the plan's words with the frame's terms.
    assert first.in_our_words == "Texts for scheduling on weekdays 9 to 5."
    assert first.weekly_limit == 3
    assert len(first.allowed_channels) == 5
    assert first.crisis_route == ""
    # From the override on, its terms, crisis steps and reason.
    for version in (from_override, latest):
        assert version.allowed_channels == ["text"]
        assert version.weekly_limit == 2
        assert version.reply_hours == 12
        assert version.crisis_route == "Call the crisis line (synthetic)."
        assert "Agreed in session: text only (synthetic demo)." in version.in_our_words
        assert version.author_id == rising.therapist_id
        assert not version.wider_than_frame
    assert latest.in_our_words.startswith("One text a day at most.")
    # A client with words in one plan gets one version; no words, no version.
    (only,) = ContactAgreement.objects.filter(client_id=steady.pk)
    assert only.in_our_words == "Texts for scheduling on weekdays 9 to 5."
    # Only the frame is left of the contact policies.
    assert ContactPolicy.objects.count() == 1
