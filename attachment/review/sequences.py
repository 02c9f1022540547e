"""One story per client: a client's concurrent flags read as one sequence.

A sequence card groups the live flags of one client that the reader may see:
the kinds as chips, the strongest evidence first, a neutral two-sentence
summary, and for each kind two or three questions for supervision
(:data:`QUESTIONS_FOR_SUPERVISION`, the documented table).  Pure: the flags
come in, the card goes out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from attachment.models import Flag, FlagKind, FlagStatus, FlagTier
from clinic.dates import format_when
from clinic.models import Client

#: Questions a supervisor and therapist may take up, per kind of finding.  They
#: ask about the work, never about fault; ``{start}`` is the first day of the
#: finding's window.
QUESTIONS_FOR_SUPERVISION: dict[str, tuple[str, ...]] = {
    FlagKind.RISING_CONTACT_FREQUENCY: (
        "What changed for the client around {start}?",
        "What does the client hope for when they get in touch between sessions?",
        "Does the agreement still fit what the client needs now?",
    ),
    FlagKind.POLICY_PATTERN: (
        "Which parts of the agreement are hard for the client to keep, and why?",
        "Does the agreement need reviewing together with the client?",
    ),
    FlagKind.ABSENCE_SURGE: (
        "How was the break prepared with the client?",
        "What did the cover arrangements offer, and what was missing?",
    ),
    FlagKind.ABSENCE_AHEAD: (
        "How will the coming break be named and prepared in session?",
        "Does the client know who covers and how to reach them?",
    ),
    FlagKind.UNREPAIRED_RUPTURE: (
        "How might the rupture be taken up in the next session?",
        "What makes it hard to return to?",
    ),
    FlagKind.REPEATED_RUPTURES: (
        "Is there a pattern in what comes before the ruptures?",
        "What has helped a repair before?",
    ),
    FlagKind.DEPENDENCY_ESCALATION: (
        "What is the client's distress between sessions about just now?",
        "How is the coping plan working for the client?",
    ),
    FlagKind.DEPENDENCY_MEASURE_RISE: (
        "What may lie behind the change in the measure since {start}?",
        "How does the client understand the change?",
    ),
    FlagKind.THERAPIST_OVEREXTENSION: (
        "What draws you to reply sooner or later in the day than usual?",
        "What support would help you keep the agreement steady?",
    ),
    FlagKind.ABRUPT_WITHDRAWAL: (
        "What changed in your availability around {start}, and has it been "
        "named with the client?",
        "How might the client be experiencing the change?",
    ),
    FlagKind.AFTER_ENDING_CONTACT: (
        "What was agreed about contact after the ending?",
        "What might the client be asking for now?",
    ),
}

_TIER_RANK: dict[str, int] = {FlagTier.RED.value: 0, FlagTier.YELLOW.value: 1}


@dataclass(frozen=True)
class KindQuestions:
    label: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class SequenceCard:
    """The live flags of one client, strongest evidence first."""

    client_id: int
    flags: tuple[Flag, ...]

    @property
    def strongest(self) -> Flag:
        return self.flags[0]

    @property
    def since(self) -> dt.date:
        return min(flag.window_start for flag in self.flags)

    @property
    def client(self) -> Client:
        """The client, as loaded with the flags (select it with them)."""
        return self.strongest.client

    @property
    def statuses(self) -> list[tuple[str, int]]:
        """(status label, how many flags) in the review's order, for the
        statuses the card's flags are in."""
        counts = Counter(flag.status for flag in self.flags)
        return [
            (str(label), counts[value])
            for value, label in FlagStatus.choices
            if counts[value]
        ]

    @property
    def chips(self) -> list[tuple[str, str]]:
        """(kind label, tier) per flag, in the card's order."""
        return [(flag.get_kind_display(), flag.tier) for flag in self.flags]

    def summary(self) -> str:
        """Two neutral sentences: what was found since when, and where the
        evidence is strongest."""
        count = len(self.flags)
        labels = ", ".join(str(label).lower() for label, _tier in self.chips)
        found = "finding" if count == 1 else "findings"
        return (
            f"{count} {found} since {format_when(self.since, 'date')}: {labels}. "
            f"The evidence is strongest for "
            f"{str(self.strongest.get_kind_display()).lower()}."
        )

    def questions(self) -> list[KindQuestions]:
        """The questions for supervision of each kind on the card, once each."""
        shown: list[KindQuestions] = []
        seen: set[str] = set()
        for flag in self.flags:
            if flag.kind in seen:
                continue
            seen.add(flag.kind)
            start = f"{flag.window_start.day} {flag.window_start:%b}"
            shown.append(
                KindQuestions(
                    label=str(flag.get_kind_display()),
                    questions=tuple(
                        question.format(start=start)
                        for question in QUESTIONS_FOR_SUPERVISION.get(flag.kind, ())
                    ),
                )
            )
        return shown


def _order(flag: Flag) -> tuple[int, dt.datetime, int]:
    return (_TIER_RANK.get(flag.tier, 2), flag.detected_at, flag.pk or 0)


def sequence_cards(flags: Iterable[Flag]) -> list[SequenceCard]:
    """One card per client, the clients with the strongest evidence and the
    longest waiting first."""
    by_client: dict[int, list[Flag]] = {}
    for flag in flags:
        by_client.setdefault(flag.client_id, []).append(flag)
    cards = [
        SequenceCard(client_id, tuple(sorted(group, key=_order)))
        for client_id, group in by_client.items()
    ]
    return sorted(cards, key=lambda card: _order(card.strongest))


def card_of(flags: Sequence[Flag]) -> SequenceCard | None:
    """The card of one client's flags, or None when there are none."""
    cards = sequence_cards(flags)
    return cards[0] if cards else None
