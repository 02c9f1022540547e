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


# Words a flag's sentence never uses: everything in a client's record may be
# read by the client, so a sentence describes what happened without labels.
UNSAID_WORDS = ("dependency", "withdrawal", "overextension", "policy")


def day_text(day: dt.date) -> str:
    """A date as a sentence names it: ``9 Nov`` (``9 Nov 2025`` across years
    is left to the window; a sentence's period is never longer than a year)."""
    return f"{day.day} {day:%b}"


def period_text(start: dt.date, end: dt.date) -> str:
    """The period ``start``-``end`` (inclusive) in words that agree with a
    flag's window: ``in the 3 weeks from 9 Nov to 29 Nov``, ``in the 5 days
    from …``, ``on 1 Dec`` for one day."""
    days = (end - start).days + 1
    if days <= 1:
        return f"on {day_text(start)}"
    if days % 7 == 0:
        weeks = days // 7
        span = "the week" if weeks == 1 else f"the {weeks} weeks"
    else:
        span = f"the {days} days"
    return f"in {span} from {day_text(start)} to {day_text(end)}"


def opening(text: str) -> str:
    """``text`` with its first letter upper-case (the rest untouched)."""
    return text[:1].upper() + text[1:]


def duration_words(minutes: float) -> str:
    """A reply time in human units: minutes under an hour, hours under two
    days, then days (``about 4 hours``, ``about 3 days``)."""
    if not math.isfinite(minutes):
        return "an unknown time"
    if minutes < 60:
        whole = max(1, round(minutes))
        return f"{whole} minute" + ("" if whole == 1 else "s")
    if minutes < 120:
        rest = round(minutes) - 60
        return "1 hour" + (f" {rest} minutes" if rest else "")
    if minutes < 48 * 60:
        hours = round(minutes / 60)
        return f"about {hours} hour" + ("" if hours == 1 else "s")
    return f"about {round(minutes / (24 * 60))} days"


def count_text(n: int, one: str, many: str | None = None) -> str:
    """``1 contact``, ``3 contacts``."""
    return f"{n} {one if n == 1 else (many or one + 's')}"
