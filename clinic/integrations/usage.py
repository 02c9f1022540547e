"""Counting an integration's calls and refusals, per day, as they happen.

One upsert a count, outside the caller's transaction's concerns: a refused
call must be counted even though its work is rolled back, so the adapters
count before they raise.

A refusal is also counted in the last hour's window (per minute, in the
shared cache of :mod:`clinic.integrations.counters`): when the hour holds
``REFUSALS_NOTIFY_AT`` refusals, the clinic's admins are told, at most once
an hour (:mod:`clinic.integrations.notifications`).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from clinic.integrations import counters, notifications
from clinic.integrations.models import Integration, IntegrationDay

REFUSALS_NOTIFY_AT = 10
HOUR_MINUTES = 60

_UPSERT = f"""
    INSERT INTO {IntegrationDay._meta.db_table} (integration_id, day, calls, refusals)
    VALUES (%s, %s, %s, %s)
    ON CONFLICT (integration_id, day) DO UPDATE SET
        calls = {IntegrationDay._meta.db_table}.calls + EXCLUDED.calls,
        refusals = {IntegrationDay._meta.db_table}.refusals + EXCLUDED.refusals
"""  # noqa: S608 (table names from the model, values as parameters)


def _count(integration_id: int, now: dt.datetime, calls: int, refusals: int) -> None:
    day = now.astimezone(dt.UTC).date()
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [integration_id, day, calls, refusals])


_CALL_COUNTED = f"""
    WITH day AS ({_UPSERT})
    UPDATE {Integration._meta.db_table} SET last_call_at = %s
    WHERE id = %s AND (last_call_at IS NULL OR last_call_at < %s)
"""  # noqa: S608 (table names from the models, values as parameters)


def call_counted(integration: Integration, now: dt.datetime) -> None:
    """One accepted call of ``integration`` today, and its last call (never
    moved back by a slower call that started earlier), in one statement."""
    day = now.astimezone(dt.UTC).date()
    with connection.cursor() as cursor:
        cursor.execute(
            _CALL_COUNTED, [integration.pk, day, 1, 0, now, integration.pk, now]
        )


def refusal_counted(integration: Integration, now: dt.datetime) -> None:
    """One refused call of ``integration`` today (a wrong signature, a
    replay, a revoked token it was known by, a call over its rate limit)."""
    _count(integration.pk, now, 0, 1)
    in_last_hour = _refusal_in_hour_counted(integration, now)
    if in_last_hour >= REFUSALS_NOTIFY_AT and counters.first_in(
        integration,
        counters.key(integration, "refusals-told"),
        timeout=HOUR_MINUTES * 60,
    ):
        notifications.refusals_told(integration=integration, count=in_last_hour)


def _refusal_in_hour_counted(integration: Integration, now: dt.datetime) -> int:
    """Count the refusal in its minute; the refusals of the last hour."""
    minute = int(now.timestamp()) // 60
    counters.incremented(
        integration,
        counters.key(integration, "refusals", minute),
        timeout=(HOUR_MINUTES + 1) * 60,
    )
    return counters.total(
        integration,
        (
            counters.key(integration, "refusals", earlier)
            for earlier in range(minute - HOUR_MINUTES + 1, minute + 1)
        ),
    )
