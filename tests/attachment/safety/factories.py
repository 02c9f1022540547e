"""A safety plan version, with synthetic text."""

from __future__ import annotations

import datetime as dt

import factory

from attachment.models import SafetyPlan

WRITTEN_AT = dt.datetime(2026, 3, 10, 11, 0, tzinfo=dt.UTC)


class SafetyPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SafetyPlan

    version = 1
    warning_signs = "SAFETY-WARNING I stop answering messages."
    internal_coping = "A walk by the river; the breathing exercise."
    distraction = "The library café."
    help_people = "My sister, 07700 900123."
    professionals = "My therapist on weekdays."
    environment = "Keep the tablets at my sister's."
    written_at = WRITTEN_AT
    author = factory.LazyAttribute(lambda plan: plan.client.therapist)
