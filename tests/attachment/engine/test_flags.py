"""Flags, their review history and the per-clinic detector settings."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from attachment.engine import patterns as p
from attachment.engine.services import (
    FlagTransitionRefused,
    detector_settings_for,
    flag_status_change,
    thresholds_for,
)
from attachment.models import (
    DETECTOR_OF_KIND,
    DetectorSettings,
    Flag,
    FlagKind,
    FlagStatus,
    flag_kind_of,
)
from attachment.review.agenda import FlagAgenda
from clinic.models import AuditEvent


@pytest.fixture
def flag(client, therapist, now):
    return Flag.objects.create(
        client=client,
        therapist=therapist,
        kind=FlagKind.POLICY_PATTERN,
        tier="yellow",
        window_start=dt.date(2026, 3, 2),
        window_end=dt.date(2026, 3, 16),
        detected_at=now,
        updated_at=now,
        score=1.0,
        evidence={"contacts_outside_policy": 3},
        explanation="3 client contacts in the last 4 weeks fell outside the policy.",
    )


def test_a_client_has_one_flag_per_kind_and_window(flag):
    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.create(
            **{
                f.attname: getattr(flag, f.attname)
                for f in Flag._meta.concrete_fields
                if f.name != "id"
            }
        )


def test_a_flag_window_cannot_end_before_it_starts(flag):
    flag.window_end = flag.window_start - dt.timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        flag.save()


def test_the_second_part_of_a_two_part_detector_has_its_own_kind():
    assert (
        flag_kind_of(p.Kind.ABSENCE_SURGE, p.Part.AHEAD_OF_ABSENCE) == "absence_ahead"
    )
    assert flag_kind_of(p.Kind.ABSENCE_SURGE, p.Part.DURING_ABSENCE) == "absence_surge"
    assert flag_kind_of(p.Kind.UNREPAIRED_RUPTURE, p.Part.REPEATED) == (
        "repeated_ruptures"
    )
    assert flag_kind_of(p.Kind.DEPENDENCY_ESCALATION, p.Part.MEASURE_RISE) == (
        "dependency_measure_rise"
    )
    assert set(DETECTOR_OF_KIND) == set(FlagKind.values)
    assert set(DETECTOR_OF_KIND.values()) == {kind.value for kind in p.Kind}


def test_detector_settings_start_at_the_documented_defaults(clinic):
    settings_row = detector_settings_for(clinic=clinic)

    assert detector_settings_for(clinic=clinic).pk == settings_row.pk
    assert thresholds_for(clinic=clinic) == p.DetectorThresholds()
    for spec in p.FIELDS:
        field = DetectorSettings._meta.get_field(spec.name)
        assert field.default == spec.default
        # The wording is the thresholds table's; on the field it is schema.
        assert (field.verbose_name, field.help_text) == (
            spec.name.replace("_", " "),
            "",
        )


def test_a_threshold_out_of_its_range_is_refused_by_form_and_database(clinic):
    settings_row = detector_settings_for(clinic=clinic)
    settings_row.policy_window_weeks = 13

    with pytest.raises(ValidationError) as refused:
        settings_row.full_clean()
    assert "policy_window_weeks" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        settings_row.save()


def test_a_red_threshold_below_the_yellow_one_is_refused(clinic):
    settings_row = detector_settings_for(clinic=clinic)
    settings_row.policy_min_count, settings_row.policy_red_count = 5, 4

    with pytest.raises(ValidationError, match="policy_red_count"):
        settings_row.full_clean()


def test_a_switched_off_detector_reaches_the_thresholds(clinic):
    settings_row = detector_settings_for(clinic=clinic)
    settings_row.rising_enabled = False
    settings_row.save()

    assert thresholds_for(clinic=clinic) == dataclasses.replace(
        p.DetectorThresholds(), rising_enabled=False
    )


def test_a_status_change_is_kept_in_the_flags_history_and_audited(
    flag, supervisor, now
):
    later = now + dt.timedelta(hours=2)
    flag_status_change(
        actor=supervisor, flag=flag, to_status=FlagStatus.IN_SUPERVISION, now=now
    )
    flag_status_change(
        actor=supervisor,
        flag=flag,
        to_status=FlagStatus.RESOLVED,
        now=later,
        reason="Discussed; contact plan revised.",
    )

    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED and flag.updated_at == later
    assert [
        (c.from_status, c.to_status, c.changed_by) for c in flag.status_changes.all()
    ] == [
        ("open", "in_supervision", supervisor),
        ("in_supervision", "resolved", supervisor),
    ]
    assert (
        AuditEvent.objects.filter(
            object_type="attachment.flag", object_id=flag.pk, action="update"
        ).count()
        == 2
    )


def test_a_flag_cannot_move_to_the_status_it_has(flag, supervisor, now):
    with pytest.raises(FlagTransitionRefused):
        flag_status_change(actor=supervisor, flag=flag, to_status="open", now=now)
    assert not flag.status_changes.exists()


def test_open_flags_are_on_the_next_session_agenda_with_their_explanation(
    flag, client, supervisor, now
):
    [item] = FlagAgenda().items(client=client, since=None)
    assert item.key == f"flag:{flag.pk}"
    assert item.kind == "flag"
    assert item.label == flag.explanation

    flag_status_change(actor=supervisor, flag=flag, to_status="dismissed", now=now)
    assert FlagAgenda().items(client=client, since=None) == []
