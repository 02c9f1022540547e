"""What a detector returns: a plain, JSON-friendly description of one finding.

The scan turns a :class:`Finding` into a ``Flag`` row; keeping it free of Django
means the detectors can be tested and evaluated without a database.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """The eight detectors; the codes double as ``Flag.kind`` values."""

    RISING_CONTACT_FREQUENCY = "rising_contact_frequency"
    POLICY_PATTERN = "policy_pattern"
    ABSENCE_SURGE = "absence_surge"
    UNREPAIRED_RUPTURE = "unrepaired_rupture"
    DEPENDENCY_ESCALATION = "dependency_escalation"
    THERAPIST_OVEREXTENSION = "therapist_overextension"
    ABRUPT_WITHDRAWAL = "abrupt_withdrawal"
    AFTER_ENDING_CONTACT = "after_ending_contact"


class Tier(StrEnum):
    YELLOW = "yellow"
    RED = "red"


class Part(StrEnum):
    """Which half of a two-part detector fired ("" for one-part detectors).

    Two parts of one detector can fire for the same client; their windows are
    anchored differently so that ``(client, kind, window_start)`` stays unique.
    """

    NONE = ""
    DURING_ABSENCE = "during_absence"
    AHEAD_OF_ABSENCE = "ahead_of_absence"
    OPEN_WITHOUT_REPAIR = "open_without_repair"
    REPEATED = "repeated"
    INTENSITY_TREND = "intensity_trend"
    MEASURE_RISE = "measure_rise"


@dataclass(frozen=True)
class Finding:
    """One detector's verdict for one client.

    ``evidence`` holds only numbers, dates as ISO strings, booleans and short
    codes, so it can be stored as JSON and shown to a supervisor as it is.
    ``explanation`` is one plain sentence built from numbers only: detectors
    never receive clinical text, so none can leak into a flag.
    """

    kind: Kind
    tier: Tier
    window_start: dt.date
    window_end: dt.date
    score: float
    evidence: dict[str, Any]
    explanation: str
    part: Part = field(default=Part.NONE)

    def __post_init__(self) -> None:
        if self.window_end < self.window_start:
            raise ValueError("a finding's window cannot end before it starts")
        json.dumps(self.evidence, allow_nan=False)


def clean_number(value: float, digits: int = 3) -> float | None:
    """Round for evidence; JSON has no infinity or NaN, so those become None."""
    value = float(value)
    if not math.isfinite(value):
        return None
    return round(value, digits)
