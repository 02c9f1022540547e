"""The unmatched inbox's pages: who sees it, what a row offers, that the
posts work and stay inside the user's scope, and that reading is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from attachment.models import ClientAddress, Contact, UnmatchedMessage
from attachment.unmatched.integration import waiting_count
from attachment.unmatched.services import unmatched_discard
from clinic.models import AuditAction, AuditEvent
from tests.attachment.unmatched.conftest import waiting_message
from tests.factories import ClientFactory, UserFactory

INBOX = "/records/unmatched/"


def _assign(message) -> str:
    return reverse("attachment:unmatched_assign", args=[message.pk])


def _discard(message) -> str:
    return reverse("attachment:unmatched_discard", args=[message.pk])


def test_the_inbox_has_the_address_it_is_named_for():
    assert reverse("attachment:unmatched_inbox") == INBOX


@pytest.mark.parametrize("who", ["admin", "therapist", "other_therapist"])
def test_the_clinics_people_see_the_waiting_message(request, login, message, who):
    user = request.getfixturevalue(who)
    response = login(user).get(INBOX)
    page = response.content.decode()
    assert response.status_code == 200
    assert message.address in page
    assert "Practice phones" in page
    read = AuditEvent.objects.get(action=AuditAction.READ)
    assert (read.actor_id, read.object_type, read.object_id, read.clinic_id) == (
        user.pk,
        "attachment.unmatchedmessage",
        message.pk,
        message.clinic_id,
    )


def test_a_therapist_is_offered_only_their_own_clients(
    login, therapist, other_therapist, clinic, client, message
):
    theirs = ClientFactory(clinic=clinic, therapist=other_therapist, code="RS-300")
    page = login(other_therapist).get(INBOX).content.decode()
    assert "RS-300" in page and client.code not in page
    assert str(theirs.pk) in page


def test_the_admin_is_offered_every_client_of_the_clinic(
    login, admin, other_therapist, clinic, client, message
):
    ClientFactory(clinic=clinic, therapist=other_therapist, code="RS-300")
    page = login(admin).get(INBOX).content.decode()
    assert "RS-300" in page and client.code in page


def test_another_clinic_sees_nothing_of_the_message(login, outsider, message):
    response = login(outsider).get(INBOX)
    assert response.status_code == 200
    assert message.address not in response.content.decode()
    assert login(outsider).post(_discard(message)).status_code == 404
    assert login(outsider).post(_assign(message), {}).status_code == 404
    message.refresh_from_db()
    assert message.resolution == ""


def test_someone_without_a_role_is_refused(login, message, db):
    nobody = UserFactory()
    assert login(nobody).get(INBOX).status_code == 403
    assert login(nobody).post(_discard(message)).status_code == 403


def test_the_therapist_assigns_a_message_and_remembers_the_address(
    login, therapist, client, message
):
    response = login(therapist).post(
        _assign(message), {"client": client.pk, "remember": "on"}
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.client == client
    assert ClientAddress.objects.get().client == client
    message.refresh_from_db()
    assert message.contact == contact
    assert message.address not in login(therapist).get(INBOX).content.decode()


def test_a_therapist_cannot_assign_to_another_therapists_client(
    login, other_therapist, client, message
):
    response = login(other_therapist).post(_assign(message), {"client": client.pk})
    assert response.status_code == 302
    assert not Contact.objects.exists()
    message.refresh_from_db()
    assert message.resolution == ""


def test_a_refused_assignment_does_not_repeat_the_address(
    login, therapist, other_therapist, clinic, client, message, now
):
    theirs = ClientFactory(clinic=clinic, therapist=other_therapist, code="RS-301")
    ClientAddress.objects.create(
        clinic=clinic,
        client=theirs,
        kind="phone",
        value=message.address,
        created_at=now,
    )
    http = login(therapist)
    response = http.post(
        _assign(message), {"client": client.pk, "remember": "on"}, follow=True
    )
    page = response.content.decode()
    assert "Another current client has this address." in page
    assert "RS-301" not in page
    # The row is still listed (its address in its own cell), once.
    assert page.count(message.address) == 1
    assert not Contact.objects.exists()


def test_discarding_takes_the_message_out_of_the_inbox(login, admin, message):
    http = login(admin)
    assert http.post(_discard(message)).status_code == 302
    message.refresh_from_db()
    assert message.resolution == "discarded"
    assert message.address not in http.get(INBOX).content.decode()


def test_the_inbox_costs_the_same_for_more_messages(
    login, admin, integration, now, policy, django_assert_max_num_queries
):
    http = login(admin)
    for _ in range(3):
        waiting_message(integration, now=now)
    with django_assert_max_num_queries(30) as counted:
        assert http.get(INBOX).status_code == 200
    few = len(counted.captured_queries)
    for _ in range(10):
        waiting_message(integration, now=now)
    with django_assert_max_num_queries(few):
        assert http.get(INBOX).status_code == 200
    assert UnmatchedMessage.objects.count() == 13


def test_the_navigation_counts_the_waiting_messages(
    admin, therapist, outsider, integration, message, now
):
    waiting_message(integration, now=now)
    assert waiting_count(admin) == waiting_count(therapist) == 2
    assert waiting_count(outsider) == 0
    unmatched_discard(actor=admin, message=message, now=now)
    assert waiting_count(therapist) == 1
