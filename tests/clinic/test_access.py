"""The access rules in ``clinic.access``: who reads, writes and configures which
clients, and how refusals answer and are logged."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from clinic import access
from clinic.models import Role
from tests.factories import ClientFactory, MembershipFactory, SupervisionFactory

TODAY = dt.date(2026, 3, 2)


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_a_therapist_reads_and_writes_only_own_clients(
    therapist, other_therapist, client, clinic
):
    colleagues = ClientFactory(clinic=clinic, therapist=other_therapist)
    assert ids(access.readable_clients(therapist, on=TODAY)) == {client.pk}
    assert ids(access.writable_clients(therapist)) == {client.pk}
    assert ids(access.readable_clients(other_therapist, on=TODAY)) == {colleagues.pk}


def test_a_current_supervisor_reads_but_cannot_write_a_supervisees_clients(
    supervisor, client
):
    assert client.pk in ids(access.readable_clients(supervisor, on=TODAY))
    assert client.pk not in ids(access.writable_clients(supervisor))
    assert access.client_for_reading(supervisor, client.pk, on=TODAY) == client
    with pytest.raises(PermissionDenied):
        access.client_for_writing(supervisor, client.pk, on=TODAY)


def test_a_former_supervisor_sees_nothing(clinic, therapist, client):
    former = MembershipFactory(clinic=clinic, role=Role.SUPERVISOR).user
    SupervisionFactory(
        clinic=clinic,
        supervisor=former,
        supervisee=therapist,
        started_on=dt.date(2024, 1, 1),
        ended_on=dt.date(2025, 12, 31),
    )
    assert ids(access.readable_clients(former, on=TODAY)) == set()
    with pytest.raises(Http404):
        access.client_for_reading(former, client.pk, on=TODAY)


def test_a_supervision_that_has_not_started_opens_nothing(clinic, therapist, client):
    future = MembershipFactory(clinic=clinic, role=Role.SUPERVISOR).user
    SupervisionFactory(
        clinic=clinic,
        supervisor=future,
        supervisee=therapist,
        started_on=TODAY + dt.timedelta(days=1),
    )
    assert ids(access.readable_clients(future, on=TODAY)) == set()


def test_a_supervision_link_opens_only_the_clinic_it_belongs_to(
    supervisor, therapist, client, other_clinic
):
    # Both also work as therapists in a second clinic, where there is no link.
    MembershipFactory(user=therapist, clinic=other_clinic, role=Role.THERAPIST)
    MembershipFactory(user=supervisor, clinic=other_clinic, role=Role.THERAPIST)
    elsewhere = ClientFactory(clinic=other_clinic, therapist=therapist)

    readable = ids(access.readable_clients(supervisor, on=TODAY))

    assert client.pk in readable
    assert elsewhere.pk not in readable


def test_a_supervisor_role_without_the_role_in_that_clinic_opens_nothing(
    clinic, therapist, client
):
    """A link recorded for someone who is not a supervisor there is inert."""
    plain = MembershipFactory(clinic=clinic, role=Role.THERAPIST).user
    SupervisionFactory(
        clinic=clinic, supervisor=plain, supervisee=therapist, started_on=TODAY
    )
    assert client.pk not in ids(access.readable_clients(plain, on=TODAY))


def test_a_clinic_admin_configures_but_never_reads(admin, client):
    assert ids(access.configurable_clients(admin)) == {client.pk}
    assert ids(access.readable_clients(admin, on=TODAY)) == set()
    assert ids(access.writable_clients(admin)) == set()
    with pytest.raises(PermissionDenied):
        access.client_for_reading(admin, client.pk, on=TODAY)


def test_clinicians_configure_nothing(therapist, supervisor, client):
    assert ids(access.configurable_clients(therapist)) == set()
    assert ids(access.configurable_clients(supervisor)) == set()
    with pytest.raises(Http404):
        access.client_for_configuring(therapist, client.pk)


def test_nobody_sees_another_clinic(outsider, client):
    assert ids(access.readable_clients(outsider, on=TODAY)) == set()
    assert ids(access.configurable_clients(outsider)) == set()
    for fetch in (
        lambda: access.client_for_reading(outsider, client.pk, on=TODAY),
        lambda: access.client_for_writing(outsider, client.pk, on=TODAY),
        lambda: access.client_for_configuring(outsider, client.pk),
    ):
        with pytest.raises(Http404):
            fetch()


def test_anonymous_gets_empty_querysets(client):
    from django.contrib.auth.models import AnonymousUser

    nobody = AnonymousUser()
    assert ids(access.readable_clients(nobody, on=TODAY)) == set()
    assert ids(access.writable_clients(nobody)) == set()
    assert ids(access.configurable_clients(nobody)) == set()


def test_an_admin_opening_a_clinical_page_gets_403_logged_with_ids_only(
    login, admin, client, caplog
):
    caplog.set_level(logging.WARNING, logger="between.access")
    response = login(admin).get(reverse("clinic:client", args=[client.pk]))

    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "between.access"]
    assert len(records) == 1
    message = records[0].getMessage()
    assert f"user={admin.pk}" in message
    assert f"id={client.pk}" in message
    assert "status=403" in message
    for secret in (client.code, client.preferred_name, admin.email):
        assert secret not in caplog.text


def test_an_out_of_scope_client_answers_404_and_is_logged(
    login, other_therapist, client, caplog
):
    caplog.set_level(logging.WARNING, logger="between.access")
    response = login(other_therapist).get(reverse("clinic:client", args=[client.pk]))

    assert response.status_code == 404
    assert f"status=404 user={other_therapist.pk} object=client id={client.pk}" in (
        caplog.text
    )
    assert client.code not in caplog.text
    assert client.preferred_name not in caplog.text


def test_a_clinician_on_an_admin_page_gets_403_and_a_log_line(login, therapist, caplog):
    caplog.set_level(logging.WARNING, logger="between.access")
    response = login(therapist).get(reverse("clinic:policy_default"))
    assert response.status_code == 403
    assert f"status=403 user={therapist.pk} object=clinic-admin" in caplog.text
