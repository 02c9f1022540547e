"""Refused calls: a token that opens nothing fails at once and is audited
without the token; ten refusals in an hour tell the clinic's admins, once."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.test import Client as HttpClient
from django.utils import timezone

from clinic.integrations import services
from clinic.integrations.models import IntegrationDay
from clinic.integrations.usage import refusal_counted
from clinic.models import AuditEvent

CLIENTS = "/api/v1/clients/"


def create(clinic, admin, name="System"):
    return services.integration_create(
        actor=admin,
        clinic=clinic,
        name=name,
        kind="practice_system",
        scopes=["clients:read"],
        now=timezone.now(),
    )


def bearer(token):
    return HttpClient(headers={"Authorization": f"Bearer {token}"})


def refused_events():
    return AuditEvent.objects.filter(object_type="api.refused").order_by("seq")


def test_an_unknown_token_is_audited_without_an_object(clinic, admin, client):
    response = bearer("btw_forged").get(CLIENTS)
    assert response.status_code == 401
    [event] = refused_events()
    assert (event.actor_id, event.action, event.object_id, event.clinic_id) == (
        None,
        "denied",
        None,
        None,
    )
    assert not IntegrationDay.objects.exists()


def test_a_revoked_token_is_refused_at_once_audited_and_counted(clinic, admin, client):
    integration, token = create(clinic, admin)
    assert bearer(token).get(CLIENTS).status_code == 200
    services.integration_revoke(
        actor=admin, integration=integration, now=timezone.now()
    )
    assert bearer(token).get(CLIENTS).status_code == 401
    [event] = refused_events()
    assert (event.actor_id, event.object_id, event.clinic_id) == (
        None,
        integration.pk,
        clinic.pk,
    )
    assert IntegrationDay.objects.get(integration=integration).refusals == 1


def test_a_rotated_token_is_refused_at_once_and_names_nothing(clinic, admin, client):
    integration, old = create(clinic, admin)
    new = services.integration_rotate(
        actor=admin, integration=integration, now=timezone.now()
    )
    assert bearer(old).get(CLIENTS).status_code == 401
    assert bearer(new).get(CLIENTS).status_code == 200
    [event] = refused_events()
    assert event.object_id is None


def test_ten_refusals_in_an_hour_tell_the_admins_once(clinic, admin, client):
    integration, token = create(clinic, admin, name="Phones")
    services.integration_revoke(
        actor=admin, integration=integration, now=timezone.now()
    )
    for _ in range(9):
        assert bearer(token).get(CLIENTS).status_code == 401
    assert mail.outbox == []
    for _ in range(5):
        assert bearer(token).get(CLIENTS).status_code == 401
    [message] = mail.outbox
    assert message.to == [admin.email]
    assert "Phones" in message.body and "10 calls" in message.body
    assert token not in message.body and token not in message.subject
    assert f"/manage/integrations/{integration.pk}/" in message.body
    assert IntegrationDay.objects.get(integration=integration).refusals == 14


def test_the_hour_slides_by_the_minute_and_tells_once(clinic, admin):
    integration, _ = create(clinic, admin)
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    for _ in range(9):
        refusal_counted(integration, start)
    # An hour later the first nine have left the window.
    refusal_counted(integration, start + dt.timedelta(minutes=60))
    for _ in range(8):
        refusal_counted(integration, start + dt.timedelta(minutes=61))
    assert mail.outbox == []
    refusal_counted(integration, start + dt.timedelta(minutes=61))
    assert len(mail.outbox) == 1
    assert "10 calls" in mail.outbox[0].body
    for _ in range(5):
        refusal_counted(integration, start + dt.timedelta(minutes=62))
    assert len(mail.outbox) == 1


def test_other_clinics_admins_are_not_told(clinic, admin, outsider):
    integration, _ = create(clinic, admin)
    now = timezone.now()
    for _ in range(10):
        refusal_counted(integration, now)
    assert [message.to for message in mail.outbox] == [[admin.email]]
