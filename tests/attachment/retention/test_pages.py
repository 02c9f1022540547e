"""The retention page and the destruction's confirmation: only the clinic's
admin may use them; the list shows code, ending date, due date and hold; the
posts work, are audited, and stay inside the admin's clinic."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attachment.models import ClientDestruction, LegalHold
from attachment.retention.services import legal_hold_place, retention_list_due
from clinic.access_report.kinds import DESTRUCTION, LEGAL_HOLD
from clinic.models import AuditAction, AuditEvent
from tests.attachment.retention.conftest import end
from tests.factories import ClientFactory

PAGE = "/records/retention/"


def _destroy(client) -> str:
    return reverse("attachment:client_destroy", args=[client.pk])


@pytest.fixture
def ended_long_ago(client, now):
    end(client)
    retention_list_due(now=now)
    return client


def test_the_page_has_the_address_it_is_named_for():
    assert reverse("attachment:retention_page") == PAGE


def test_the_admin_sees_the_clients_past_retention(login, admin, ended_long_ago, now):
    legal_hold_place(actor=admin, client=ended_long_ago, reason="Claim 7", now=now)
    page = login(admin).get(PAGE).content.decode()
    assert "RS-001" in page
    assert "30 Jun 2016" in page and "30 Jun 2023" in page
    assert "In force" in page and "Claim 7" in page
    assert _destroy(ended_long_ago) not in page  # held: no destroy link


def test_an_unheld_client_past_retention_offers_destruction(
    login, admin, ended_long_ago
):
    page = login(admin).get(PAGE).content.decode()
    assert _destroy(ended_long_ago) in page


def test_the_page_costs_the_same_queries_for_one_client_or_many(
    login, admin, clinic, therapist, ended_long_ago, now, django_assert_max_num_queries
):
    http = login(admin)
    http.get(PAGE)
    with CaptureQueriesContext(connection) as one:
        http.get(PAGE)
    for number in range(3):
        other = ClientFactory(clinic=clinic, therapist=therapist, code=f"RS-01{number}")
        end(other, on=dt.date(2012, 1, 2))
        legal_hold_place(actor=admin, client=other, reason="Claim", now=now)
    retention_list_due(now=now)
    with django_assert_max_num_queries(len(one)):
        http.get(PAGE)


@pytest.mark.parametrize("who", ["therapist", "supervisor"])
def test_clinicians_are_refused(request, login, ended_long_ago, who):
    http = login(request.getfixturevalue(who))
    assert http.get(PAGE).status_code == 403
    assert http.get(_destroy(ended_long_ago)).status_code == 403


def test_another_clinics_admin_is_told_nothing(
    login, outsider, admin, ended_long_ago, now
):
    hold = legal_hold_place(actor=admin, client=ended_long_ago, reason="Claim", now=now)
    http = login(outsider)
    page = http.get(PAGE)
    assert page.status_code == 200 and "RS-001" not in page.content.decode()
    assert http.get(_destroy(ended_long_ago)).status_code == 404
    lift = reverse("attachment:legal_hold_lift", args=[hold.pk])
    assert http.post(lift, {"reason": "x"}).status_code == 404
    response = http.post(
        reverse("attachment:legal_hold_place"), {"code": "RS-001", "reason": "x"}
    )
    assert "No client of the clinic has this code" in response.content.decode()
    assert LegalHold.objects.filter(lifted_at__isnull=True).count() == 1


def test_the_admin_sets_the_period_and_it_is_audited(login, admin, clinic):
    http = login(admin)
    url = reverse("attachment:retention_settings")
    refused = http.post(url, {"retention_years": "5"})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "At least 6" in page  # the documented floor, in the help text
    assert "greater than or equal to 6" in page
    assert http.post(url, {"retention_years": "10"}).status_code == 302
    clinic.refresh_from_db()
    assert clinic.retention_years == 10
    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.object_id) == (
        AuditAction.UPDATE,
        "clinic.clinic",
        clinic.pk,
    )


def test_the_admin_places_and_lifts_a_hold_and_both_are_audited(login, admin, client):
    http = login(admin)
    placed = http.post(
        reverse("attachment:legal_hold_place"),
        {"code": "RS-001", "reason": "Subject access request 12"},
    )
    assert placed.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.client, hold.placed_by, hold.reason) == (
        client,
        admin,
        "Subject access request 12",
    )
    lift = reverse("attachment:legal_hold_lift", args=[hold.pk])
    assert http.post(lift, {"reason": "Answered"}).status_code == 302
    hold.refresh_from_db()
    assert (hold.lifted_by, hold.lift_reason) == (admin, "Answered")
    assert list(
        AuditEvent.objects.order_by("seq").values_list(
            "action", "object_type", "object_id", "client_id"
        )
    ) == [
        (AuditAction.CREATE, LEGAL_HOLD, hold.pk, client.pk),
        (AuditAction.UPDATE, LEGAL_HOLD, hold.pk, client.pk),
    ]


def test_a_second_hold_is_refused_on_the_page(login, admin, client, now):
    legal_hold_place(actor=admin, client=client, reason="Claim", now=now)
    response = login(admin).post(
        reverse("attachment:legal_hold_place"), {"code": "RS-001", "reason": "Again"}
    )
    assert "already in force" in response.content.decode()
    assert LegalHold.objects.count() == 1


def test_the_confirmation_needs_the_clients_code(
    login, admin, password, ended_long_ago
):
    response = login(admin).post(
        _destroy(ended_long_ago),
        {"code": "RS-002", "reason": "Retention ended", "password": password},
    )
    assert response.status_code == 200
    assert "not this client" in response.content.decode()
    assert not ClientDestruction.objects.exists()


def test_the_confirmation_needs_the_admins_password(login, admin, ended_long_ago):
    response = login(admin).post(
        _destroy(ended_long_ago),
        {"code": "RS-001", "reason": "Retention ended", "password": "wrong"},
    )
    assert response.status_code == 200
    assert "not your password" in response.content.decode()
    assert not ClientDestruction.objects.exists()
    denied = AuditEvent.objects.get(action=AuditAction.DENIED)
    assert (denied.actor, denied.object_id) == (admin, ended_long_ago.pk)


def test_the_admin_destroys_the_records_from_the_page(
    login, admin, password, ended_long_ago
):
    http = login(admin)
    confirm = http.get(_destroy(ended_long_ago)).content.decode()
    assert "Type the client" in confirm
    response = http.post(
        _destroy(ended_long_ago),
        {"code": "RS-001", "reason": "Retention ended", "password": password},
    )
    assert response.status_code == 302
    tombstone = ClientDestruction.objects.get()
    assert tombstone.client == ended_long_ago
    assert AuditEvent.objects.filter(object_type=DESTRUCTION).count() == 1
    page = http.get(PAGE).content.decode()
    assert "Retention ended" in page and "No client is past" in page


def test_a_held_client_is_refused_on_the_page(
    login, admin, password, ended_long_ago, now
):
    legal_hold_place(actor=admin, client=ended_long_ago, reason="Claim", now=now)
    response = login(admin).post(
        _destroy(ended_long_ago),
        {"code": "RS-001", "reason": "Retention ended", "password": password},
    )
    assert response.status_code == 200
    assert "legal hold is in force" in response.content.decode()
    assert not ClientDestruction.objects.exists()
