"""Clients' contact addresses: normalised, unique in the clinic among
addresses in use, released from an ended client when a current one claims
them, kept by the treating therapist and the clinic admin only, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from attachment.addresses.selectors import (
    addresses_in_use_of,
    addresses_of_current_clients,
)
from attachment.addresses.services import (
    HELD_BY_ANOTHER,
    address_add,
    address_remove,
)
from attachment.models import AddressKind, ClientAddress
from clinic.models import AuditAction, AuditEvent, ClientStatus
from tests.factories import ClientFactory

PHONE = "+44 7700 900123"
PHONE_E164 = "+447700900123"


@pytest.fixture
def second_client(clinic, therapist):
    return ClientFactory(clinic=clinic, therapist=therapist, code="RS-002")


@pytest.fixture
def ended_client(clinic, other_therapist):
    return ClientFactory(
        clinic=clinic,
        therapist=other_therapist,
        code="RS-090",
        status=ClientStatus.ENDED,
        ended_on=dt.date(2025, 12, 1),
    )


def _messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def test_a_phone_number_is_kept_in_e164(therapist, client, now):
    address = address_add(actor=therapist, client=client, raw="07700 900123", now=now)
    assert (address.kind, address.value) == (AddressKind.PHONE, PHONE_E164)
    assert address.clinic_id == client.clinic_id
    assert address.created_by == therapist
    assert address.created_at == now


def test_an_email_address_is_kept_in_lower_case(therapist, client, now):
    address = address_add(
        actor=therapist, client=client, raw="  Robin@Example.TEST ", now=now
    )
    assert (address.kind, address.value) == (AddressKind.EMAIL, "robin@example.test")


@pytest.mark.parametrize("raw", ["not a number", "12", "robin@", "", "   "])
def test_a_wrong_address_is_refused_without_quoting_it(therapist, client, now, raw):
    with pytest.raises(ValidationError) as caught:
        address_add(actor=therapist, client=client, raw=raw, now=now)
    assert set(caught.value.message_dict) == {"address"}
    for message in _messages(caught.value):
        assert raw.strip() == "" or raw.strip() not in message
    assert not ClientAddress.objects.exists()


def test_the_same_number_written_two_ways_is_one_address(
    therapist, client, second_client, now
):
    address_add(actor=therapist, client=client, raw=PHONE, now=now)
    with pytest.raises(ValidationError) as caught:
        address_add(actor=therapist, client=second_client, raw="07700900123", now=now)
    assert _messages(caught.value) == [HELD_BY_ANOTHER]
    assert PHONE_E164 not in str(caught.value)
    assert ClientAddress.objects.count() == 1


def test_another_therapists_current_client_keeps_the_address_unnamed(
    therapist, other_therapist, client, clinic, now
):
    theirs = ClientFactory(clinic=clinic, therapist=other_therapist, code="RS-050")
    address_add(actor=other_therapist, client=theirs, raw=PHONE, now=now)
    with pytest.raises(ValidationError) as caught:
        address_add(actor=therapist, client=client, raw=PHONE, now=now)
    text = str(caught.value)
    assert _messages(caught.value) == [HELD_BY_ANOTHER]
    assert "RS-050" not in text and str(theirs.pk) not in text


def test_an_ending_client_is_still_current(therapist, client, clinic, now):
    ending = ClientFactory(clinic=clinic, therapist=therapist, status="ending")
    address_add(actor=therapist, client=ending, raw=PHONE, now=now)
    with pytest.raises(ValidationError):
        address_add(actor=therapist, client=client, raw=PHONE, now=now)


def test_a_client_cannot_have_the_same_address_twice(therapist, client, now):
    address_add(actor=therapist, client=client, raw=PHONE, now=now)
    with pytest.raises(ValidationError):
        address_add(actor=therapist, client=client, raw=PHONE, now=now)
    assert ClientAddress.objects.count() == 1


def test_an_ended_clients_address_is_released_to_the_current_client(
    therapist, client, ended_client, now
):
    old = ClientAddress.objects.create(
        clinic=ended_client.clinic,
        client=ended_client,
        kind=AddressKind.PHONE,
        value=PHONE_E164,
        created_at=now - dt.timedelta(days=400),
    )
    new = address_add(actor=therapist, client=client, raw=PHONE, now=now)
    old.refresh_from_db()
    assert old.released_at == now
    assert new.client == client and new.released_at is None
    released = AuditEvent.objects.get(action=AuditAction.DELETE)
    assert (released.object_id, released.client_id) == (old.pk, ended_client.pk)
    assert released.actor == therapist


def test_an_ended_client_takes_no_new_address(other_therapist, ended_client, now):
    with pytest.raises(ValidationError):
        address_add(actor=other_therapist, client=ended_client, raw=PHONE, now=now)
    assert not ClientAddress.objects.exists()


def test_a_released_address_can_be_given_again(therapist, client, second_client, now):
    first = address_add(actor=therapist, client=client, raw=PHONE, now=now)
    address_remove(actor=therapist, address=first, now=now)
    again = address_add(actor=therapist, client=second_client, raw=PHONE, now=now)
    assert list(addresses_in_use_of(client=second_client)) == [again]
    assert list(addresses_in_use_of(client=client)) == []


def test_the_same_address_in_two_clinics_is_two_addresses(
    therapist, client, outsider, other_clinic, now
):
    address_add(actor=therapist, client=client, raw=PHONE, now=now)
    theirs = ClientFactory(clinic=other_clinic, therapist=outsider)
    address_add(actor=outsider, client=theirs, raw=PHONE, now=now)
    assert ClientAddress.objects.filter(value=PHONE_E164).count() == 2


def test_adding_and_removing_are_audited_on_the_clients_trail(therapist, client, now):
    address = address_add(actor=therapist, client=client, raw=PHONE, now=now)
    address_remove(actor=therapist, address=address, now=now)
    events = list(
        AuditEvent.objects.order_by("seq").values_list(
            "actor_id", "action", "object_type", "object_id", "client_id"
        )
    )
    assert events == [
        (therapist.pk, "create", "attachment.clientaddress", address.pk, client.pk),
        (therapist.pk, "delete", "attachment.clientaddress", address.pk, client.pk),
    ]


def test_removing_twice_is_refused(therapist, client, now):
    address = address_add(actor=therapist, client=client, raw=PHONE, now=now)
    address_remove(actor=therapist, address=address, now=now)
    with pytest.raises(ValidationError):
        address_remove(actor=therapist, address=address, now=now + dt.timedelta(1))
    address.refresh_from_db()
    assert address.released_at == now


def test_the_clinic_admin_keeps_any_clients_addresses(admin, client, now):
    address = address_add(actor=admin, client=client, raw=PHONE, now=now)
    assert list(addresses_of_current_clients(clinic=client.clinic)) == [address]
    address_remove(actor=admin, address=address, now=now)
    assert list(addresses_of_current_clients(clinic=client.clinic)) == []


def test_the_admins_list_leaves_out_ended_clients(admin, client, ended_client, now):
    ClientAddress.objects.create(
        clinic=ended_client.clinic,
        client=ended_client,
        kind=AddressKind.EMAIL,
        value="old@example.test",
        created_at=now,
    )
    mine = address_add(actor=admin, client=client, raw=PHONE, now=now)
    assert list(addresses_of_current_clients(clinic=client.clinic)) == [mine]


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("other_therapist", Http404),
        ("outsider", Http404),
        ("supervisor", PermissionDenied),
    ],
)
def test_others_may_not_keep_the_clients_addresses(request, client, now, who, refusal):
    actor = request.getfixturevalue(who)
    with pytest.raises(refusal):
        address_add(actor=actor, client=client, raw=PHONE, now=now)
    assert not ClientAddress.objects.exists()


@pytest.mark.parametrize("who", ["other_therapist", "outsider", "supervisor"])
def test_others_may_not_remove_the_clients_addresses(
    request, therapist, client, now, who
):
    address = address_add(actor=therapist, client=client, raw=PHONE, now=now)
    with pytest.raises((Http404, PermissionDenied)):
        address_remove(actor=request.getfixturevalue(who), address=address, now=now)
    address.refresh_from_db()
    assert address.released_at is None
