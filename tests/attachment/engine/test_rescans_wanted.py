"""The re-scan debounce for many clients at once answers as the one-client
version does: queue a client with nothing queued, not one already queued,
again once it was scanned or its queued re-scan looks lost."""

from __future__ import annotations

import datetime as dt

import pytest

from attachment.engine.services import RESCAN_LOST_AFTER, rescans_wanted
from attachment.models import RescanRequest
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def test_new_clients_are_queued_once(clinic, therapist):
    first, second = (ClientFactory(clinic=clinic, therapist=therapist) for _ in "ab")
    ids = [first.pk, second.pk]
    assert rescans_wanted(client_ids=ids, now=NOW) == sorted(ids)
    later = NOW + dt.timedelta(seconds=5)
    assert rescans_wanted(client_ids=[*ids, first.pk], now=later) == []
    request = RescanRequest.objects.get(client=first)
    assert (request.requested_at, request.enqueued_at) == (later, NOW)


def test_a_scanned_or_lost_rescan_is_queued_again(clinic, therapist):
    scanned, lost, waiting = (
        ClientFactory(clinic=clinic, therapist=therapist) for _ in "abc"
    )
    ids = [scanned.pk, lost.pk, waiting.pk]
    rescans_wanted(client_ids=ids, now=NOW)
    RescanRequest.objects.filter(client=scanned).update(
        scanned_at=NOW + dt.timedelta(seconds=1)
    )
    later = NOW + dt.timedelta(minutes=1)
    assert rescans_wanted(client_ids=ids, now=later) == [scanned.pk]
    much_later = NOW + RESCAN_LOST_AFTER + dt.timedelta(minutes=2)
    assert rescans_wanted(client_ids=[lost.pk], now=much_later) == [lost.pk]
    assert RescanRequest.objects.get(client=lost).enqueued_at == much_later


def test_no_clients_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert rescans_wanted(client_ids=[], now=NOW) == []
