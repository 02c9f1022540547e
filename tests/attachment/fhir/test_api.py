"""``GET /api/v1/clients/<code>/fhir/``: records:read only, own clinic only."""

from __future__ import annotations

from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from clinic.access_report.kinds import FHIR_EXPORT
from clinic.integrations.services import integration_create
from clinic.models import AuditEvent
from tests.attachment.fhir.conftest import SECRET_TEXTS, parsed
from tests.matrix import response_body


def _api(clinic, admin, scopes) -> HttpClient:
    _, token = integration_create(
        actor=admin,
        clinic=clinic,
        name="Records system",
        kind="practice_system",
        scopes=scopes,
        now=timezone.now(),
    )
    return HttpClient(headers={"Authorization": f"Bearer {token}"})


def _url(code: str) -> str:
    return reverse("api:client_fhir", args=[code])


def test_a_records_read_token_gets_the_bundle(record, clinic, admin):
    response = _api(clinic, admin, ["records:read"]).get(_url("RS-001"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    body = response_body(response)
    parsed(body.encode())
    for text in SECRET_TEXTS:
        assert text not in body
    event = AuditEvent.objects.get(object_type=FHIR_EXPORT)
    assert (event.actor_id, event.action, event.client_id) == (
        None,
        "export",
        record.pk,
    )


def test_a_token_without_records_read_is_refused(record, clinic, admin):
    response = _api(clinic, admin, ["contacts:write", "clients:read"]).get(
        _url("RS-001")
    )
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(object_type=FHIR_EXPORT).exists()


def test_another_clinics_token_finds_no_such_client(record, other_clinic, outsider):
    response = _api(other_clinic, outsider, ["records:read"]).get(_url("RS-001"))
    assert response.status_code == 404
    assert response.json() == {"error": "Not found."}
    assert not AuditEvent.objects.filter(object_type=FHIR_EXPORT).exists()


def test_an_unknown_code_is_not_found(record, clinic, admin):
    response = _api(clinic, admin, ["records:read"]).get(_url("NO-SUCH"))
    assert response.status_code == 404


def test_no_token_no_bundle(record):
    assert HttpClient().get(_url("RS-001")).status_code == 401
