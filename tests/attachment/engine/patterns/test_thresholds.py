"""The detector thresholds: each documented with its default and range, the
range checks and their messages, and a switch for every detector."""

from __future__ import annotations

import dataclasses

import pytest

from attachment.engine.patterns import (
    FIELDS,
    UNSAID_WORDS,
    DetectorThresholds,
    ThresholdField,
)
from attachment.engine.patterns.cusum import GRID_ARL
from attachment.engine.patterns.frequency import ARL_INFLATION
from attachment.engine.patterns.thresholds import _switch, threshold_problems
from attachment.models.flags import FlagKind
from tests.attachment.engine.patterns.helpers import DEFAULTS


def test_every_threshold_is_documented_with_its_default_and_range():
    names = [f.name for f in dataclasses.fields(DetectorThresholds)]
    assert [f.name for f in FIELDS] == names
    for field in FIELDS:
        assert field.default == getattr(DEFAULTS, field.name)
        assert field.meaning
        if field.kind is not bool:
            assert field.minimum <= field.default <= field.maximum


def test_every_detector_has_a_switch():
    switches = {f.name for f in FIELDS if f.kind is bool}
    assert switches == {
        f"{name}_enabled"
        for name in (
            "rising",
            "policy",
            "absence",
            "rupture",
            "dependency",
            "overextension",
            "withdrawal",
            "after_ending",
        )
    }


def test_out_of_range_or_inconsistent_thresholds_are_refused():
    with pytest.raises(ValueError, match="policy_min_count must be at least 1"):
        DetectorThresholds(policy_min_count=0)
    with pytest.raises(ValueError, match="rupture_red_days must not be below"):
        DetectorThresholds(rupture_repair_days=30, rupture_red_days=20)
    assert threshold_problems({"rising_false_alarms_per_year": 5.0})


def test_thresholds_can_be_built_from_a_settings_row():
    row = {"policy_min_count": 4, "_state": object(), "id": 3, "clinic_id": 9}
    assert DetectorThresholds.from_mapping(row).policy_min_count == 4


def test_a_detector_switch_is_described_in_words():
    assert _switch("after_ending", "Contact after the ending") == ThresholdField(
        name="after_ending_enabled",
        label="Contact after the ending: on",
        meaning="Look for \u201cContact after the ending\u201d.",
        default=True,
        minimum=None,
        maximum=None,
    )
    assert _switch("after_ending", "Contact after the ending").kind is bool
    assert FIELDS[0] == _switch("rising", "Contacts rising")


def test_the_settings_speak_of_what_was_seen_not_of_blame():
    """The settings page's labels and help texts use the flags' own words."""
    for field in FIELDS:
        text = f"{field.label} {field.meaning}".lower()
        for word in UNSAID_WORDS:
            assert word not in text, (field.name, word)


def test_each_detector_s_switch_is_named_as_its_flags_are():
    labels = {f.name: f.label.removesuffix(": on") for f in FIELDS if f.kind is bool}
    assert labels == {
        "rising_enabled": FlagKind.RISING_CONTACT_FREQUENCY.label,
        "policy_enabled": FlagKind.POLICY_PATTERN.label,
        "absence_enabled": FlagKind.ABSENCE_SURGE.label,
        "rupture_enabled": "Ruptures not yet repaired",
        "dependency_enabled": FlagKind.DEPENDENCY_ESCALATION.label,
        "overextension_enabled": "Therapist availability rising",
        "withdrawal_enabled": FlagKind.ABRUPT_WITHDRAWAL.label,
        "after_ending_enabled": FlagKind.AFTER_ENDING_CONTACT.label,
    }


def test_the_range_ends_themselves_are_allowed():
    for field in FIELDS:
        if field.kind is bool:
            continue
        assert threshold_problems({field.name: field.maximum}) == [], field.name
        assert threshold_problems({field.name: field.minimum}) == [], field.name


def test_values_past_either_end_are_named_with_the_limit():
    assert threshold_problems({"policy_window_weeks": 13}) == [
        "policy_window_weeks must be at most 12"
    ]
    assert threshold_problems({"policy_window_weeks": 0}) == [
        "policy_window_weeks must be at least 1"
    ]
    with pytest.raises(ValueError, match="^rising_rate_floor must be at most 2.0$"):
        DetectorThresholds(rising_rate_floor=2.5)


def test_every_problem_is_named_in_one_message():
    message = (
        "^policy_min_count must be at least 1; policy_window_weeks must be at most 12$"
    )
    with pytest.raises(ValueError, match=message):
        DetectorThresholds(policy_min_count=0, policy_window_weeks=13)


def test_unknown_names_and_switches_are_not_range_checked():
    assert threshold_problems({"clinic_id": -5, "rising_enabled": False}) == []


def test_red_may_equal_yellow_but_not_fall_below_it():
    assert threshold_problems({"policy_min_count": 4, "policy_red_count": 4}) == []
    assert threshold_problems({"policy_min_count": 4, "policy_red_count": 3}) == [
        "policy_red_count must not be below policy_min_count"
    ]
    assert DetectorThresholds(after_ending_min_count=2, after_ending_red_count=2)


def test_every_rising_budget_the_settings_allow_lies_inside_the_h_table():
    """The CUSUM's run length for the default budget, and for the smallest
    the settings allow, is read from the table, never clamped at its end."""
    spec = next(f for f in FIELDS if f.name == "rising_false_alarms_per_year")
    assert spec.default == DEFAULTS.rising_false_alarms_per_year == 0.15
    for budget in (spec.default, spec.minimum, spec.maximum):
        for _, inflation in ARL_INFLATION:
            arl = 52 / budget * inflation
            assert GRID_ARL[0] <= arl <= GRID_ARL[-1], (budget, inflation)
