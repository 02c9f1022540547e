"""The safety plan form fed submissions drawn from its own fields, about half
of them valid: a valid one becomes the next version exactly as submitted,
with its audit event; any other comes back with the form's errors and writes
nothing.  Never a server error."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from attachment.models import SAFETY_PLAN_SECTIONS, SafetyPlan
from attachment.safety.forms import SafetyPlanForm
from clinic.models import Role
from tests.attachment.safety.factories import SafetyPlanFactory
from tests.factories import ClientFactory, ClinicFactory
from tests.strategies import (
    FIXTURES_RESET,
    as_posted,
    assert_refused,
    audit_writes,
    form_data,
    person,
    rolled_back,
    signed_in,
    valid_share,
)

SUBMISSIONS = form_data(SafetyPlanForm())
SECTIONS = [name for name, _ in SAFETY_PLAN_SECTIONS]


@pytest.fixture
def world(db):
    clinic = ClinicFactory()
    therapist = person(clinic, Role.THERAPIST)
    client = ClientFactory(clinic=clinic, therapist=therapist)
    SafetyPlanFactory(client=client)
    return therapist, client, signed_in(therapist)


def _plans() -> list[dict]:
    return list(SafetyPlan.objects.order_by("pk").values())


@FIXTURES_RESET
@given(submitted=SUBMISSIONS)
@rolled_back
def test_a_revision_holds_exactly_what_was_submitted_or_nothing(world, submitted):
    therapist, client, browser = world
    before, writes = _plans(), audit_writes()
    accepted = SafetyPlanForm(as_posted(submitted)).is_valid()
    event("valid submission" if accepted else "invalid submission")

    response = browser().post(
        reverse("attachment:safety_plan_revise", args=[client.pk]), submitted
    )

    if accepted:
        assert response.status_code == 302, response.status_code
        plan = SafetyPlan.objects.get(client=client, version=2)
        posted = as_posted(submitted)
        for name in SECTIONS:
            assert getattr(plan, name) == posted.get(name, "").strip(), name
        assert _plans()[:1] == before
        assert audit_writes() == [
            *writes,
            ("create", "attachment.safetyplan", plan.pk, therapist.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert _plans() == before
        assert audit_writes() == writes


def test_the_submissions_drawn_are_valid_about_half_the_time():
    share = valid_share(
        SUBMISSIONS, lambda data: SafetyPlanForm(as_posted(data)).is_valid()
    )
    assert 0.3 <= share <= 0.8, share


@given(data=st.dictionaries(st.sampled_from(SECTIONS), st.text(max_size=5)))
def test_a_form_with_every_section_blank_is_refused(data):
    blank = {name: " " * len(text) for name, text in data.items()}
    form = SafetyPlanForm(blank)
    assert not form.is_valid()
    assert form.non_field_errors()
