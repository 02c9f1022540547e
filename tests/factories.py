"""factory-boy factories for every model the tests build.  All data is synthetic."""

from __future__ import annotations

import datetime as dt

import factory

from clinic.models import (
    Absence,
    Client,
    Clinic,
    ContactPolicy,
    Membership,
    Role,
    Supervision,
    User,
)

TEST_PASSWORD = "correct-horse-battery-9"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")
    timezone = "Europe/London"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = Role.THERAPIST


class SupervisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supervision

    clinic = factory.SubFactory(ClinicFactory)
    supervisor = factory.SubFactory(UserFactory)
    supervisee = factory.SubFactory(UserFactory)
    started_on = dt.date(2025, 1, 1)
    ended_on = None
    cosign_required = False
    accepted_at = dt.datetime(2025, 1, 1, 9, 0, tzinfo=dt.UTC)


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    clinic = factory.SubFactory(ClinicFactory)
    therapist = factory.SubFactory(UserFactory)
    code = factory.Sequence(lambda n: f"C{n:04d}")
    preferred_name = factory.Sequence(lambda n: f"Alex{n}")
    started_on = dt.date(2025, 1, 6)


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Absence

    clinic = factory.SubFactory(ClinicFactory)
    therapist = factory.SubFactory(UserFactory)
    starts_on = dt.date(2026, 7, 1)
    ends_on = dt.date(2026, 7, 14)


class ContactPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPolicy

    clinic = factory.SubFactory(ClinicFactory)
    allowed_channels = factory.LazyFunction(lambda: ["text", "email", "phone"])
    weekly_limit = 3
    response_window_hours = 24
