"""The clinic's frame (its one contact policy and its crisis lines) and the
service that saves it."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditAction, AuditEvent, Channel, Clinic, ContactPolicy
from clinic.policies import clinic_default_policy
from clinic.services import contact_policy_save_default

VALUES = {
    "allowed_channels": ["text", "phone"],
    "contact_hours": {"0": ["10:00", "12:00"]},
    "weekly_limit": 2,
    "response_window_hours": 48,
    "after_ending_allowed": False,
    "crisis_reply_minutes": 90,
}


def _values(policy: ContactPolicy) -> dict:
    return {name: getattr(policy, name) for name in VALUES}


def test_the_frame_is_made_on_first_use_with_every_channel(clinic):
    policy = clinic_default_policy(clinic=clinic)

    assert policy.clinic_id == clinic.pk
    assert sorted(policy.allowed_channels) == sorted(Channel.values)
    assert clinic_default_policy(clinic=clinic) == policy
    assert ContactPolicy.objects.filter(clinic=clinic).count() == 1


def test_a_clinic_has_one_frame_at_most(clinic):
    clinic_default_policy(clinic=clinic)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactPolicy.objects.create(clinic=clinic)


def test_saving_the_frame_sets_every_field_and_audits_it(admin, clinic):
    policy = contact_policy_save_default(
        actor=admin, clinic=clinic, values=VALUES, now=timezone.now()
    )

    policy.refresh_from_db()
    assert {name: getattr(policy, name) for name in VALUES} == VALUES
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.object_type, event.object_id) == (
        admin,
        AuditAction.UPDATE,
        "clinic.contactpolicy",
        policy.pk,
    )


def test_the_crisis_lines_are_saved_with_the_frame_and_audited(admin, clinic):
    contact_policy_save_default(
        actor=admin,
        clinic=clinic,
        values=VALUES,
        crisis_lines="  Crisis line 0800 000 0000\r\nEmergency: 112  ",
        now=timezone.now(),
    )

    clinic.refresh_from_db()
    assert clinic.crisis_lines == "Crisis line 0800 000 0000\nEmergency: 112"
    assert set(AuditEvent.objects.values_list("object_type", "action")) == {
        ("clinic.contactpolicy", AuditAction.UPDATE),
        ("clinic.clinic", AuditAction.UPDATE),
    }
    history = apps.get_model("clinic", "ClinicEvent")
    assert history.objects.filter(pgh_obj=clinic).latest("pgh_id").crisis_lines == (
        clinic.crisis_lines
    )


def test_unchanged_crisis_lines_write_no_event_of_the_clinic(admin, clinic):
    Clinic.objects.filter(pk=clinic.pk).update(crisis_lines="Line 1")
    clinic.refresh_from_db()

    contact_policy_save_default(
        actor=admin,
        clinic=clinic,
        values=VALUES,
        crisis_lines="Line 1",
        now=timezone.now(),
    )

    assert not AuditEvent.objects.filter(object_type="clinic.clinic").exists()


def test_a_frame_the_model_refuses_saves_neither_it_nor_the_crisis_lines(admin, clinic):
    before = _values(clinic_default_policy(clinic=clinic))
    with pytest.raises(ValidationError):
        contact_policy_save_default(
            actor=admin,
            clinic=clinic,
            values={**VALUES, "crisis_reply_minutes": 1},
            crisis_lines="New line",
            now=timezone.now(),
        )

    clinic.refresh_from_db()
    assert clinic.crisis_lines == ""
    assert _values(clinic_default_policy(clinic=clinic)) == before
    assert not AuditEvent.objects.exists()


def test_the_database_refuses_a_crisis_reply_under_five_minutes(clinic):
    policy = clinic_default_policy(clinic=clinic)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactPolicy.objects.filter(pk=policy.pk).update(crisis_reply_minutes=4)


def test_only_the_clinics_admin_may_save_the_frame(therapist, outsider, clinic):
    now = timezone.now()
    for actor in (therapist, outsider):
        with pytest.raises(PermissionDenied):
            contact_policy_save_default(
                actor=actor, clinic=clinic, values=VALUES, crisis_lines="x", now=now
            )
    assert not ContactPolicy.objects.filter(weekly_limit=2).exists()
    clinic.refresh_from_db()
    assert clinic.crisis_lines == ""


def frame_post(**changes) -> dict:
    data = {
        "allowed_channels": ["text", "email"],
        "day0_start": "09:00",
        "day0_end": "17:00",
        "weekly_limit": "4",
        "response_window_hours": "24",
        "crisis_reply_minutes": "120",
        "crisis_lines": "",
    }
    data.update(changes)
    return data


def test_saving_the_frame_on_its_page_writes_an_audit_event_and_history(
    login, admin, clinic
):
    response = login(admin).post(
        reverse("clinic:policy_default"), frame_post(weekly_limit="6")
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


def test_the_frame_page_saves_the_crisis_reply_time_and_the_crisis_lines(
    login, admin, clinic
):
    http = login(admin)
    response = http.post(
        reverse("clinic:policy_default"),
        frame_post(crisis_reply_minutes="45", crisis_lines="Samaritans 116 123"),
    )

    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.crisis_lines == "Samaritans 116 123"
    assert clinic_default_policy(clinic=clinic).crisis_reply_minutes == 45
    page = http.get(reverse("clinic:policy_default")).content.decode()
    assert "Samaritans 116 123" in page
    assert 'value="45"' in page


def test_the_frame_page_says_what_the_frame_is_and_that_a_change_is_forward_only(
    login, admin
):
    page = login(admin).get(reverse("clinic:policy_default")).content.decode()

    assert "Contact boundaries: the clinic&#x27;s frame" in page
    assert "agreement inside them" in page
    assert "A change applies from now on." in page
