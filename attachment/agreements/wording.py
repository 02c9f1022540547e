"""The client copy of an agreement: its terms in plain first-person sentences.

Pure: a version, the therapist's first name and the client's time zone name
go in, sentences come out.  The words are the client's to read, so they
describe what was agreed and never blame.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from attachment.models import Acknowledgement, ContactAgreement, Purpose
from clinic.models import Channel, Weekday

# What "I can ..." a channel lets the client do; {name} is the therapist's.
CHANNEL_PHRASES = {
    "text": "text {name}",
    "email": "e-mail {name}",
    "phone": "phone {name}",
    "voicemail": "leave {name} a voicemail",
    "portal": "write to {name} through the portal",
    "video": "have a video call with {name}",
    "social": "message {name} on social media",
    "in_person": "see {name} in person",
    "other": "get in touch with {name} in other ways",
}
PURPOSE_PHRASES = {
    "scheduling": "about appointments",
    "reassurance": "to check in",
    "sharing": "to share something",
    "distress": "when I am in distress",
    "crisis": "in a crisis",
    "rupture": "about something that felt wrong between us",
    "other": "about other things",
}
DAY_NAMES = {day.value: f"{day.label}s" for day in Weekday}
WEEKDAYS = (0, 1, 2, 3, 4)
WEEKEND = (5, 6)
CHANNEL_LABELS = dict(Channel.choices)
PURPOSE_LABELS = dict(Purpose.choices)
NOT_WRITTEN = "we have not written this down yet."


def first_name(full_name: str) -> str:
    parts = full_name.split()
    return parts[0] if parts else "my therapist"


def _clock(moment: dt.time) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def _joined(parts: list[str], word: str = "and") -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1]


def _days(days: tuple[int, ...]) -> str:
    if days == tuple(range(7)):
        return "every day"
    if days == WEEKDAYS:
        return "on weekdays"
    if days == WEEKEND:
        return "at weekends"
    return "on " + _joined([DAY_NAMES[day] for day in days])


def hours_phrase(agreement: ContactAgreement, zone_name: str) -> str:
    """ "on weekdays between 9:00 and 17:00 (my time, Europe/London)", the days
    with the same hours together."""
    groups: dict[tuple[dt.time, dt.time], list[int]] = {}
    for day in Weekday:
        window = agreement.hours_on(day.value)
        if window is not None:
            groups.setdefault(window, []).append(day.value)
    if not groups:
        return "at times we have not set yet"
    spans = [
        f"{_days(tuple(days))} between {_clock(start)} and {_clock(end)}"
        for (start, end), days in groups.items()
    ]
    return f"{_joined(spans)} (my time, {zone_name})"


def channel_sentences(
    agreement: ContactAgreement, *, name: str, zone_name: str
) -> list[str]:
    hours = hours_phrase(agreement, zone_name)
    sentences = []
    for channel in agreement.allowed_channels:
        doing = CHANNEL_PHRASES.get(channel, "get in touch with {name}").format(
            name=name
        )
        purposes = agreement.purpose_rules.get(channel) or []
        about = _joined([PURPOSE_PHRASES.get(p, p) for p in purposes], "or")
        sentences.append(
            " ".join(part for part in (f"I can {doing}", about, hours) if part) + "."
        )
    if not sentences:
        sentences.append(
            f"We have agreed that I do not get in touch with {name} between "
            "sessions, except in a crisis as below."
        )
    return sentences


def limit_sentence(agreement: ContactAgreement) -> str | None:
    limit = agreement.weekly_limit
    if limit is None:
        return None
    if limit == 0:
        return (
            "We have agreed that I keep what comes up for our sessions, except "
            "when I am in distress or in a crisis."
        )
    times = "once" if limit == 1 else "twice" if limit == 2 else f"{limit} times"
    return (
        f"I can get in touch up to {times} in any 7 days, not counting the "
        "times I am in distress or in a crisis."
    )


def reply_sentence(agreement: ContactAgreement, *, name: str) -> str:
    hours = agreement.reply_hours
    span = "an hour" if hours == 1 else f"{hours} hours"
    if hours % 24 == 0 and hours > 24:
        span = f"{hours // 24} days"
    return f"{name} will usually reply within {span}."


def after_ending_sentence(agreement: ContactAgreement, *, name: str) -> str:
    if agreement.after_ending:
        return agreement.after_ending
    if agreement.after_ending_allowed:
        return f"I can still get in touch with {name}."
    return "contact between sessions stops."


@dataclass(frozen=True)
class ClientCopy:
    """Sentences of the client copy, in order."""

    therapist: str
    zone_name: str
    can: list[str]
    limit: str | None
    reply: str
    reaching_out: str
    crisis: str
    away: str
    after_ending: str
    in_our_words: str
    logging_notice: str
    acknowledged: str | None


def acknowledgement_sentence(agreement: ContactAgreement) -> str | None:
    if agreement.acknowledged_on is None:
        return None
    how = {
        Acknowledgement.IN_SESSION: "in a session",
        Acknowledgement.SIGNED_COPY: "by signing a copy",
        Acknowledgement.PORTAL: "through the portal",
    }.get(Acknowledgement(agreement.acknowledged_how), "")
    return f"I agreed to this on {agreement.acknowledged_on:%-d %B %Y} {how}.".replace(
        " .", "."
    )


def client_copy(
    agreement: ContactAgreement, *, therapist_name: str, zone_name: str
) -> ClientCopy:
    name = first_name(therapist_name)
    return ClientCopy(
        therapist=name,
        zone_name=zone_name,
        can=channel_sentences(agreement, name=name, zone_name=zone_name),
        limit=limit_sentence(agreement),
        reply=reply_sentence(agreement, name=name),
        reaching_out=(
            "Getting in touch when I am in distress or in a crisis is never "
            "against this agreement."
        ),
        crisis=agreement.crisis_route or NOT_WRITTEN,
        away=agreement.break_arrangements or NOT_WRITTEN,
        after_ending=after_ending_sentence(agreement, name=name),
        in_our_words=agreement.in_our_words,
        logging_notice=(
            f"{name} keeps a record of our contacts between sessions and may "
            "discuss them in supervision."
        ),
        acknowledged=acknowledgement_sentence(agreement),
    )


@dataclass(frozen=True)
class TermsSummary:
    """A version's terms for the therapist's pages: labels, not codes."""

    channels: list[str]
    hours: list[tuple[str, str]]
    zone_name: str
    weekly_limit: int | None
    rules: list[tuple[str, list[str]]]
    reply_hours: int
    after_ending_allowed: bool


def terms_summary(agreement: ContactAgreement, *, zone_name: str) -> TermsSummary:
    return TermsSummary(
        channels=[CHANNEL_LABELS.get(c, c) for c in agreement.allowed_channels],
        hours=agreement.weekly_hours(),
        zone_name=zone_name,
        weekly_limit=agreement.weekly_limit,
        rules=[
            (
                CHANNEL_LABELS.get(channel, channel),
                [PURPOSE_LABELS.get(p, p) for p in purposes],
            )
            for channel, purposes in agreement.purpose_rules.items()
        ],
        reply_hours=agreement.reply_hours,
        after_ending_allowed=agreement.after_ending_allowed,
    )
