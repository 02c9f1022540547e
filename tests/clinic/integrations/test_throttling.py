"""Each integration's rate limit, counted in Redis across workers: a call
over it answers 429 with Retry-After and is counted as a refusal."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import caches
from django.test import Client as HttpClient
from django.utils import timezone
from rest_framework.views import APIView

from clinic.integrations import counters, services
from clinic.integrations.models import Integration, IntegrationDay
from clinic.integrations.throttling import IntegrationRateThrottle, throttle_check

CLIENTS = "/api/v1/clients/"


def create(clinic, admin, name="System", rate=2):
    integration, token = services.integration_create(
        actor=admin,
        clinic=clinic,
        name=name,
        kind="practice_system",
        scopes=["clients:read"],
        now=timezone.now(),
    )
    Integration.objects.filter(pk=integration.pk).update(rate_per_minute=rate)
    integration.refresh_from_db()
    return integration, token


def bearer(token):
    return HttpClient(headers={"Authorization": f"Bearer {token}"})


def test_the_api_is_throttled_through_the_shared_cache():
    assert IntegrationRateThrottle in APIView.throttle_classes
    backend = settings.CACHES[counters.CACHE_ALIAS]["BACKEND"]
    assert backend == "django.core.cache.backends.redis.RedisCache"


def test_a_call_over_the_limit_answers_429_with_retry_after(clinic, admin, client):
    integration, token = create(clinic, admin)
    http = bearer(token)
    assert [http.get(CLIENTS).status_code for _ in range(2)] == [200, 200]
    response = http.get(CLIENTS)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert set(response.json()) == {"error"}
    day = IntegrationDay.objects.get(integration=integration)
    assert day.refusals == 1


def test_each_integration_has_its_own_limit(clinic, admin, client):
    _, first = create(clinic, admin, name="First", rate=1)
    _, second = create(clinic, admin, name="Second", rate=1)
    assert bearer(first).get(CLIENTS).status_code == 200
    assert bearer(first).get(CLIENTS).status_code == 429
    assert bearer(second).get(CLIENTS).status_code == 200


def test_the_limit_is_per_minute_and_waits_for_the_next(clinic, admin):
    integration, _ = create(clinic, admin, rate=2)
    minute = dt.datetime(2026, 3, 2, 9, 15, tzinfo=dt.UTC)
    assert throttle_check(integration, minute) is None
    assert throttle_check(integration, minute + dt.timedelta(seconds=10)) is None
    assert throttle_check(integration, minute + dt.timedelta(seconds=20)) == 40
    assert throttle_check(integration, minute + dt.timedelta(seconds=59)) == 1
    assert throttle_check(integration, minute + dt.timedelta(seconds=60)) is None
    day = IntegrationDay.objects.get(integration=integration)
    assert (day.calls, day.refusals) == (0, 2)


def test_the_count_lives_in_the_shared_cache(clinic, admin):
    """Another worker (another cache connection) sees the same count."""
    integration, _ = create(clinic, admin, rate=1)
    now = dt.datetime(2026, 3, 2, 9, 15, tzinfo=dt.UTC)
    assert throttle_check(integration, now) is None
    minute = int(now.timestamp()) // 60
    caches.close_all()
    other = caches.create_connection(counters.CACHE_ALIAS)
    assert other.get(counters.key(integration, "calls", minute)) == 1


def test_an_unreachable_cache_lets_calls_through(clinic, admin, settings):
    integration, _ = create(clinic, admin, rate=1)
    settings.CACHES = {
        **settings.CACHES,
        counters.CACHE_ALIAS: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        },
    }
    now = timezone.now()
    assert throttle_check(integration, now) is None
    assert throttle_check(integration, now) is None


def test_a_webhook_view_answers_429_in_the_same_words(clinic, admin):
    from clinic.integrations.errors import GENERAL, json_refusal

    integration, _ = create(clinic, admin, rate=1)
    now = timezone.now()
    assert throttle_check(integration, now) is None
    wait = throttle_check(integration, now)
    assert wait is not None
    response = json_refusal(429, retry_after=wait)
    assert response.status_code == 429
    assert response["Retry-After"] == str(wait)
    assert response.content.decode() == f'{{"error": "{GENERAL[429]}"}}'
