"""The small readers every conversion uses, and the problem they raise.

A resource that cannot become a record raises :class:`ItemProblem`, whose
reason names fields and rules, never a value (a value could be clinical
text)."""

from __future__ import annotations

import datetime as dt
from typing import Any


class ItemProblem(Exception):
    """One entry cannot be imported; ``reason`` is safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- small readers -----------------------------------------------------------


def moment(value: Any, name: str) -> dt.datetime:
    """An aware datetime; a date alone is read as its midnight, UTC."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ItemProblem(f"{name} has no time zone")
        return value.astimezone(dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    raise ItemProblem(f"{name} is missing")


def day(value: Any, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise ItemProblem(f"{name} is missing")


def codes(concept: Any, system: str) -> list[str]:
    """The codes of ``system`` in a CodeableConcept (or a list of Codings)."""
    if concept is None:
        return []
    codings = concept if isinstance(concept, list) else (concept.coding or [])
    return [c.code for c in codings if c.system == system and c.code]


def code(concept: Any, system: str) -> str | None:
    found = codes(concept, system)
    return found[0] if found else None


def extensions(resource: Any, url: str) -> list[Any]:
    return [ext for ext in (resource.extension or []) if ext.url == url]


def extension_value(resource: Any, url: str, kind: str) -> Any:
    found = extensions(resource, url)
    return getattr(found[0], kind) if found else None


def known(value: str | None, choices: Any, name: str) -> str:
    if value is None or value not in choices.values:
        raise ItemProblem(f"{name} is not a known code")
    return value


def display(reference: Any) -> str:
    return (reference.display or "") if reference is not None else ""


def reference_of(reference: Any) -> str | None:
    return reference.reference if reference is not None else None
