"""Factories for between-session records.  All data is synthetic."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from attachment.models import (
    AttachmentMeasure,
    Contact,
    CopingPlan,
    DependencyObservation,
    RepairAttempt,
    Rupture,
)

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
    contact_agreement = "Texts for scheduling on weekdays."
    written_at = WHEN
    author = factory.LazyAttribute(lambda plan: plan.client.therapist)
