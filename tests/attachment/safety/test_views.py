"""The safety plan pages: the therapist writes and revises, the client copy
speaks in the first person and carries the clinic's crisis lines, the
supervisor reads only, nobody else reads at all, and every read is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attachment.models import SAFETY_PLAN_SECTIONS, SafetyPlan
from attachment.safety.integration import safety_panel
from clinic.models import AuditAction, AuditEvent
from tests.attachment.safety.factories import WRITTEN_AT, SafetyPlanFactory
from tests.notes.factories import SESSION_AT, SessionNoteFactory

CRISIS_LINES = "Samaritans: 116 123 (any time)\nShout: text SHOUT to 85258"
EMERGENCY = "If I am in immediate danger: call the emergency services."


def _plan_url(client) -> str:
    return reverse("attachment:safety_plan", args=[client.pk])


def _revise_url(client) -> str:
    return reverse("attachment:safety_plan_revise", args=[client.pk])


def _copy_url(plan: SafetyPlan) -> str:
    return reverse(
        "attachment:safety_plan_client_copy", args=[plan.client_id, plan.version]
    )


@pytest.fixture
def crisis_lines(clinic):
    clinic.crisis_lines = CRISIS_LINES
    clinic.save()
    return CRISIS_LINES


@pytest.fixture
def plan(client):
    return SafetyPlanFactory(client=client)


def _reads(client, user) -> list[tuple[str, int | None]]:
    return list(
        AuditEvent.objects.filter(
            action=AuditAction.READ, client_id=client.pk, actor=user
        )
        .order_by("pk")
        .values_list("object_type", "object_id")
    )


def test_the_therapist_writes_the_first_plan_through_the_form(login, client, therapist):
    http = login(therapist)
    page = http.get(_revise_url(client)).content.decode()
    assert "Write a safety plan" in page
    assert "Warning signs" in page

    response = http.post(
        _revise_url(client),
        {"warning_signs": "I stop answering messages.", "help_people": "My sister."},
    )

    assert response.status_code == 302
    assert response["Location"] == _plan_url(client)
    plan = SafetyPlan.objects.get()
    assert (plan.version, plan.help_people, plan.environment) == (1, "My sister.", "")


def test_the_revision_form_starts_from_the_current_version(
    login, client, therapist, plan
):
    http = login(therapist)
    page = http.get(_revise_url(client)).content.decode()
    assert "Revise the safety plan (v1)" in page
    assert plan.warning_signs in page
    values = {name: getattr(plan, name) for name, _ in SAFETY_PLAN_SECTIONS}

    http.post(_revise_url(client), {**values, "environment": "Tablets kept away."})

    assert list(SafetyPlan.objects.values_list("version", "environment")) == [
        (2, "Tablets kept away."),
        (1, plan.environment),
    ]


def test_an_empty_plan_comes_back_with_the_error_and_nothing_saved(
    login, client, therapist
):
    response = login(therapist).post(_revise_url(client), {"warning_signs": "  "})
    assert response.status_code == 200
    assert "Write at least one section of the plan." in response.content.decode()
    assert not SafetyPlan.objects.exists()


def test_the_plan_page_shows_the_current_version_and_lists_every_version(
    login, client, therapist, plan, crisis_lines
):
    second = SafetyPlanFactory(
        client=client,
        version=2,
        warning_signs="SECOND-VERSION signs",
        written_at=WRITTEN_AT + dt.timedelta(days=7),
    )
    html = login(therapist).get(_plan_url(client)).content.decode()

    assert "version 2, current" in html
    assert "SECOND-VERSION signs" in html
    assert plan.warning_signs not in html
    assert plan.get_absolute_url() in html
    assert second.get_absolute_url() in html
    assert _copy_url(second) in html
    assert _revise_url(client) in html
    assert "Samaritans: 116 123 (any time)" in html


def test_an_earlier_version_is_shown_as_superseded(login, client, therapist, plan):
    SafetyPlanFactory(client=client, version=2)
    html = login(therapist).get(plan.get_absolute_url()).content.decode()
    assert "superseded" in html
    assert plan.warning_signs in html


def test_a_version_that_does_not_exist_is_not_found(login, client, therapist, plan):
    url = reverse("attachment:safety_plan_version", args=[client.pk, 2])
    assert login(therapist).get(url).status_code == 404


def test_the_client_copy_speaks_in_the_first_person_with_the_crisis_lines(
    login, client, therapist, plan, crisis_lines
):
    html = login(therapist).get(_copy_url(plan)).content.decode()

    assert "My safety plan" in html
    for _name, heading in SAFETY_PLAN_SECTIONS:
        assert heading in html
    assert "Things I can do on my own to take my mind off problems" in html
    assert '<h2 class="h5">Crisis lines</h2>' in html
    assert "Samaritans: 116 123 (any time)<br>Shout: text SHOUT to 85258" in html
    assert EMERGENCY in html
    assert plan.help_people in html
    assert "For Robin." in html
    assert client.code not in html


def test_the_client_copy_warns_the_therapist_when_the_clinic_has_no_crisis_lines(
    login, client, therapist, plan
):
    html = login(therapist).get(_copy_url(plan)).content.decode()
    assert "The clinic has not set its crisis lines yet" in html
    assert EMERGENCY in html


def test_the_supervisor_reads_the_plan_and_its_copy_but_cannot_revise(
    login, client, supervisor, plan
):
    http = login(supervisor)
    page = http.get(_plan_url(client))
    assert page.status_code == 200
    assert _revise_url(client) not in page.content.decode()
    assert http.get(_copy_url(plan)).status_code == 200
    assert http.get(_revise_url(client)).status_code == 403
    assert http.post(_revise_url(client), {"warning_signs": "x"}).status_code == 403
    assert SafetyPlan.objects.count() == 1


@pytest.mark.parametrize("who", ["other_therapist", "unrelated_supervisor", "outsider"])
def test_clinicians_without_a_link_are_told_nothing_exists(
    request, login, client, plan, who
):
    http = login(request.getfixturevalue(who))
    for url in (_plan_url(client), plan.get_absolute_url(), _copy_url(plan)):
        response = http.get(url)
        assert response.status_code == 404, url
        assert plan.warning_signs not in response.content.decode()
    assert http.post(_revise_url(client), {"warning_signs": "x"}).status_code == 404
    assert SafetyPlan.objects.count() == 1


def test_the_clinic_admin_reads_no_plan(login, client, admin, plan):
    """The admin knows the client exists (they assign it), so the refusal is
    the one :mod:`clinic.access` gives them on every clinical page."""
    http = login(admin)
    for url in (
        _plan_url(client),
        plan.get_absolute_url(),
        _copy_url(plan),
        _revise_url(client),
    ):
        response = http.get(url)
        assert response.status_code in (403, 404), url
        assert plan.warning_signs not in response.content.decode()
    assert _reads(client, admin) == []


def test_every_read_is_audited_with_the_client(
    login, client, therapist, supervisor, plan
):
    login(therapist).get(_plan_url(client))
    login(therapist).get(plan.get_absolute_url())
    login(therapist).get(_copy_url(plan))
    login(therapist).get(_revise_url(client))
    login(supervisor).get(_copy_url(plan))

    expected = ("attachment.safetyplan", plan.pk)
    assert _reads(client, therapist) == [expected] * 4
    assert _reads(client, supervisor) == [expected]


def test_the_plan_page_without_a_plan_reads_the_client(login, client, therapist):
    html = login(therapist).get(_plan_url(client)).content.decode()
    assert "No safety plan yet." in html
    assert _reads(client, therapist) == [("clinic.client", client.pk)]


# --- the client page's panel ------------------------------------------------


def _panel_html(client, user, now) -> str:
    request = RequestFactory().get("/")
    request.user = user
    context = safety_panel(request=request, client=client, now=now)
    return render_to_string("attachment/safety/_safety_panel.html", {"panel": context})


def test_the_panel_offers_the_therapist_a_first_plan(client, therapist, now):
    html = _panel_html(client, therapist, now)
    assert "No safety plan yet." in html
    assert _revise_url(client) in html
    assert "no risk level recorded in a note yet" in html


def test_the_panel_offers_the_supervisor_no_writing(client, supervisor, now):
    html = _panel_html(client, supervisor, now)
    assert "No safety plan yet." in html
    assert _revise_url(client) not in html


def test_the_panel_shows_the_version_date_and_latest_risk_but_no_text(
    client, therapist, plan, now
):
    second = SafetyPlanFactory(
        client=client, version=2, written_at=WRITTEN_AT + dt.timedelta(days=3)
    )
    SessionNoteFactory(
        client=client,
        session_at=SESSION_AT + dt.timedelta(days=10),
        risk_level="high",
        risk_summary="RISK-TEXT not on the panel.",
    )
    SessionNoteFactory(
        client=client, session_at=SESSION_AT, risk_level="low", risk_summary="Earlier."
    )

    html = _panel_html(client, therapist, now)

    assert "Safety plan version 2, written 13 Mar 2026." in html
    assert _plan_url(client) in html
    assert _copy_url(second) in html
    assert '<span class="badge text-bg-danger risk-badge">risk: high</span>' in html
    assert "session of 12 Mar 2026" in html
    assert plan.warning_signs not in html
    assert "RISK-TEXT" not in html


def test_the_panel_costs_the_same_queries_however_many_versions_and_notes(
    client, therapist, now
):
    counts = []
    for version in (1, 2):
        SafetyPlanFactory(client=client, version=version)
        SessionNoteFactory(client=client, risk_level="none")
        with CaptureQueriesContext(connection) as queries:
            _panel_html(client, therapist, now)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 2


def test_the_client_page_includes_the_safety_panel(login, client, therapist, plan):
    html = login(therapist).get(client.get_absolute_url()).content.decode()
    assert 'id="safety-heading"' in html
    assert _copy_url(plan) in html
