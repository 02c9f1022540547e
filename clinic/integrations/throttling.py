"""Each integration's rate limit: ``rate_per_minute`` calls a minute.

Counted per calendar minute (UTC) in the shared cache
(:mod:`clinic.integrations.counters`), so the limit holds however many
workers serve the API.  A call over the limit is answered 429 with
``Retry-After`` (the seconds left in the minute) and counted as a refusal of
the integration.  The API's views get this through
:class:`IntegrationRateThrottle` (``DEFAULT_THROTTLE_CLASSES``); the webhook
views, which are not DRF views, call :func:`throttle_check` themselves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from clinic.integrations import counters
from clinic.integrations.models import Integration
from clinic.integrations.usage import refusal_counted

WINDOW_SECONDS = 60


def throttle_check(integration: Integration, now: dt.datetime) -> int | None:
    """Count one call of ``integration``; None if it is within the limit,
    else the seconds to wait (at least 1).  A call over the limit is counted
    as a refusal here: the caller answers 429 and counts nothing more."""
    second = int(now.timestamp())
    minute = second // WINDOW_SECONDS
    calls = counters.incremented(
        integration,
        counters.key(integration, "calls", minute),
        timeout=2 * WINDOW_SECONDS,
    )
    if calls <= integration.rate_per_minute:
        return None
    refusal_counted(integration, now)
    return max(1, (minute + 1) * WINDOW_SECONDS - second)


class IntegrationRateThrottle(BaseThrottle):
    """The rate limit of the calling integration (``request.auth``).  A call
    without one was refused before throttles are asked."""

    def __init__(self) -> None:
        self._wait: int | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        integration = request.auth
        if not isinstance(integration, Integration):
            return True
        self._wait = throttle_check(integration, timezone.now())
        return self._wait is None

    def wait(self) -> float | None:
        return None if self._wait is None else float(self._wait)
