"""Who produces the copy (the treating therapist, nobody else), and that
each copy produced is one export on the client's trail, listed in the
client's access report; asking for the form, or for dates that fail, is no
copy and leaves no export."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse

from attachment.client_copy.selectors import client_for_copy
from clinic.access_report.kinds import CLIENT_COPY
from clinic.models import AuditAction, AuditEvent
from tests.attachment.client_copy.conftest import PERIOD, PRIVATE_TEXTS, copy_url
from tests.attachment.factories import former_supervisor_of
from tests.factories import UserFactory


def _exports():
    return AuditEvent.objects.filter(action=AuditAction.EXPORT)


def test_the_copy_has_the_address_the_client_page_links_to(client):
    assert copy_url(client) == f"/records/clients/{client.pk}/copy/"


@pytest.fixture
def operator(db):
    return UserFactory(email="operator@example.test", is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    "who",
    [
        "other_therapist",
        "supervisor",
        "unrelated_supervisor",
        "admin",
        "outsider",
        "operator",
    ],
)
def test_nobody_but_the_treating_therapist_gets_the_copy(request, login, record, who):
    person = request.getfixturevalue(who)
    for query in ({}, PERIOD):
        response = login(person).get(copy_url(record.client), query)
        assert response.status_code == 404, (who, query)
        assert "INSIDE-note" not in response.content.decode()
    assert not _exports().exists()


def test_a_former_supervisor_gets_404_too(login, clinic, therapist, record):
    former = former_supervisor_of(clinic=clinic, supervisee=therapist)
    assert login(former).get(copy_url(record.client), PERIOD).status_code == 404


def test_signing_in_comes_first(http, client):
    response = http.get(copy_url(client), PERIOD)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_client_that_does_not_exist_is_404(login, therapist, client):
    missing = reverse("attachment:client_copy", args=[client.pk + 1000])
    assert login(therapist).get(missing, PERIOD).status_code == 404


def test_the_access_rule_refuses_the_supervisor_with_404_not_403(supervisor, client):
    with pytest.raises(Http404):
        client_for_copy(supervisor, client.pk)


def test_the_form_alone_is_no_copy_and_leaves_no_export(login, therapist, record):
    response = login(therapist).get(copy_url(record.client))
    assert response.status_code == 200
    page = response.content.decode()
    assert "INSIDE-note" not in page
    assert 'name="starts_on"' in page
    period_form = page.split('class="client-copy-period"')[1].split("</form>")[0]
    assert "csrfmiddlewaretoken" not in period_form
    assert not _exports().exists()


def test_each_copy_is_one_export_naming_the_client(login, therapist, record):
    login(therapist).get(copy_url(record.client), PERIOD)
    export = _exports().get()
    assert (
        export.actor_id,
        export.object_type,
        export.object_id,
        export.client_id,
        export.clinic_id,
    ) == (
        therapist.pk,
        CLIENT_COPY,
        record.client.pk,
        record.client.pk,
        record.client.clinic_id,
    )
    login(therapist).get(copy_url(record.client), PERIOD)
    assert _exports().count() == 2


def test_the_copy_is_listed_in_the_clients_access_report(login, therapist, record):
    login(therapist).get(copy_url(record.client), PERIOD)
    report = login(therapist).get(
        reverse("clinic:access_report", args=[record.client.pk]),
        {"kind": "record_export"},
    )
    rows = report.context["rows"]
    assert [(row.kind, row.role_label, row.action_label) for row in rows] == [
        ("copy of the record (export)", "Treating therapist", "Export")
    ]
    assert rows[0].person == therapist.full_name
    assert "copy of the record (export)" in report.content.decode()


def test_the_export_event_holds_no_clinical_text(login, therapist, record):
    login(therapist).get(copy_url(record.client), PERIOD)
    row = _exports().values().get()
    text = repr(row)
    for words in ("INSIDE-note", *PRIVATE_TEXTS.values()):
        assert words not in text
