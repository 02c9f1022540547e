"""The clinical lead: one supervisor per clinic, named by a clinic admin on
the staff page (never by themselves), the only person who changes the
detectors' thresholds.  The database holds the rules against every key-holder
who writes rows directly."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from clinic.administration.staff import services as staff_services
from clinic.models import AuditEvent, Membership, Role
from clinic.refusals import Refused
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _now():
    return timezone.now()


def _lead_ids(clinic) -> list[int]:
    return list(
        Membership.objects.filter(clinic=clinic, is_clinical_lead=True).values_list(
            "user_id", flat=True
        )
    )


def test_the_admin_names_a_supervisor_and_the_previous_lead_steps_down(
    login, admin, clinic, supervisor, unrelated_supervisor
):
    http = login(admin)
    response = http.post(reverse("clinic:clinical_lead_set", args=[supervisor.pk]))
    assert response.status_code == 302
    assert _lead_ids(clinic) == [supervisor.pk]

    http.post(reverse("clinic:clinical_lead_set", args=[unrelated_supervisor.pk]))
    assert _lead_ids(clinic) == [unrelated_supervisor.pk]
    assert (
        AuditEvent.objects.filter(
            actor=admin, action="update", object_type="clinic.membership"
        ).count()
        == 3
    )
    page = http.get(reverse("clinic:staff_list")).content.decode()
    assert "clinical lead</span>" in page


def test_the_admin_can_leave_the_clinic_without_a_lead(
    login, admin, clinic, supervisor
):
    staff_services.clinical_lead_set(
        actor=admin, clinic=clinic, person=supervisor, now=_now()
    )
    login(admin).post(reverse("clinic:clinical_lead_clear"))
    assert _lead_ids(clinic) == []


def test_only_a_supervisor_can_be_the_lead(admin, clinic, therapist):
    with pytest.raises(Refused):
        staff_services.clinical_lead_set(
            actor=admin, clinic=clinic, person=therapist, now=_now()
        )
    assert _lead_ids(clinic) == []


def test_nobody_names_themselves(clinic, admin, supervisor):
    MembershipFactory(user=supervisor, clinic=clinic, role=Role.ADMIN)
    with pytest.raises(Refused):
        staff_services.clinical_lead_set(
            actor=supervisor, clinic=clinic, person=supervisor, now=_now()
        )
    assert _lead_ids(clinic) == []


def test_a_person_of_another_clinic_answers_404(login, admin, outsider, clinic):
    response = login(admin).post(
        reverse("clinic:clinical_lead_set", args=[outsider.pk])
    )
    assert response.status_code == 404
    assert not Membership.objects.filter(is_clinical_lead=True).exists()


def test_the_database_keeps_one_lead_per_clinic_and_only_a_supervisor(
    clinic, supervisor, unrelated_supervisor, therapist
):
    Membership.objects.filter(user=supervisor, role=Role.SUPERVISOR).update(
        is_clinical_lead=True
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(
            user=unrelated_supervisor, role=Role.SUPERVISOR
        ).update(is_clinical_lead=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(user=therapist, role=Role.THERAPIST).update(
            is_clinical_lead=True
        )
    assert _lead_ids(clinic) == [supervisor.pk]


def test_losing_the_supervisor_role_ends_the_lead(admin, clinic, supervisor):
    staff_services.clinical_lead_set(
        actor=admin, clinic=clinic, person=supervisor, now=_now()
    )
    staff_services.role_revoke(
        actor=admin, clinic=clinic, person=supervisor, role=Role.SUPERVISOR, now=_now()
    )
    assert _lead_ids(clinic) == []
