"""The alerts on the home page (the user's own only) and on the client page
(with the way to log the reply for the treating therapist)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from attachment.alerts.selectors import home_alerts_of
from attachment.alerts.services import unanswered_distress_sweep
from attachment.models import SafetyAlert
from clinic.extensions import DemoContext, client_panels, demo_seeders
from tests.attachment.alerts.conftest import SUMMARY, T0, minutes, reach_out
from tests.factories import AbsenceFactory, ClientFactory

pytestmark = pytest.mark.django_db

RAISED = T0 + minutes(120)
ESCALATED = T0 + minutes(240)


@pytest.fixture
def alert(policy, client) -> SafetyAlert:
    reach_out(client, purpose="crisis")
    unanswered_distress_sweep(now=RAISED)
    return SafetyAlert.objects.get()


# --- the home page -------------------------------------------------------------


def test_the_therapist_sees_their_open_alert_on_the_home_page(
    login, therapist, client, alert
):
    html = login(therapist).get(reverse("clinic:home")).content.decode()
    assert 'id="alerts-heading"' in html
    page = reverse("clinic:client", args=[client.pk])
    assert f'href="{page}?in_reply_to={alert.contact_id}">RS-001</a>' in html
    assert "crisis contact waiting since Wed 18 Mar 10:00" in html
    assert SUMMARY not in html


def test_nobody_else_sees_it(
    login, alert, other_therapist, supervisor, outsider, therapist
):
    for user in (other_therapist, supervisor, outsider):
        assert home_alerts_of(actor=user, now=RAISED) == []
        html = login(user).get(reverse("clinic:home")).content.decode()
        assert 'id="alerts-heading"' not in html
    assert len(home_alerts_of(actor=therapist, now=RAISED)) == 1


def test_the_supervisor_sees_it_once_escalated_and_while_supervising(
    alert, supervisor, client
):
    unanswered_distress_sweep(now=ESCALATED)
    [shown] = home_alerts_of(actor=supervisor, now=ESCALATED)
    assert shown.code == client.code
    assert shown.escalated
    assert shown.url == reverse("clinic:client", args=[client.pk])
    link = supervisor.supervisions_given.get()
    link.ended_on = dt.date(2026, 3, 17)
    link.save()
    assert home_alerts_of(actor=supervisor, now=ESCALATED) == []


def test_the_cover_sees_what_they_were_told_while_they_cover(
    policy, clinic, client, therapist, cover
):
    AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        covering_therapist=cover,
        starts_on=dt.date(2026, 3, 16),
        ends_on=dt.date(2026, 3, 19),
    )
    contact = reach_out(client, purpose="crisis")
    unanswered_distress_sweep(now=RAISED)
    reply = f"?in_reply_to={contact.pk}"
    [shown] = home_alerts_of(actor=cover, now=RAISED)
    assert shown.url == reverse("attachment:cover_page", args=[client.pk]) + reply
    # The therapist sees their own client's alert, whoever was told.
    [own] = home_alerts_of(actor=therapist, now=RAISED)
    assert own.url == reverse("clinic:client", args=[client.pk]) + reply
    assert home_alerts_of(actor=cover, now=RAISED + dt.timedelta(days=2)) == []


def test_an_answered_contact_leaves_the_home_page_before_the_sweep(alert, therapist):
    contact = alert.contact
    contact.responded_at = RAISED + minutes(3)
    contact.save()
    assert home_alerts_of(actor=therapist, now=RAISED + minutes(4)) == []


def test_only_open_alerts_of_own_clients_are_listed(
    policy, clinic, therapist, other_therapist
):
    mine = ClientFactory(clinic=clinic, therapist=therapist, code="MY-1")
    theirs = ClientFactory(clinic=clinic, therapist=other_therapist, code="TH-1")
    for client in (mine, theirs):
        reach_out(client, purpose="crisis")
    unanswered_distress_sweep(now=RAISED)
    assert [a.code for a in home_alerts_of(actor=therapist, now=RAISED)] == ["MY-1"]
    assert [a.code for a in home_alerts_of(actor=other_therapist, now=RAISED)] == [
        "TH-1"
    ]


def test_the_home_list_costs_a_fixed_number_of_queries(
    policy, clinic, therapist, django_assert_max_num_queries
):
    for _ in range(5):
        reach_out(ClientFactory(clinic=clinic, therapist=therapist), purpose="crisis")
    unanswered_distress_sweep(now=RAISED)
    with django_assert_max_num_queries(4):
        assert len(home_alerts_of(actor=therapist, now=RAISED)) == 5


# --- the client page -------------------------------------------------------------
# The panel is rendered as the client page renders each registered panel.


def client_panel(user, client, *, now=RAISED) -> str:
    panel = client_panels["alerts_unanswered"]
    request = RequestFactory().get("/")
    request.user = user
    context = panel.context(request=request, client=client, now=now)
    return render_to_string(panel.template, {"panel": context}, request=request)


def test_the_panel_sits_near_the_top_of_the_client_page():
    assert client_panels["alerts_unanswered"].order == 12


def test_the_client_page_shows_the_alert_and_the_way_to_log_the_reply(
    therapist, client, alert
):
    html = client_panel(therapist, client)
    assert "Unanswered contact" in html
    assert "Crisis contact of Wed 18 Mar 10:00, reply due Wed 18 Mar 12:00." in html
    page = reverse("clinic:client", args=[client.pk])
    assert f'{page}?in_reply_to={alert.contact_id}">Log the reply' in html
    assert SUMMARY not in html


def test_the_supervisor_sees_the_alert_without_the_way_to_reply(
    supervisor, client, alert
):
    unanswered_distress_sweep(now=ESCALATED)
    html = client_panel(supervisor, client)
    assert "Unanswered contact" in html
    assert "supervisor told" in html
    assert "Log the reply" not in html


def test_an_answer_shows_at_once_and_the_sweep_then_clears_the_panel(
    therapist, client, alert
):
    contact = alert.contact
    contact.responded_at = RAISED + minutes(3)
    contact.save()
    html = client_panel(therapist, client)
    assert "answered" in html
    assert "Log the reply" not in html
    unanswered_distress_sweep(now=RAISED + minutes(5))
    assert "Unanswered contact" not in client_panel(therapist, client)


def test_a_client_without_an_alert_shows_no_alert_panel(therapist, client):
    assert client_panel(therapist, client).strip() == ""


# --- the demo --------------------------------------------------------------------


def test_the_demo_sweeps_after_the_parts_that_write_contacts_and_notes(policy, client):
    seeder = demo_seeders["alerts"]
    for earlier in ("notes", "attachment", "cover"):
        assert seeder.order > demo_seeders[earlier].order
    reach_out(client, purpose="crisis")
    demo = DemoContext(
        clinic=client.clinic,
        people={},
        clients=[client],
        stories={},
        stable=[],
        now=RAISED,
        rng=None,
    )
    seeder.seed(demo)
    seeder.seed(demo)
    assert SafetyAlert.objects.count() == 1


# --- answering it ------------------------------------------------------------------


def test_the_therapist_follows_the_alert_logs_the_linked_reply_and_it_settles(
    login, therapist, client, alert
):
    http = login(therapist)
    link = home_alerts_of(actor=therapist, now=RAISED)[0].url
    page = http.get(link)
    chosen = rf'name="in_reply_to" value="{alert.contact_id}"[^>]*checked'
    assert re.search(chosen, page.content.decode())
    response = http.post(
        reverse("attachment:contact_new", args=[client.pk]),
        {
            "occurred_at": "2026-03-18T12:30",
            "channel": "phone",
            "direction": "from_therapist",
            "in_reply_to": str(alert.contact_id),
            "return_to": "client",
        },
    )
    assert response.status_code == 302
    assert home_alerts_of(actor=therapist, now=RAISED) == []
    assert unanswered_distress_sweep(now=RAISED + minutes(60)).settled == 1
    alert.refresh_from_db()
    assert alert.answered_at == dt.datetime(2026, 3, 18, 12, 30, tzinfo=dt.UTC)
