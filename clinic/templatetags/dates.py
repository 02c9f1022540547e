"""``{{ value|when:"style" }}``: a date in the clinic's locale (see
:mod:`clinic.dates` for the styles).  Built into every template by the
``builtins`` of ``TEMPLATES`` in the settings."""

from __future__ import annotations

import datetime as dt

from django import template

from clinic.dates import format_when

register = template.Library()


@register.filter(expects_localtime=True)
def when(value: dt.date | dt.datetime | None, style: str) -> str:
    return format_when(value, style)
