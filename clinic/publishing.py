"""Publishing a Celery task from a web request, when Redis may be down.

The rule: the write that wants follow-up work has already been saved, so a
broker outage must neither lose it nor keep the person waiting.  Publishing
fails fast (no retries); when the broker is unreachable, the caller's
``fallback`` runs (do the work here, or mark it for the nightly scan), and a
warning with ids only is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from kombu.exceptions import OperationalError as BrokerUnavailable

log = logging.getLogger("between.publishing")


def publish(
    task: Any,
    *,
    kwargs: Mapping[str, object],
    fallback: Callable[[], None],
    what: str,
    countdown: int | None = None,
) -> bool:
    """Queue ``task`` with ``kwargs``; returns False when the broker was down
    and ``fallback`` ran instead.  ``what`` names the work in the log line
    (ids only: the kwargs are ids by the tasks' own rule)."""
    options: dict[str, Any] = {"retry": False}
    if countdown is not None:
        options["countdown"] = countdown
    try:
        task.apply_async(kwargs=dict(kwargs), **options)
    except (BrokerUnavailable, OSError):
        log.warning("%s not queued %s: broker unavailable", what, _ids(kwargs))
        fallback()
        return False
    return True


def _ids(kwargs: Mapping[str, object]) -> str:
    return " ".join(f"{key}={value}" for key, value in sorted(kwargs.items()))
