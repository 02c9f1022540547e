"""Every form fed garbage: never a server error, never anything half-saved."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attachment.models import (
    AttachmentMeasure,
    Contact,
    CopingPlan,
    DependencyObservation,
    RepairAttempt,
    Rupture,
)
from tests.attachment.factories import ContactFactory, RuptureFactory

pytestmark = pytest.mark.django_db

FIELDS = [
    "occurred_at",
    "channel",
    "direction",
    "purpose",
    "duration_minutes",
    "summary",
    "responded_at",
    "return_to",
    "noticed_at",
    "setting",
    "kind",
    "markers",
    "severity",
    "priority",
    "description",
    "status",
    "attempted_at",
    "strategy",
    "outcome",
    "client_response",
    "observed_at",
    "intensity",
    "triggers",
    "note",
    "measured_on",
    "secure",
    "avoidant_fearful",
    "preoccupied_merger",
    "strategies",
    "other_strategies",
    "supports",
    "supports",
    "crisis_steps",
    "review_on",
    "trigger_details",
    "in_reply_to",
]
PLAUSIBLE = [
    "",
    "text",
    "from_client",
    "from_therapist",
    "crisis",
    "in_session",
    "between_sessions",
    "withdrawal",
    "confrontation",
    "denial",
    "controlling",
    "3",
    "7",
    "-1",
    "4.5",
    "9.99",
    "1e400",
    "NaN",
    "2026-03-01T10:00",
    "2026-03-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "2026-03-29T01:30",
    "complete",
    "journal",
    "panic",
    "client",
]
values = st.one_of(st.sampled_from(PLAUSIBLE), st.text(max_size=30))
garbage = st.dictionaries(
    st.sampled_from(FIELDS),
    st.one_of(values, st.lists(values, max_size=3)),
    max_size=12,
)
MODELS = [
    Contact,
    Rupture,
    RepairAttempt,
    DependencyObservation,
    AttachmentMeasure,
    CopingPlan,
]
FORMS = [
    "contact_new",
    "contact_edit",
    "rupture_new",
    "rupture_edit",
    "repair_new",
    "observation_new",
    "measure_new",
    "plan_revise",
]


def _snapshot():
    return {model.__name__: list(model.objects.values()) for model in MODELS}


@pytest.mark.parametrize("form", FORMS)
@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=garbage)
def test_garbage_never_breaks_a_form_nor_half_saves(
    form, data, login, therapist, client
):
    contact = ContactFactory(client=client)
    rupture = RuptureFactory(client=client)
    args = {
        "contact_edit": [client.pk, contact.pk],
        "rupture_edit": [client.pk, rupture.pk],
        "repair_new": [client.pk, rupture.pk],
    }.get(form, [client.pk])
    before = _snapshot()
    response = login(therapist).post(reverse(f"attachment:{form}", args=args), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert _snapshot() == before
