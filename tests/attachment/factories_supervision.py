"""Factories for supervision sessions, action items, notifications and flags.
All data is synthetic."""

from __future__ import annotations

import datetime as dt

import factory

from attachment.models import (
    ActionCategory,
    ActionItem,
    FlagKind,
    Notification,
    NotificationKind,
    SupervisionSession,
)
from tests.attachment import factories_review

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


class FlagFactory(factories_review.FlagFactory):
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
