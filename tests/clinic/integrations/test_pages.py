"""The clinic admin's integrations pages: the token is shown once."""

from __future__ import annotations

from django.test import Client as HttpClient

from clinic.integrations.models import Integration
from clinic.integrations.selectors import token_digest
from clinic.models import AuditEvent

NEW = "/manage/integrations/new/"
LIST = "/manage/integrations/"
FORM = {"name": "Phones", "kind": "telephony", "scopes": ["contacts:write"]}


def _token(page: str) -> str:
    return page.split('id="token">', 1)[1].split("<", 1)[0]


def test_creating_shows_the_token_once_and_the_list_never(login, admin, clinic):
    http = login(admin)
    response = http.post(NEW, FORM)
    assert response.status_code == 200
    token = _token(response.content.decode())
    integration = Integration.objects.get()
    assert integration.token_sha256 == token_digest(token)
    assert integration.created_by == admin
    listed = http.get(LIST).content.decode()
    assert "Phones" in listed and token not in listed
    assert "never" in listed  # no call yet
    assert AuditEvent.objects.filter(
        actor=admin, object_type="clinic.integration", action="create"
    ).exists()


def test_replacing_the_token_fails_the_old_one_at_once(login, admin, client):
    http = login(admin)
    old = _token(http.post(NEW, FORM | {"scopes": ["clients:read"]}).content.decode())
    integration = Integration.objects.get()
    page = http.post(f"{LIST}{integration.pk}/rotate/").content.decode()
    new = _token(page)
    api = "/api/v1/clients/"
    assert (
        HttpClient(headers={"Authorization": f"Bearer {old}"}).get(api).status_code
        == 401
    )
    assert (
        HttpClient(headers={"Authorization": f"Bearer {new}"}).get(api).status_code
        == 200
    )


def test_revoking_shows_it_revoked(login, admin, clinic):
    http = login(admin)
    http.post(NEW, FORM)
    integration = Integration.objects.get()
    response = http.post(f"{LIST}{integration.pk}/revoke/", follow=True)
    integration.refresh_from_db()
    assert integration.revoked_at is not None
    assert "revoked" in response.content.decode()


def test_another_clinics_integration_answers_404(login, admin, outsider, other_clinic):
    login(outsider).post(NEW, FORM)
    theirs = Integration.objects.get(clinic=other_clinic)
    http = login(admin)
    assert http.post(f"{LIST}{theirs.pk}/rotate/").status_code == 404
    assert http.post(f"{LIST}{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_the_administration_section_links_the_page(login, admin, clinic):
    assert LIST in login(admin).get(LIST).content.decode()
