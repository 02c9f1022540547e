"""The next-session agenda: everything since the last session note that should
be brought into the next session.

Notes owns the agenda because the session note is where items are discussed;
other apps (``attachment``) contribute items by registering a provider from
their ``AppConfig.ready``.  Item keys are ``"<provider>:<id>"`` so that
:func:`agenda_mark_discussed` can hand each key back to the provider that
made it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from clinic.refusals import Refused


@dataclass(frozen=True)
class AgendaItem:
    key: str  # "<provider>:<id>", unique across providers
    kind: str  # shown as a badge: "contact", "rupture", "reflection", "flag" ...
    label: str  # one short line for the therapist
    occurred_at: dt.datetime
    priority: int = 0  # higher first
    url: str | None = None


class AgendaProvider(Protocol):
    def items(self, *, client: Any, since: dt.datetime | None) -> list[AgendaItem]: ...

    def mark_discussed(self, *, note: Any, ids: list[int]) -> None: ...


providers: dict[str, AgendaProvider] = {}


def register_agenda_provider(name: str, provider: AgendaProvider) -> None:
    providers[name] = provider


def agenda_for(*, client: Any, since: dt.datetime | None) -> list[AgendaItem]:
    items = [
        item
        for provider in providers.values()
        for item in provider.items(client=client, since=since)
    ]
    return sorted(items, key=lambda item: (-item.priority, item.occurred_at))


class SignedNoteRefused(Refused):
    """Items link to a note only while it is a draft: nothing but an addendum
    attaches to a signed note."""


def agenda_mark_discussed(*, note: Any, keys: list[str]) -> None:
    if getattr(note, "signed_at", None) is not None:
        raise SignedNoteRefused(
            "This note is signed: agenda items are ticked on a draft only."
        )
    by_provider: dict[str, list[int]] = {}
    for key in keys:
        name, _, raw_id = key.partition(":")
        if name in providers and raw_id.isdigit():
            by_provider.setdefault(name, []).append(int(raw_id))
    for name, ids in by_provider.items():
        providers[name].mark_discussed(note=note, ids=ids)
