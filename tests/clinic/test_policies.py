"""The effective contact policy and the services that save it."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditAction, AuditEvent, ContactPolicy
from clinic.policies import clinic_default_policy, effective_policies, effective_policy
from clinic.services import (
    contact_policy_remove_override,
    contact_policy_save_default,
    contact_policy_save_override,
)
from tests.factories import ClientFactory

VALUES = {
    "allowed_channels": ["text", "phone"],
    "contact_hours": {"0": ["10:00", "12:00"]},
    "weekly_limit": 2,
    "response_window_hours": 48,
    "after_ending_allowed": False,
    "crisis_instructions": "Call the crisis line.",
}


def test_a_client_without_override_follows_the_clinic_default(client, clinic):
    policy = effective_policy(client=client)
    assert policy.client_id is None
    assert policy.clinic_id == clinic.pk
    assert policy == clinic_default_policy(clinic=clinic)
    assert ContactPolicy.objects.filter(clinic=clinic).count() == 1


def test_an_override_wins_over_the_default_and_removal_restores_it(
    admin, client, clinic
):
    now = timezone.now()
    contact_policy_save_default(
        actor=admin, clinic=clinic, values={**VALUES, "weekly_limit": 5}, now=now
    )
    override = contact_policy_save_override(
        actor=admin, client=client, values=VALUES, reason="Agreed in session 3", now=now
    )

    assert effective_policy(client=client) == override
    assert effective_policy(client=client).weekly_limit == 2

    contact_policy_remove_override(actor=admin, client=client, now=now)

    assert effective_policy(client=client).weekly_limit == 5
    assert effective_policy(client=client).client_id is None


def test_effective_policies_of_many_clients_take_two_queries(
    admin, client, clinic, therapist, django_assert_num_queries
):
    others = [ClientFactory(clinic=clinic, therapist=therapist) for _ in range(3)]
    clinic_default_policy(clinic=clinic)
    override = contact_policy_save_override(
        actor=admin, client=others[0], values=VALUES, reason="x", now=timezone.now()
    )
    ids = [client.pk, *[other.pk for other in others]]

    with django_assert_num_queries(2):
        policies = effective_policies(clinic=clinic, client_ids=ids)

    assert policies[others[0].pk] == override
    assert {policies[pk].client_id for pk in ids if pk != others[0].pk} == {None}


def test_an_override_without_a_reason_is_refused_by_the_service(admin, client):
    with pytest.raises(ValidationError):
        contact_policy_save_override(
            actor=admin, client=client, values=VALUES, reason="   ", now=timezone.now()
        )
    assert not ContactPolicy.objects.filter(client=client).exists()


def test_an_override_without_a_reason_is_refused_by_the_database(client, clinic):
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactPolicy.objects.create(clinic=clinic, client=client, reason="")


def test_a_clinic_has_one_default_policy_at_most(clinic):
    clinic_default_policy(clinic=clinic)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactPolicy.objects.create(clinic=clinic, client=None)


def test_only_the_clinics_admin_may_save_policies(therapist, outsider, client, clinic):
    now = timezone.now()
    for actor in (therapist, outsider):
        with pytest.raises(PermissionDenied):
            contact_policy_save_default(
                actor=actor, clinic=clinic, values=VALUES, now=now
            )
    with pytest.raises(Http404):  # a therapist does not configure: out of scope
        contact_policy_save_override(
            actor=therapist, client=client, values=VALUES, reason="x", now=now
        )
    assert not ContactPolicy.objects.filter(weekly_limit=2).exists()


def policy_post(**changes) -> dict:
    data = {
        "allowed_channels": ["text", "email"],
        "day0_start": "09:00",
        "day0_end": "17:00",
        "weekly_limit": "4",
        "response_window_hours": "24",
        "crisis_instructions": "",
    }
    data.update(changes)
    return data


def test_saving_the_default_on_its_page_writes_an_audit_event_and_history(
    login, admin, clinic
):
    response = login(admin).post(
        reverse("clinic:policy_default"), policy_post(weekly_limit="6")
    )

    assert response.status_code == 302
    policy = clinic_default_policy(clinic=clinic)
    assert policy.weekly_limit == 6
    event = AuditEvent.objects.get(object_type="clinic.contactpolicy")
    assert (event.actor, event.action, event.object_id, event.clinic_id) == (
        admin,
        AuditAction.UPDATE,
        policy.pk,
        clinic.pk,
    )
    history = apps.get_model("clinic", "ContactPolicyEvent")
    latest = history.objects.filter(pgh_obj=policy).latest("pgh_id")
    assert latest.weekly_limit == 6
    assert latest.pgh_context["user"] == admin.pk
    assert latest.pgh_context["url"] == reverse("clinic:policy_default")


def test_saving_an_override_on_its_page_records_reason_audit_and_history(
    login, admin, client
):
    url = reverse("clinic:policy_client", args=[client.pk])
    response = login(admin).post(url, policy_post(reason="Works nights"))

    assert response.status_code == 302
    override = ContactPolicy.objects.get(client=client)
    assert override.reason == "Works nights"
    event = AuditEvent.objects.get(object_type="clinic.contactpolicy")
    assert (event.actor, event.action, event.client_id) == (
        admin,
        AuditAction.CREATE,
        client.pk,
    )
    history = apps.get_model("clinic", "ContactPolicyEvent")
    inserted = history.objects.get(pgh_obj=override, pgh_label="insert")
    assert inserted.pgh_context["user"] == admin.pk
