"""The client page's download: the treating therapist's only, streamed,
valid, audited; the panel that offers it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.access_report.kinds import FHIR_EXPORT
from clinic.models import AuditEvent
from tests.attachment.factories import former_supervisor_of
from tests.attachment.fhir.conftest import SECRET_TEXTS, parsed, small_client
from tests.matrix import response_body


def _url(client) -> str:
    return reverse("attachment:client_fhir_bundle", args=[client.pk])


def test_the_treating_therapist_downloads_a_valid_bundle(record, therapist, login):
    response = login(therapist).get(_url(record))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/fhir+json"
    assert 'filename="RS-001-fhir.json"' in response["Content-Disposition"]
    body = response_body(response)
    bundle = parsed(body.encode())
    assert bundle.entry[0].resource.get_resource_type() == "Patient"
    for text in SECRET_TEXTS:
        assert text not in body


def test_the_download_is_audited_on_the_clients_trail(record, therapist, login):
    response_body(login(therapist).get(_url(record)))
    event = AuditEvent.objects.get(object_type=FHIR_EXPORT)
    assert (event.actor, event.action, event.client_id, event.object_id) == (
        therapist,
        "export",
        record.pk,
        record.pk,
    )


@pytest.mark.parametrize(
    "who",
    ["other_therapist", "supervisor", "unrelated_supervisor", "admin", "outsider"],
)
def test_nobody_else_learns_the_client_exists(record, login, who, request):
    response = login(request.getfixturevalue(who)).get(_url(record))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(object_type=FHIR_EXPORT).exists()


def test_a_former_supervisor_gets_404(record, clinic, therapist, login):
    former = former_supervisor_of(clinic=clinic, supervisee=therapist)
    assert login(former).get(_url(record)).status_code == 404


def test_signing_in_comes_first(record, http):
    response = http.get(_url(record))
    assert response.status_code == 302


def test_the_download_costs_the_same_queries_for_a_larger_client(
    clinic, therapist, policy, login, password
):
    http = login(therapist)
    counts = []
    for code, scale in (("Q-1", 1), ("Q-3", 3)):
        client = small_client(
            clinic, therapist, code=code, scale=scale, password=password
        )
        with CaptureQueriesContext(connection) as queries:
            parsed(response_body(http.get(_url(client))).encode())
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_panel_offers_both_copies_to_the_treating_therapist(
    client, therapist, login
):
    page = login(therapist).get(reverse("clinic:client", args=[client.pk]))
    text = page.content.decode()
    assert "Copy of the record" in text
    assert _url(client) in text
    assert reverse("attachment:client_copy", args=[client.pk]) in text


def test_the_panel_is_not_shown_to_the_supervisor(client, supervisor, login):
    page = login(supervisor).get(reverse("clinic:client", args=[client.pk]))
    assert page.status_code == 200
    assert "Copy of the record" not in page.content.decode()
    assert _url(client) not in page.content.decode()
