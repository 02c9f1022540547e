"""How an agreement's terms compare with the clinic's frame.

Pure: the terms of both are handed in.  An agreement is *wider* than the
frame where it allows more: a channel the frame does not, hours outside the
frame's on some weekday, a higher weekly limit (or none where the frame has
one), a faster reply than the frame's response window, or contact after the
ending where the frame does not allow it.  A wider version needs the
supervisor's approval before it is in force.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from clinic.models import Channel, Weekday


class FrameTerms(Protocol):
    allowed_channels: list[str]
    weekly_limit: int | None
    after_ending_allowed: bool
    response_window_hours: int

    def hours_on(self, weekday: int) -> tuple[dt.time, dt.time] | None: ...


class AgreementTerms(Protocol):
    allowed_channels: list[str]
    weekly_limit: int | None
    after_ending_allowed: bool
    reply_hours: int

    def hours_on(self, weekday: int) -> tuple[dt.time, dt.time] | None: ...


def _channel(value: str) -> str:
    return str(dict(Channel.choices).get(value, value)).lower()


def widenings(agreement: AgreementTerms, frame: FrameTerms) -> list[str]:
    """Short phrases, each naming one way the agreement is wider than the
    frame; empty when it keeps inside it."""
    found = []
    extra = [c for c in agreement.allowed_channels if c not in frame.allowed_channels]
    if extra:
        found.append(
            "channels the clinic does not offer: " + ", ".join(map(_channel, extra))
        )
    for day in Weekday:
        mine, clinic = agreement.hours_on(day.value), frame.hours_on(day.value)
        if mine is None:
            continue
        if clinic is None or mine[0] < clinic[0] or mine[1] > clinic[1]:
            found.append(f"hours beyond the clinic's on {day.label}")
    if frame.weekly_limit is not None and (
        agreement.weekly_limit is None or agreement.weekly_limit > frame.weekly_limit
    ):
        found.append("a higher weekly limit than the clinic's")
    if agreement.reply_hours < frame.response_window_hours:
        found.append("a faster reply than the clinic's response window")
    if agreement.after_ending_allowed and not frame.after_ending_allowed:
        found.append("contact after the ending")
    return found
