"""Factories for between-session records.  All data is synthetic."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from attachment.models import (
    ActionCategory,
    ActionItem,
    AttachmentMeasure,
    Contact,
    ContactAgreement,
    CopingPlan,
    DependencyObservation,
    Flag,
    FlagKind,
    FlagResponse,
    Notification,
    NotificationKind,
    RepairAttempt,
    Rupture,
    SupervisionSession,
)
from clinic.models import Role, User
from tests.factories import MembershipFactory, SupervisionFactory, UserFactory

WHEN = dt.datetime(2026, 3, 4, 11, 0, tzinfo=dt.UTC)


class ContactFactory(factory.django.DjangoModelFactory):
    """A stored contact with no facts derived; use the services to derive them."""

    class Meta:
        model = Contact

    occurred_at = WHEN
    channel = "text"
    direction = "from_client"
    purpose = "scheduling"


class RuptureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rupture

    noticed_at = WHEN
    setting = "in_session"
    kind = "withdrawal"
    markers = factory.LazyFunction(lambda: ["topic_shift"])
    severity = 1
    priority = 2
    status = "open"


class RepairAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepairAttempt

    attempted_at = factory.LazyAttribute(
        lambda repair: repair.rupture.noticed_at + dt.timedelta(hours=1)
    )
    setting = "in_session"
    strategy = "validate"
    outcome = "complete"


class ObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DependencyObservation

    observed_at = WHEN
    markers = factory.LazyFunction(lambda: ["longing"])
    intensity = 2


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AttachmentMeasure

    measured_on = WHEN.date()
    secure = Decimal("4.00")
    avoidant_fearful = Decimal("2.50")
    preoccupied_merger = Decimal("3.00")


class CopingPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CopingPlan

    version = 1
    strategies = factory.LazyFunction(lambda: ["journal"])
    written_at = WHEN
    author = factory.LazyAttribute(lambda plan: plan.client.therapist)


DETECTED = dt.datetime(2026, 3, 16, 6, 0, tzinfo=dt.UTC)

POLICY_EVIDENCE = {
    "contacts_outside_policy": 4,
    "window_weeks": 4,
    "after_hours": 3,
    "outside_agreement": 1,
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
        "policy (3 after hours, 1 on a channel or for a purpose not agreed, 0 over the weekly limit)."
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


HELD_AT = dt.datetime(2026, 3, 11, 14, 0, tzinfo=dt.UTC)


class SupervisionSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupervisionSession

    clinic = factory.LazyAttribute(
        lambda session: session.supervisee.memberships.first().clinic
    )
    held_at = HELD_AT
    recorded_at = factory.LazyAttribute(lambda session: session.held_at)
    notes = "Talked through the contact pattern. (Synthetic.)"


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    owner = factory.LazyAttribute(lambda item: item.session.supervisee)
    text = "Revisit the contact agreement"
    category = ActionCategory.REVISIT_COPING_PLAN
    set_on = factory.LazyAttribute(lambda item: item.session.held_at.date())
    due_on = factory.LazyAttribute(lambda item: item.set_on + dt.timedelta(days=14))


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    kind = NotificationKind.ACTION_ITEMS_ASSIGNED
    created_at = HELD_AT
    url = "/records/supervision/"
    message = "1 action item was assigned to you in supervision."


class DiscussedFlagFactory(FlagFactory):
    """A red rising-frequency flag, the kind a supervision session discusses."""

    kind = FlagKind.RISING_CONTACT_FREQUENCY
    tier = "red"
    window_start = factory.Sequence(
        lambda n: dt.date(2026, 1, 5) + dt.timedelta(days=n)
    )
    window_end = factory.LazyAttribute(
        lambda flag: flag.window_start + dt.timedelta(days=28)
    )
    detected_at = HELD_AT
    updated_at = factory.LazyAttribute(lambda flag: flag.detected_at)
    score = 3.0
    evidence = factory.LazyFunction(dict)
    explanation = "Client-initiated contacts rose from 1.0 to 4.0 a week."


class AgreementFactory(factory.django.DjangoModelFactory):
    """A version of a between-sessions agreement, in force from
    ``effective_from``; weekdays 9 to 5 in the client's zone."""

    class Meta:
        model = ContactAgreement

    version = factory.Sequence(lambda n: n + 1)
    effective_from = WHEN
    allowed_channels = factory.LazyFunction(lambda: ["text", "email", "phone"])
    contact_hours = factory.LazyFunction(
        lambda: {str(day): ["09:00", "17:00"] for day in range(5)}
    )
    weekly_limit = 3
    reply_hours = 24
    written_at = factory.LazyAttribute(lambda agreement: agreement.effective_from)
    author = factory.LazyAttribute(lambda agreement: agreement.client.therapist)
