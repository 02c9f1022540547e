"""Short-lived counters of integrations, shared by every web worker.

The rate limit (:mod:`clinic.integrations.throttling`) and the hour of
refusals (:mod:`clinic.integrations.usage`) must count across gunicorn
workers, so they live in the cache named ``throttle`` (Redis in production;
``CACHES["throttle"]`` in the settings).  Keys carry the integration's
``hook_id``: random, so counters of different databases sharing one Redis
never meet.

When that cache cannot be reached, each function here answers as if nothing
had been counted and logs it (ids only): an unreachable Redis must not stop
contacts from arriving, and the day counts in the database still grow.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.cache import caches
from redis.exceptions import RedisError

from clinic.integrations.models import Integration

CACHE_ALIAS = "throttle"

log = logging.getLogger(__name__)

# What an unreachable cache raises (a closed socket surfaces as OSError).
UNREACHABLE = (RedisError, OSError)


def key(integration: Integration, *parts: object) -> str:
    return ":".join(["integration", str(integration.hook_id), *map(str, parts)])


def _unreachable(integration: Integration, what: str) -> None:
    log.warning(
        "The %s cache could not be reached for integration %s (%s).",
        CACHE_ALIAS,
        integration.pk,
        what,
    )


def incremented(integration: Integration, name: str, *, timeout: int) -> int:
    """Add one to the counter ``name`` (created with ``timeout`` seconds to
    live) and return its new value; 0 when the cache is unreachable."""
    cache = caches[CACHE_ALIAS]
    try:
        cache.add(name, 0, timeout=timeout)
        try:
            return int(cache.incr(name))
        except ValueError:  # expired between the two calls
            cache.add(name, 1, timeout=timeout)
            return 1
    except UNREACHABLE:
        _unreachable(integration, "count")
        return 0


def total(integration: Integration, names: Iterable[str]) -> int:
    """The sum of the counters ``names`` (a missing one counts 0)."""
    try:
        values = caches[CACHE_ALIAS].get_many(list(names))
    except UNREACHABLE:
        _unreachable(integration, "sum")
        return 0
    return sum(int(value) for value in values.values())


def first_in(integration: Integration, name: str, *, timeout: int) -> bool:
    """True for the first caller in ``timeout`` seconds to ask for ``name``
    (an atomic add), False for the others and when the cache is
    unreachable."""
    try:
        return bool(caches[CACHE_ALIAS].add(name, 1, timeout=timeout))
    except UNREACHABLE:
        _unreachable(integration, "once")
        return False
