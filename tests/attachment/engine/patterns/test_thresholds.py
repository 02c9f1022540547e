"""The detector thresholds: each documented with its default and range, the
range checks and their messages, and a switch for every detector."""

from __future__ import annotations

import dataclasses

import pytest

from attachment.engine.patterns import FIELDS, DetectorThresholds, ThresholdField
from attachment.engine.patterns.thresholds import _switch, threshold_problems
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
    assert _switch("after_ending", "After-ending contact") == ThresholdField(
        name="after_ending_enabled",
        label="After-ending contact: on",
        meaning="Run the after-ending contact detector.",
        default=True,
        minimum=None,
        maximum=None,
    )
    assert _switch("after_ending", "After-ending contact").kind is bool
    assert FIELDS[0] == _switch("rising", "Rising contact frequency")


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
