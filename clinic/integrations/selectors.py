"""Reads of integrations."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from clinic.integrations.models import Integration, IntegrationDay, IntegrationKind
from clinic.models import Clinic

USAGE_DAYS = 14

# Where each webhook kind delivers (the adapters' URLs under /api/v1/); the
# hook id names the integration, the signature proves the sender.
HOOK_URL_NAMES = {
    IntegrationKind.SMS_VOICE_WEBHOOK: "api:hook_sms_voice",
    IntegrationKind.SIGNED_WEBHOOK: "api:hook_signed",
}


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def integration_for_token(*, token: str) -> Integration | None:
    """The live integration ``token`` names, or None (a revoked, rotated or
    forged token names none).  The token is random and long, so looking up
    its digest tells an attacker nothing a guess would not."""
    return (
        Integration.objects.select_related("clinic")
        .filter(token_sha256=token_digest(token), revoked_at__isnull=True)
        .first()
    )


def integration_known_by_token(*, token: str) -> Integration | None:
    """The integration ``token`` names or named until it was revoked (a
    rotated token's digest is gone, so it names none)."""
    return (
        Integration.objects.select_related("clinic")
        .filter(token_sha256=token_digest(token))
        .first()
    )


def integrations_of_clinic(*, clinic: Clinic) -> QuerySet[Integration]:
    return Integration.objects.filter(clinic=clinic)


def integration_of_clinic(*, clinic: Clinic, integration_id: int) -> Integration | None:
    return (
        Integration.objects.select_related("mailbox", "created_by")
        .filter(clinic=clinic, pk=integration_id)
        .first()
    )


def webhook_url(integration: Integration) -> str | None:
    """The address the webhook kinds deliver to; None for the other kinds."""
    url_name = HOOK_URL_NAMES.get(IntegrationKind(integration.kind))
    if url_name is None:
        return None
    path = reverse(url_name, args=[integration.hook_id])
    return settings.SITE_URL.rstrip("/") + path


@dataclass(frozen=True)
class DayUsage:
    day: dt.date
    calls: int
    refusals: int


BAR_HEIGHT = 24
BAR_STEP = 8


@dataclass(frozen=True)
class Bar:
    usage: DayUsage
    x: int
    calls_y: int
    calls_height: int
    refusals_y: int
    refusals_height: int


@dataclass(frozen=True)
class IntegrationRow:
    integration: Integration
    days: list[DayUsage]

    @property
    def calls(self) -> int:
        return sum(day.calls for day in self.days)

    @property
    def refusals(self) -> int:
        return sum(day.refusals for day in self.days)

    @property
    def bars(self) -> list[Bar]:
        """One bar a day for a small SVG chart: calls above refusals, scaled
        to the busiest day (a day with any count shows at least a pixel)."""
        peak = max((day.calls + day.refusals for day in self.days), default=0)

        def height(count: int) -> int:
            return 0 if not count else max(1, round(BAR_HEIGHT * count / peak))

        bars = []
        for index, day in enumerate(self.days):
            refusals, calls = height(day.refusals), height(day.calls)
            bars.append(
                Bar(
                    usage=day,
                    x=index * BAR_STEP,
                    calls_y=BAR_HEIGHT - refusals - calls,
                    calls_height=calls,
                    refusals_y=BAR_HEIGHT - refusals,
                    refusals_height=refusals,
                )
            )
        return bars


def integrations_with_usage(
    *, clinic: Clinic, today: dt.date, days: int = USAGE_DAYS
) -> list[IntegrationRow]:
    """The integrations of ``clinic``, each with its calls and refusals per
    day (UTC) of the last ``days`` days up to ``today``, oldest first, a day
    without calls as zeros.  Two queries, however many integrations."""
    first = today - dt.timedelta(days=days - 1)
    counted: dict[tuple[int, dt.date], tuple[int, int]] = {
        (integration_id, day): (calls, refusals)
        for integration_id, day, calls, refusals in IntegrationDay.objects.filter(
            integration__clinic=clinic, day__gte=first, day__lte=today
        ).values_list("integration_id", "day", "calls", "refusals")
    }
    span = [first + dt.timedelta(days=offset) for offset in range(days)]
    return [
        IntegrationRow(
            integration,
            [
                DayUsage(day, *counted.get((integration.pk, day), (0, 0)))
                for day in span
            ],
        )
        for integration in integrations_of_clinic(clinic=clinic)
    ]
