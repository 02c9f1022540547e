"""Factories for flags and their review records.  All data is synthetic."""

from __future__ import annotations

import datetime as dt

import factory

from attachment.models import Flag, FlagResponse
from clinic.models import Role, User
from tests.factories import MembershipFactory, SupervisionFactory, UserFactory

DETECTED = dt.datetime(2026, 3, 16, 6, 0, tzinfo=dt.UTC)

POLICY_EVIDENCE = {
    "contacts_outside_policy": 4,
    "window_weeks": 4,
    "after_hours": 3,
    "channel_outside_policy": 1,
    "over_weekly_limit": 0,
    "yellow_at": 3,
    "red_at": 6,
    "no_longer_active": False,
}


class FlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flag

    therapist = factory.LazyAttribute(lambda flag: flag.client.therapist)
    kind = "policy_pattern"
    tier = "yellow"
    window_start = factory.Sequence(
        lambda n: dt.date(2026, 3, 2) - dt.timedelta(days=n)
    )
    window_end = dt.date(2026, 3, 15)
    detected_at = DETECTED
    updated_at = DETECTED
    score = 1.3
    evidence = factory.LazyFunction(lambda: dict(POLICY_EVIDENCE))
    explanation = (
        "4 client contacts in the last 4 weeks fell outside the agreed contact "
        "policy (3 after hours, 1 on a channel not agreed, 0 over the weekly limit)."
    )


class FlagResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FlagResponse

    author = factory.LazyAttribute(lambda response: response.flag.client.therapist)
    written_at = DETECTED
    text = "Discussed with client; agreed texting only for scheduling."


def former_supervisor_of(*, clinic, supervisee) -> User:
    """A supervisor whose link with ``supervisee`` ended at the end of 2025."""
    person = UserFactory(email="former@example.test", full_name="Fay Former")
    for role in (Role.THERAPIST, Role.SUPERVISOR):
        MembershipFactory(user=person, clinic=clinic, role=role)
    SupervisionFactory(
        clinic=clinic,
        supervisor=person,
        supervisee=supervisee,
        started_on=dt.date(2024, 1, 1),
        ended_on=dt.date(2025, 12, 31),
    )
    return person
