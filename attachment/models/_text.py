"""Display helpers shared by the record models."""

from __future__ import annotations

import datetime as dt

from django.db import models


def labels(choices: type[models.TextChoices], codes: list[str]) -> list[str]:
    """Display labels of an ArrayField of codes (Django has no get_FOO_display
    for arrays)."""
    known = dict(choices.choices)
    return [known.get(code, code) for code in codes]


def duration_text(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // (24 * 60)} days"
