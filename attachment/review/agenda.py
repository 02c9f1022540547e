"""The review's part of the next-session agenda (``notes.agenda``): the
client's live flags, so that what the engine found is brought into the
session.  Registered by :func:`attachment.review.integration.register_review_integrations`.

Flags about the therapist's own responsiveness (:data:`THERAPIST_KINDS`)
are material for supervision, not for the client's session, and archived
flags are no longer live material: neither is on the agenda."""

from __future__ import annotations

import datetime as dt
from typing import Any

from attachment.models import FlagKind
from attachment.review.selectors import live_flags_of
from notes.agenda import AgendaItem

# Red flags lead yellow ones on the next-session agenda.
FLAG_PRIORITY = {"red": 20, "yellow": 12}

# Findings about the therapist's availability, not the client's.
THERAPIST_KINDS = frozenset(
    {FlagKind.THERAPIST_OVEREXTENSION, FlagKind.ABRUPT_WITHDRAWAL}
)


class FlagAgenda:
    """Open flags of the client on the next-session agenda, labelled with the
    flag's one-sentence explanation (numbers only, no clinical text)."""

    def items(self, *, client: Any, since: dt.datetime | None) -> list[AgendaItem]:
        return [
            AgendaItem(
                key=f"flag:{flag.pk}",
                kind="flag",
                label=flag.explanation,
                occurred_at=flag.detected_at,
                priority=FLAG_PRIORITY.get(flag.tier, 0),
            )
            for flag in live_flags_of(client=client)
            if flag.kind not in THERAPIST_KINDS
        ]

    def mark_discussed(self, *, note: Any, ids: list[int]) -> None:
        """Talking a flag through with the client does not close it: that is
        the supervision review's decision, so the flag stays until reviewed."""
