"""The contact-address pages: the treating therapist's page of one client
and the clinic admin's page; who gets what, that the posts work, that the
reads are audited and that no refusal repeats an address."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from attachment.addresses.services import address_add
from attachment.models import ClientAddress
from clinic.models import AuditAction, AuditEvent
from tests.factories import ClientFactory

PHONE = "+447700900123"


def _page(client) -> str:
    return reverse("attachment:client_addresses", args=[client.pk])


ADMIN_PAGE = "/records/manage/addresses/"


@pytest.fixture
def held(therapist, client):
    return address_add(actor=therapist, client=client, raw=PHONE, now=timezone.now())


def test_the_pages_have_the_addresses_they_are_named_for(client):
    assert _page(client) == f"/records/clients/{client.pk}/addresses/"
    assert reverse("attachment:address_admin") == ADMIN_PAGE


def test_the_therapist_sees_the_clients_addresses_and_the_read_is_audited(
    login, therapist, client, held
):
    response = login(therapist).get(_page(client))
    assert response.status_code == 200
    assert PHONE in response.content.decode()
    read = AuditEvent.objects.get(action=AuditAction.READ)
    assert (read.actor_id, read.client_id, read.object_type) == (
        therapist.pk,
        client.pk,
        "attachment.clientaddress_list",
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_therapist", 404), ("outsider", 404), ("supervisor", 403), ("admin", 403)],
)
def test_others_do_not_get_the_therapists_page(request, login, client, who, status):
    response = login(request.getfixturevalue(who)).get(_page(client))
    assert response.status_code == status


def test_the_therapist_adds_an_address(login, therapist, client):
    response = login(therapist).post(_page(client), {"address": "07700 900123"})
    assert response.status_code == 302
    assert ClientAddress.objects.get().value == PHONE


def test_a_refused_address_is_named_only_in_its_field(
    login, therapist, other_therapist, clinic, client
):
    theirs = ClientFactory(clinic=clinic, therapist=other_therapist, code="RS-077")
    address_add(actor=other_therapist, client=theirs, raw=PHONE, now=timezone.now())
    response = login(therapist).post(_page(client), {"address": "07700 900123"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Another current client has this address." in page
    assert "RS-077" not in page and PHONE not in page
    # The raw value is given back in its field, and nowhere else.
    assert page.count("07700 900123") == 1
    assert 'value="07700 900123"' in page


def test_a_wrong_address_is_refused_without_echoing_it(login, therapist, client):
    response = login(therapist).post(_page(client), {"address": "call me maybe"})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("call me maybe") == 1
    assert not ClientAddress.objects.exists()


def test_the_therapist_removes_an_address(login, therapist, client, held):
    url = reverse("attachment:client_address_remove", args=[client.pk, held.pk])
    response = login(therapist).post(url)
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.released_at is not None


def test_an_address_of_another_client_cannot_be_removed_through_this_one(
    login, therapist, clinic, client, held
):
    second = ClientFactory(clinic=clinic, therapist=therapist)
    url = reverse("attachment:client_address_remove", args=[second.pk, held.pk])
    assert login(therapist).post(url).status_code == 404
    held.refresh_from_db()
    assert held.released_at is None


def test_the_admin_lists_current_clients_addresses_by_code(login, admin, client, held):
    response = login(admin).get(ADMIN_PAGE)
    page = response.content.decode()
    assert response.status_code == 200
    assert PHONE in page and client.code in page
    read = AuditEvent.objects.get(action=AuditAction.READ)
    assert (read.actor_id, read.object_id, read.client_id) == (
        admin.pk,
        held.pk,
        client.pk,
    )


def test_the_admin_adds_and_removes_an_address(login, admin, client):
    http = login(admin)
    response = http.post(
        ADMIN_PAGE, {"client": client.pk, "address": "Robin@Example.test"}
    )
    assert response.status_code == 302
    address = ClientAddress.objects.get()
    assert (address.client, address.value) == (client, "robin@example.test")
    remove = reverse("attachment:address_admin_remove", args=[address.pk])
    assert http.post(remove).status_code == 302
    address.refresh_from_db()
    assert address.released_at is not None


def test_the_admin_cannot_give_an_address_to_another_clinics_client(
    login, admin, other_clinic, outsider
):
    theirs = ClientFactory(clinic=other_clinic, therapist=outsider)
    response = login(admin).post(ADMIN_PAGE, {"client": theirs.pk, "address": PHONE})
    assert response.status_code == 200
    assert not ClientAddress.objects.exists()


def test_another_clinics_admin_cannot_remove_the_address(login, outsider, held):
    remove = reverse("attachment:address_admin_remove", args=[held.pk])
    assert login(outsider).post(remove).status_code == 404
    held.refresh_from_db()
    assert held.released_at is None


@pytest.mark.parametrize("who", ["therapist", "supervisor"])
def test_clinicians_do_not_get_the_admins_page(request, login, who):
    assert login(request.getfixturevalue(who)).get(ADMIN_PAGE).status_code == 403


def test_the_admins_page_costs_the_same_for_more_addresses(
    login, admin, clinic, therapist, django_assert_max_num_queries
):
    http = login(admin)
    for n in range(5):
        address_add(
            actor=admin,
            client=ClientFactory(clinic=clinic, therapist=therapist),
            raw=f"+4477009001{n:02d}",
            now=timezone.now(),
        )
    with django_assert_max_num_queries(20) as counted:
        assert http.get(ADMIN_PAGE).status_code == 200
    few = len(counted.captured_queries)
    for n in range(5, 15):
        address_add(
            actor=admin,
            client=ClientFactory(clinic=clinic, therapist=therapist),
            raw=f"+4477009001{n:02d}",
            now=timezone.now(),
        )
    with django_assert_max_num_queries(few):
        assert http.get(ADMIN_PAGE).status_code == 200
