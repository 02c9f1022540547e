"""Two sweeps at once: the second skips the contacts the first has claimed,
and once the first has committed it finds them alerted, so one alert and one
notification are sent whatever the interleaving."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections, transaction

from attachment.alerts.services import alerts_raise, unanswered_distress_sweep
from attachment.models import Notification, SafetyAlert
from tests.attachment.alerts.conftest import T0, minutes, reach_out


@pytest.mark.django_db(transaction=True)
def test_a_second_sweep_meanwhile_raises_nothing_twice(policy, client):
    reach_out(client, purpose="crisis")
    at = T0 + minutes(120)
    claimed, release = threading.Event(), threading.Event()
    raised: list[int] = []
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                raised.append(alerts_raise(now=at))
                claimed.set()
                release.wait(timeout=10)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            claimed.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert claimed.wait(timeout=30)
        started = time.monotonic()
        assert unanswered_distress_sweep(now=at).raised == 0
        # It skipped the claimed contact rather than waiting for it.
        assert time.monotonic() - started < 5
    finally:
        release.set()
        thread.join(timeout=30)
    assert errors == []
    assert raised == [1]
    assert unanswered_distress_sweep(now=at + minutes(5)).raised == 0
    assert SafetyAlert.objects.count() == 1
    assert Notification.objects.count() == 1
