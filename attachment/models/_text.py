"""Display helpers shared by the record models."""

from __future__ import annotations

import datetime as dt

from django.db import models


def labels(choices: type[models.TextChoices], codes: list[str]) -> list[str]:
    """Display labels of an ArrayField of codes (Django has no get_FOO_display
    for arrays)."""
    known = dict(choices.choices)
    return [known.get(code, code) for code in codes]


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def duration_text(span: dt.timedelta) -> str:
    """A span in the words people use: "45 minutes", "2 hours",
    "5 hours 20 minutes", and past two days "3.7 days" (never "5343
    minutes")."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return _count(minutes, "minute")
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return _count(hours, "hour") + (f" {_count(rest, 'minute')}" if rest else "")
    return f"{minutes / (24 * 60):.1f} days"
