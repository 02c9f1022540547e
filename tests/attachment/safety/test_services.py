"""Writing the safety plan: each revision adds a version, earlier versions
stay as they were, only the treating therapist writes, every write is
audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from attachment.models import SafetyPlan
from attachment.models.safety import SAFETY_TEXT_MAX
from attachment.safety import selectors, services
from clinic.models import AuditAction, AuditEvent

VALUES = {
    "warning_signs": "  I stop answering messages.  ",
    "internal_coping": "A walk by the river.",
    "distraction": "",
    "help_people": "My sister.",
    "professionals": "My therapist on weekdays.",
    "environment": "",
}


def test_the_first_plan_is_version_one_and_its_writing_is_audited(
    client, therapist, now
):
    plan = services.safety_plan_write(
        actor=therapist, client=client, values=VALUES, now=now
    )

    plan.refresh_from_db()
    assert (plan.version, plan.author, plan.written_at) == (1, therapist, now)
    assert plan.warning_signs == "I stop answering messages."
    assert plan.distraction == ""
    event = AuditEvent.objects.get(action=AuditAction.CREATE)
    assert (event.object_type, event.object_id, event.client_id, event.actor) == (
        "attachment.safetyplan",
        plan.pk,
        client.pk,
        therapist,
    )


def test_a_revision_adds_a_version_and_leaves_the_earlier_one_as_it_was(
    client, therapist, now
):
    first = services.safety_plan_write(
        actor=therapist, client=client, values=VALUES, now=now
    )
    later = now + dt.timedelta(days=14)

    second = services.safety_plan_write(
        actor=therapist,
        client=client,
        values={**VALUES, "warning_signs": "I sleep through the day."},
        now=later,
    )

    assert second.version == 2
    first.refresh_from_db()
    assert first.warning_signs == "I stop answering messages."
    assert selectors.current_safety_plan(client=client) == second
    assert [p.version for p in selectors.safety_plans_of(client=client)] == [2, 1]
    assert AuditEvent.objects.filter(action=AuditAction.CREATE).count() == 2


def test_versions_are_counted_per_client(client, therapist, clinic, now):
    from tests.factories import ClientFactory

    other = ClientFactory(clinic=clinic, therapist=therapist)
    services.safety_plan_write(actor=therapist, client=client, values=VALUES, now=now)
    plan = services.safety_plan_write(
        actor=therapist, client=other, values=VALUES, now=now
    )
    assert plan.version == 1


def test_a_plan_with_nothing_written_is_refused(client, therapist, now):
    with pytest.raises(ValidationError):
        services.safety_plan_write(
            actor=therapist,
            client=client,
            values={name: "  " for name in VALUES},
            now=now,
        )
    assert not SafetyPlan.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CREATE).exists()


def test_a_section_past_its_length_is_refused(client, therapist, now):
    with pytest.raises(ValidationError):
        services.safety_plan_write(
            actor=therapist,
            client=client,
            values={**VALUES, "environment": "x" * (SAFETY_TEXT_MAX + 1)},
            now=now,
        )
    assert not SafetyPlan.objects.exists()


def test_the_supervisor_reads_but_does_not_write(client, supervisor, now):
    with pytest.raises(PermissionDenied):
        services.safety_plan_write(
            actor=supervisor, client=client, values=VALUES, now=now
        )
    assert not SafetyPlan.objects.exists()


def test_another_therapist_is_told_the_client_does_not_exist(
    client, other_therapist, now
):
    with pytest.raises(Http404):
        services.safety_plan_write(
            actor=other_therapist, client=client, values=VALUES, now=now
        )
    assert not SafetyPlan.objects.exists()


def test_the_clinic_admin_writes_no_plan(client, admin, now):
    with pytest.raises((PermissionDenied, Http404)):
        services.safety_plan_write(actor=admin, client=client, values=VALUES, now=now)
    assert not SafetyPlan.objects.exists()


def test_a_missing_version_is_not_found(client, therapist):
    with pytest.raises(Http404):
        selectors.safety_plan_version(actor=therapist, client=client, version=1)
