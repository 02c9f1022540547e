"""Integration tokens: shown once, stored as a digest, rotated, revoked, and
the only way into the API."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client as HttpClient
from django.utils import timezone

from clinic.integrations import services
from clinic.integrations.models import Integration
from clinic.models import AuditEvent
from tests.factories import ClientFactory

CLIENTS = "/api/v1/clients/"
CONTACTS = "/api/v1/contacts/"


def create(clinic, admin, scopes=("contacts:write", "clients:read"), name="System"):
    return services.integration_create(
        actor=admin,
        clinic=clinic,
        name=name,
        kind="practice_system",
        scopes=list(scopes),
        now=timezone.now(),
    )


def bearer(token):
    return HttpClient(headers={"Authorization": f"Bearer {token}"})


def test_only_a_digest_of_the_token_is_stored(clinic, admin):
    integration, token = create(clinic, admin)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_to_json(i)::text FROM clinic_integration i WHERE id = %s",
            [integration.pk],
        )
        [row] = cursor.fetchone()
    assert token not in row and token.removeprefix("btw_") not in row
    assert integration.token_sha256 in row


def test_a_token_reads_its_clinics_current_clients_codes_and_status_only(
    clinic, admin, client, other_clinic, outsider
):
    ClientFactory(clinic=other_clinic, therapist=outsider, code="HT-001")
    _, token = create(clinic, admin)
    response = bearer(token).get(CLIENTS)
    assert response.status_code == 200
    assert response.json() == [{"code": "RS-001", "status": "active"}]
    assert "Robin" not in response.content.decode()


def test_a_call_is_audited_and_remembered(clinic, admin, client):
    integration, token = create(clinic, admin)
    bearer(token).get(CLIENTS)
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.actor_id, event.object_type, event.object_id, event.clinic_id) == (
        None,
        "api.clients",
        integration.pk,
        clinic.pk,
    )
    integration.refresh_from_db()
    assert integration.last_call_at is not None


def test_rotating_fails_the_old_token_at_once(clinic, admin, client):
    integration, old = create(clinic, admin)
    new = services.integration_rotate(
        actor=admin, integration=integration, now=timezone.now()
    )
    assert bearer(old).get(CLIENTS).status_code == 401
    assert bearer(new).get(CLIENTS).status_code == 200


def test_a_revoked_token_opens_nothing(clinic, admin, client):
    integration, token = create(clinic, admin)
    services.integration_revoke(
        actor=admin, integration=integration, now=timezone.now()
    )
    assert bearer(token).get(CLIENTS).status_code == 401
    with pytest.raises(Exception, match="revoked"):
        services.integration_rotate(
            actor=admin, integration=Integration.objects.get(), now=timezone.now()
        )


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer btw_forged", "Token abc", "Basic YTpi"]
)
def test_a_missing_or_wrong_token_answers_401_in_json(client, header):
    http = HttpClient(headers={"Authorization": header} if header else {})
    response = http.get(CLIENTS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert set(response.json()) == {"error"}


@pytest.mark.parametrize("role", ["therapist", "admin"])
def test_a_signed_in_session_gets_no_api_access(request, login, client, role):
    http = login(request.getfixturevalue(role))
    assert http.get(CLIENTS).status_code == 401
    assert http.post(CONTACTS, "{}", content_type="application/json").status_code == 401


def test_each_endpoint_asks_for_its_scope(clinic, admin, client):
    _, reader = create(clinic, admin, scopes=["clients:read"], name="Reader")
    _, writer = create(clinic, admin, scopes=["contacts:write"], name="Writer")
    assert bearer(writer).get(CLIENTS).status_code == 403
    assert (
        bearer(reader).post(CONTACTS, "[]", content_type="application/json").status_code
        == 403
    )
    assert (
        bearer(writer).post(CONTACTS, "[]", content_type="application/json").status_code
        == 200
    )


def test_unknown_scopes_and_duplicate_names_are_refused(clinic, admin):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        create(clinic, admin, scopes=["everything:write"])
    create(clinic, admin)
    with pytest.raises(ValidationError):
        create(clinic, admin)


def test_the_command_prints_the_token_once(clinic, client):
    out = io.StringIO()
    call_command(
        "integration_create",
        "--clinic=riverside",
        "--name=Phones",
        "--scopes=clients:read",
        stdout=out,
    )
    token = out.getvalue().strip().splitlines()[-1]
    assert token.startswith("btw_")
    assert bearer(token).get(CLIENTS).status_code == 200
    with pytest.raises(CommandError):
        call_command("integration_create", "--clinic=nowhere", "--name=X", "--scopes=a")
