"""Dates and times in the clinic's locale.

Templates write ``{{ value|when:"date" }}`` (a built-in filter, see
``clinic/templatetags/dates.py``) rather than a format of their own, so that
one setting of the clinic (``Clinic.locale``) decides how every page writes
a date: "3 Mar 2026 14:05" in the United Kingdom, "Mar 3, 2026, 2:05 PM" in
the United States.  Python code that writes a date into a sentence calls
:func:`format_when` too.  :class:`DateLocaleMiddleware` chooses the locale
of the signed-in person's clinic for each request, read only when a date is
written; anything written outside a request (a task, a command) uses
:data:`DEFAULT` unless it activates another.

The styles, by what they show:

=============  =========================  ==============================
style          en-gb                      en-us
=============  =========================  ==============================
date           3 Mar 2026                 Mar 3, 2026
datetime       3 Mar 2026 14:05           Mar 3, 2026, 2:05 PM
day            Tue 3 Mar 2026             Tue, Mar 3, 2026
daytime        Tue 3 Mar 14:05            Tue, Mar 3, 2:05 PM
daydatetime    Tue 3 Mar 2026 14:05       Tue, Mar 3, 2026, 2:05 PM
daymonth       3 Mar                      Mar 3
month          Mar 2026                   Mar 2026
time           14:05                      2:05 PM
long           3 March 2026               March 3, 2026
longdatetime   3 March 2026, 14:05        March 3, 2026, 2:05 PM
full           Tuesday 3 March 2026       Tuesday, March 3, 2026
fulldatetime   Tuesday 3 March 2026, 14:05  Tuesday, March 3, 2026, 2:05 PM
=============  =========================  ==============================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils import dateformat


class DateLocale(models.TextChoices):
    EN_GB = "en-gb", "United Kingdom: 3 Mar 2026 14:05"
    EN_US = "en-us", "United States: Mar 3, 2026, 2:05 PM"


DEFAULT = DateLocale.EN_GB.value

FORMATS: dict[str, dict[str, str]] = {
    DateLocale.EN_GB: {
        "date": "j M Y",
        "datetime": "j M Y H:i",
        "day": "D j M Y",
        "daytime": "D j M H:i",
        "daydatetime": "D j M Y H:i",
        "daymonth": "j M",
        "month": "M Y",
        "time": "H:i",
        "long": "j F Y",
        "longdatetime": "j F Y, H:i",
        "full": "l j F Y",
        "fulldatetime": "l j F Y, H:i",
    },
    DateLocale.EN_US: {
        "date": "M j, Y",
        "datetime": "M j, Y, g:i A",
        "day": "D, M j, Y",
        "daytime": "D, M j, g:i A",
        "daydatetime": "D, M j, Y, g:i A",
        "daymonth": "M j",
        "month": "M Y",
        "time": "g:i A",
        "long": "F j, Y",
        "longdatetime": "F j, Y, g:i A",
        "full": "l, F j, Y",
        "fulldatetime": "l, F j, Y, g:i A",
    },
}
STYLES = frozenset(FORMATS[DEFAULT])

# A locale's code, or a function that finds it the first time a date is
# written (the request's person's clinic, see DateLocaleMiddleware).
_active: ContextVar[str | Callable[[], str]] = ContextVar(
    "date_locale", default=DEFAULT
)


def active_locale() -> str:
    held = _active.get()
    if callable(held):
        held = held()
        _active.set(held)
    return held


@contextmanager
def locale_active(code: str) -> Iterator[None]:
    """Write dates in ``code``'s style inside the block only."""
    token = _active.set(code if code in FORMATS else DEFAULT)
    try:
        yield
    finally:
        _active.reset(token)


def format_when(value: dt.date | dt.datetime | None, style: str) -> str:
    """``value`` written in ``style`` for the active locale; an aware
    datetime keeps its own zone (convert it first with ``|timezone:``)."""
    if value is None or value == "":
        return ""
    if style not in STYLES:
        raise ValueError(f"unknown date style {style!r}")
    return dateformat.format(value, FORMATS[active_locale()][style])


def user_locale(user: Any) -> str:
    """The date format of the clinic ``user`` joined first; signed out or
    without a clinic, the default.  Read with the user's memberships, which a
    request reads once (``clinic.access``)."""
    from clinic import access

    if user is None:
        return DEFAULT
    return access.date_locale_of(user) or DEFAULT


class DateLocaleMiddleware:
    """Dates of this request in the locale of its person's clinic, looked up
    only if a date is written."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _active.set(lambda: user_locale(getattr(request, "user", None)))
        try:
            return self.get_response(request)
        finally:
            _active.reset(token)
