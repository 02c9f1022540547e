"""The demo's client past retention: ended more than eight years ago, with
a little history, and on the admin's retention list."""

from __future__ import annotations

import datetime as dt

from attachment.models import DependencyObservation, RetentionDue
from attachment.retention.demo import DEMO_CODE, seed_retention_demo


def test_the_demo_client_is_past_retention_and_listed(clinic, therapist, now):
    client = seed_retention_demo(clinic, now)
    assert client is not None and client.code == DEMO_CODE
    assert client.status == "ended"
    assert client.ended_on <= dt.date(now.year - 8, now.month, 1)
    assert DependencyObservation.objects.filter(client=client).count() == 3
    assert RetentionDue.objects.get().client == client


def test_seeding_twice_adds_nothing(clinic, therapist, now):
    seed_retention_demo(clinic, now)
    assert seed_retention_demo(clinic, now) is None
    assert RetentionDue.objects.count() == 1


def test_a_clinic_without_a_therapist_gets_no_demo_client(clinic, now):
    assert seed_retention_demo(clinic, now) is None
