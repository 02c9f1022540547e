"""Detector thresholds: one frozen dataclass, documented field by field.

``DetectorSettings`` (the per-clinic model the clinic admin edits) maps onto
:class:`DetectorThresholds` field for field; :data:`FIELDS` carries the meaning,
default and valid range of each so the admin page and the model's validators
can be generated from one place rather than kept in step by hand.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Flags a year on a client whose contact rate is stable that the rising-contacts
# CUSUM is calibrated to: its share of the budget all eight detectors together
# keep to (see attachment/engine/EVALUATION.md).
RISING_FA_DEFAULT = 0.15


@dataclass(frozen=True)
class DetectorThresholds:
    """Every threshold of every detector, with the documented defaults.

    Build one from a ``DetectorSettings`` row with :meth:`from_mapping`;
    ``DetectorThresholds()`` is the clinic default.  Construction validates
    ranges, so a detector never runs on a nonsensical setting.  Meanings and
    ranges are in :data:`FIELDS`.
    """

    rising_enabled: bool = True
    rising_baseline_weeks: int = 52
    rising_monitor_weeks: int = 8
    rising_recent_weeks: int = 3
    rising_min_recent_contacts: int = 3
    rising_rate_floor: float = 0.25
    rising_false_alarms_per_year: float = RISING_FA_DEFAULT
    rising_red_ratio: float = 2.0
    policy_enabled: bool = True
    policy_min_count: int = 4
    policy_red_count: int = 6
    policy_window_weeks: int = 4
    policy_baseline_weeks: int = 26
    policy_alpha: float = 0.02
    absence_enabled: bool = True
    absence_baseline_weeks: int = 12
    absence_min_contacts: int = 3
    absence_min_ratio: float = 2.0
    absence_red_ratio: float = 2.0
    absence_lookahead_days: int = 21
    absence_observation_weeks: int = 8
    absence_min_intensity: int = 3
    rupture_enabled: bool = True
    rupture_repair_days: int = 28
    rupture_red_days: int = 42
    rupture_repeat_count: int = 3
    rupture_repeat_red_count: int = 5
    rupture_repeat_weeks: int = 8
    dependency_enabled: bool = True
    dependency_window_weeks: int = 12
    dependency_min_observations: int = 5
    dependency_alpha: float = 0.005
    dependency_red_alpha: float = 0.001
    dependency_measure_rise: float = 0.5
    dependency_measure_red_rise: float = 1.0
    dependency_measure_reliability: float = 0.8
    overextension_enabled: bool = True
    overextension_baseline_weeks: int = 12
    overextension_recent_weeks: int = 6
    overextension_alpha: float = 0.05
    overextension_min_signals: int = 2
    overextension_min_actions: int = 6
    withdrawal_enabled: bool = True
    withdrawal_prior_weeks: int = 8
    withdrawal_recent_weeks: int = 4
    withdrawal_high_reply_share: float = 0.8
    withdrawal_reply_drop: float = 0.4
    withdrawal_slowdown: float = 3.0
    withdrawal_alpha: float = 0.03
    withdrawal_min_contacts: int = 3
    after_ending_enabled: bool = True
    after_ending_window_weeks: int = 12
    after_ending_min_count: int = 1
    after_ending_red_count: int = 3
    supervisor_delay_days: int = 7

    def __post_init__(self) -> None:
        problems = threshold_problems(dataclasses.asdict(self))
        if problems:
            raise ValueError("; ".join(problems))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> DetectorThresholds:
        """Take the known fields from ``values`` (e.g. a model's ``__dict__``)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


@dataclass(frozen=True)
class ThresholdField:
    """How the admin page shows one threshold: meaning, default and range."""

    name: str
    label: str
    meaning: str
    default: float | int | bool
    minimum: float | int | None = None
    maximum: float | int | None = None

    @property
    def kind(self) -> type:
        return type(self.default)


def _switch(detector: str, label: str) -> ThresholdField:
    return ThresholdField(
        f"{detector}_enabled",
        f"{label}: on",
        f"Look for \u201c{label}\u201d.",
        True,
    )


FIELDS: tuple[ThresholdField, ...] = (
    _switch("rising", "Contacts rising"),
    ThresholdField(
        "rising_baseline_weeks",
        "Baseline weeks (at most)",
        "Up to this many weeks of client-initiated contacts set the client's "
        "usual rate and how bursty it is; they end one guard week before the "
        "monitored weeks. A client with less history (but at least 26 weeks) is "
        "judged on what there is, with a stricter threshold.",
        52,
        26,
        104,
    ),
    ThresholdField(
        "rising_monitor_weeks",
        "Monitored weeks",
        "How far back the CUSUM looks for the start of a rise.",
        8,
        4,
        12,
    ),
    ThresholdField(
        "rising_recent_weeks",
        "Recent weeks",
        "Weeks compared with the baseline in the exact rate-ratio test.",
        3,
        2,
        6,
    ),
    ThresholdField(
        "rising_min_recent_contacts",
        "Least recent contacts",
        "No flag unless the recent weeks hold at least this many contacts "
        "(so 0 to 2 contacts never flags).",
        3,
        1,
        20,
    ),
    ThresholdField(
        "rising_rate_floor",
        "Rate floor per week",
        "The baseline rate (and with it the variance) is never taken as lower "
        "than this, so a quiet baseline does not make every contact look like a "
        "surge.",
        0.25,
        0.05,
        2.0,
    ),
    ThresholdField(
        "rising_false_alarms_per_year",
        "False alarms per client-year",
        "Target rate of flags on a client whose contact rate is stable; sets the "
        "CUSUM threshold h.",
        RISING_FA_DEFAULT,
        0.1,
        2.0,
    ),
    ThresholdField(
        "rising_red_ratio",
        "Red rate ratio",
        "Red when the lower 95% bound of the recent/baseline rate ratio exceeds this.",
        2.0,
        1.2,
        10.0,
    ),
    _switch("policy", "Contacts outside the agreement"),
    ThresholdField(
        "policy_min_count",
        "Times outside the agreement",
        "How many times in the window the client's contact must go beyond the "
        "agreement (each contact outside contact hours or on a channel or for "
        "a purpose not agreed, each week over the weekly number) for a yellow "
        "flag, and then more often than in the client's own earlier weeks.",
        4,
        1,
        20,
    ),
    ThresholdField(
        "policy_red_count",
        "Times outside the agreement (red)",
        "As many or more make the flag red.",
        6,
        2,
        50,
    ),
    ThresholdField(
        "policy_window_weeks",
        "Agreement window weeks",
        "The window in which they are counted.",
        4,
        1,
        12,
    ),
    ThresholdField(
        "policy_baseline_weeks",
        "Earlier weeks compared",
        "The window is compared with the client's own rate of contact beyond "
        "the agreement in this many weeks before it, so occasional slips the "
        "client has always made do not flag.",
        26,
        4,
        104,
    ),
    ThresholdField(
        "policy_alpha",
        "Significance against earlier weeks",
        "One-sided p-value (exact test of the window's rate against the earlier "
        "weeks' rate) below which contact outside the agreement flags.",
        0.02,
        0.001,
        0.2,
    ),
    _switch("absence", "More contact during an absence"),
    ThresholdField(
        "absence_baseline_weeks",
        "Weeks before an absence",
        "Weeks before an absence that set the client's usual rate.",
        12,
        4,
        52,
    ),
    ThresholdField(
        "absence_min_contacts",
        "Least contacts during absence",
        "No flag for fewer client contacts during the absence.",
        3,
        1,
        20,
    ),
    ThresholdField(
        "absence_min_ratio",
        "Rate ratio during an absence",
        "Contacts during the absence must run at least this many times the "
        "usual rate, significantly (one-sided exact test at 5%).",
        2.0,
        1.2,
        10.0,
    ),
    ThresholdField(
        "absence_red_ratio",
        "Rate ratio during an absence (red)",
        "Red when the lower 95% bound of that ratio exceeds this.",
        2.0,
        1.2,
        10.0,
    ),
    ThresholdField(
        "absence_lookahead_days",
        "Days ahead of an absence",
        "How soon a planned absence must start to prompt planning cover.",
        21,
        1,
        90,
    ),
    ThresholdField(
        "absence_observation_weeks",
        "Observation weeks before absence",
        "How recent the high-intensity observations must be.",
        8,
        1,
        26,
    ),
    ThresholdField(
        "absence_min_intensity",
        "High intensity",
        "Least observation intensity (0-4) with fear of abandonment that counts.",
        3,
        1,
        4,
    ),
    _switch("rupture", "Ruptures not yet repaired"),
    ThresholdField(
        "rupture_repair_days",
        "Days without repair",
        "An open rupture with no repair attempt for longer than this flags "
        "(four weeks: about four sessions in which it could be taken up).",
        28,
        1,
        180,
    ),
    ThresholdField(
        "rupture_red_days",
        "Days without repair (red)",
        "Longer than this, or a severe rupture past the yellow limit, is red.",
        42,
        2,
        365,
    ),
    ThresholdField(
        "rupture_repeat_count",
        "Repeated ruptures",
        "This many ruptures or more within the repeat window flag.",
        3,
        2,
        20,
    ),
    ThresholdField(
        "rupture_repeat_red_count",
        "Repeated ruptures (red)",
        "As many or more make it red.",
        5,
        3,
        30,
    ),
    ThresholdField(
        "rupture_repeat_weeks",
        "Repeat window weeks",
        "The window for repeated ruptures.",
        8,
        1,
        26,
    ),
    _switch("dependency", "Attachment distress rising"),
    ThresholdField(
        "dependency_window_weeks",
        "Observation window weeks",
        "The client's usual intensity is taken from the 26 weeks before this "
        "many recent weeks; the last six of them are compared with it (the "
        "weeks between are left out, so the start of a rise does not raise "
        "the usual level).",
        12,
        4,
        52,
    ),
    ThresholdField(
        "dependency_min_observations",
        "Least observations",
        "No comparison with fewer observations in the usual weeks (or fewer "
        "than two in the recent six).",
        5,
        4,
        50,
    ),
    ThresholdField(
        "dependency_alpha",
        "Significance of a rise",
        "One-sided p-value (t-test of the recent mean intensity against the "
        "usual one, with the client's usual spread) below which a rise of at "
        "least 0.75 points flags.",
        0.005,
        0.001,
        0.2,
    ),
    ThresholdField(
        "dependency_red_alpha",
        "Significance of a rise (red)",
        "Red when the p-value is below this and the latest intensity is 3 or more.",
        0.001,
        0.0001,
        0.1,
    ),
    ThresholdField(
        "dependency_measure_rise",
        "Preoccupied-merger rise",
        "Rise of the preoccupied-merger subscale score at the latest measure, "
        "over the mean of up to three measures before it, that flags (scale "
        "points).",
        0.5,
        0.1,
        5.0,
    ),
    ThresholdField(
        "dependency_measure_red_rise",
        "Preoccupied-merger rise (red)",
        "A rise this large or larger is red.",
        1.0,
        0.2,
        10.0,
    ),
    ThresholdField(
        "dependency_measure_reliability",
        "Measure reliability",
        "The reliability of the attachment measure's subscales (test-retest or "
        "Cronbach's alpha), for the reliable change index (Jacobson and Truax): "
        "a rise counts only when it is larger than measurement error.",
        0.8,
        0.5,
        0.99,
    ),
    _switch("overextension", "Therapist availability rising"),
    ThresholdField(
        "overextension_baseline_weeks",
        "Availability: earlier weeks",
        "Weeks of the therapist's own earlier work with this client that serve "
        "as the baseline.",
        12,
        4,
        26,
    ),
    ThresholdField(
        "overextension_recent_weeks",
        "Availability: recent weeks",
        "Recent weeks compared with that baseline.",
        6,
        2,
        12,
    ),
    ThresholdField(
        "overextension_alpha",
        "Availability: significance",
        "One-sided p-value below which a single indicator counts.",
        0.05,
        0.001,
        0.2,
    ),
    ThresholdField(
        "overextension_min_signals",
        "Indicators for a flag",
        "How many of the three indicators (faster replies, more after-hours "
        "replies, more therapist-initiated contacts) must rise; all three is "
        "red.",
        2,
        1,
        3,
    ),
    ThresholdField(
        "overextension_min_actions",
        "Least recent therapist actions",
        "No flag with fewer replies and therapist contacts in the recent weeks.",
        6,
        1,
        100,
    ),
    _switch("withdrawal", "Therapist responsiveness fell"),
    ThresholdField(
        "withdrawal_prior_weeks",
        "High-availability weeks",
        "Weeks before the recent ones in which availability must have been high.",
        8,
        4,
        26,
    ),
    ThresholdField(
        "withdrawal_recent_weeks",
        "Responsiveness: recent weeks",
        "Recent weeks checked for a sharp drop.",
        4,
        1,
        8,
    ),
    ThresholdField(
        "withdrawal_high_reply_share",
        "High reply share",
        "Share of client contacts answered that counts as high availability.",
        0.8,
        0.5,
        1.0,
    ),
    ThresholdField(
        "withdrawal_reply_drop",
        "Reply share drop",
        "A fall in the answered share of at least this much (fraction points) "
        "is a sharp drop.",
        0.4,
        0.1,
        0.9,
    ),
    ThresholdField(
        "withdrawal_slowdown",
        "Slowdown factor",
        "Replies this many times slower than before are a sharp drop.",
        3.0,
        1.5,
        20.0,
    ),
    ThresholdField(
        "withdrawal_alpha",
        "Responsiveness: significance",
        "One-sided p-value below which a drop counts.",
        0.03,
        0.001,
        0.2,
    ),
    ThresholdField(
        "withdrawal_min_contacts",
        "Least client contacts",
        "No flag with fewer client contacts in the recent weeks.",
        3,
        1,
        50,
    ),
    _switch("after_ending", "Contact after the ending"),
    ThresholdField(
        "after_ending_window_weeks",
        "Weeks after the ending",
        "Contacts after the ending date are counted over this many recent weeks.",
        12,
        1,
        104,
    ),
    ThresholdField(
        "after_ending_min_count",
        "Contacts after the ending",
        "Client contacts beyond what the agreement allows after the ending that "
        "make a yellow flag.",
        1,
        1,
        20,
    ),
    ThresholdField(
        "after_ending_red_count",
        "Contacts after the ending (red)",
        "As many or more make the flag red.",
        3,
        1,
        50,
    ),
    ThresholdField(
        "supervisor_delay_days",
        "Days with the therapist first",
        "A new flag reaches the treating therapist at once and the supervisor "
        "this many days later, unless the therapist brings it to supervision "
        "sooner.",
        7,
        0,
        60,
    ),
)

_BY_NAME = {f.name: f for f in FIELDS}

# Pairs (yellow, red) where red must be at least as strict as yellow.
_ORDERED = (
    ("policy_min_count", "policy_red_count"),
    ("rupture_repair_days", "rupture_red_days"),
    ("rupture_repeat_count", "rupture_repeat_red_count"),
    ("dependency_measure_rise", "dependency_measure_red_rise"),
    ("after_ending_min_count", "after_ending_red_count"),
)


def threshold_problems(values: Mapping[str, Any]) -> list[str]:
    """Every out-of-range or inconsistent value, as short messages (no data)."""
    problems = []
    for name, value in values.items():
        spec = _BY_NAME.get(name)
        if spec is None or spec.kind is bool:
            continue
        if spec.minimum is not None and value < spec.minimum:
            problems.append(f"{name} must be at least {spec.minimum}")
        if spec.maximum is not None and value > spec.maximum:
            problems.append(f"{name} must be at most {spec.maximum}")
    for low, high in _ORDERED:
        if low in values and high in values and values[high] < values[low]:
            problems.append(f"{high} must not be below {low}")
    return problems
