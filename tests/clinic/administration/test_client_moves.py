"""Moving a client to another therapist takes two clinic admins.

The move opens the client's records to the new therapist, so it is a
proposal that a second admin approves, tried the way each key-holder might
make it alone: the proposer approving, the new therapist approving, an admin
proposing a client for themselves, an admin of another clinic, a therapist,
a file import, and a hand-made POST naming another clinic's client.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client as HttpClient
from django.urls import reverse

from clinic.models import (
    AuditAction,
    AuditEvent,
    Client,
    Role,
    StaffProposal,
    StaffProposalKind,
    StaffProposalStatus,
)
from tests.factories import ClientFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def browser(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def propose_move(actor, client, therapist):
    return browser(actor).post(
        reverse("clinic:client_move_propose", args=[client.pk]),
        {"therapist": therapist.pk},
    )


def act(actor, name: str, proposal: StaffProposal):
    return browser(actor).post(reverse(f"clinic:{name}", args=[proposal.pk]))


def therapist_of(client) -> int:
    return Client.objects.get(pk=client.pk).therapist_id


def test_a_move_waits_for_a_second_admin_then_opens_the_client_to_the_new_therapist(
    admin, admin2, client, therapist, other_therapist
):
    response = propose_move(admin, client, other_therapist)
    assert response.status_code == 302
    proposal = StaffProposal.objects.get(kind=StaffProposalKind.REASSIGN)
    assert (proposal.client_id, proposal.person_id) == (client.pk, other_therapist.pk)
    assert therapist_of(client) == therapist.pk
    # Still the first therapist's client: the new one sees nothing yet.
    page = reverse("clinic:client", args=[client.pk])
    assert browser(other_therapist).get(page).status_code == 404

    assert act(admin2, "staff_proposal_approve", proposal).status_code == 302

    assert therapist_of(client) == other_therapist.pk
    proposal.refresh_from_db()
    assert proposal.status == StaffProposalStatus.APPROVED
    assert proposal.decided_by == admin2
    assert browser(other_therapist).get(page).status_code == 200
    assert browser(therapist).get(page).status_code == 404
    assert AuditEvent.objects.filter(
        actor=admin2, action=AuditAction.UPDATE, object_type="clinic.client"
    ).exists()
    assert AuditEvent.objects.filter(
        actor=admin, action=AuditAction.CREATE, object_id=proposal.pk
    ).exists()


def test_the_proposer_cannot_approve_their_own_move(admin, client, other_therapist):
    propose_move(admin, client, other_therapist)
    proposal = StaffProposal.objects.get()
    act(admin, "staff_proposal_approve", proposal)
    assert therapist_of(client) != other_therapist.pk
    assert StaffProposal.objects.get().status == StaffProposalStatus.PENDING


def test_nobody_proposes_a_client_for_themselves_nor_approves_a_move_to_themselves(
    clinic, admin, admin2, client
):
    # A clinic admin who also sees clients.
    MembershipFactory(user=admin2, clinic=clinic, role=Role.THERAPIST)
    propose_move(admin2, client, admin2)
    assert not StaffProposal.objects.exists()
    propose_move(admin, client, admin2)
    proposal = StaffProposal.objects.get()
    act(admin2, "staff_proposal_approve", proposal)
    assert therapist_of(client) != admin2.pk
    assert StaffProposal.objects.get().status == StaffProposalStatus.PENDING


def test_the_database_refuses_a_move_approved_by_its_proposer(
    admin, client, other_therapist
):
    propose_move(admin, client, other_therapist)
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffProposal.objects.update(status="approved", decided_by=admin)


def test_only_an_admin_of_the_clinic_proposes_and_a_foreign_client_is_404(
    admin, therapist, other_therapist, client, outsider, other_clinic
):
    assert propose_move(therapist, client, other_therapist).status_code == 403
    foreign_admin = UserFactory(email="admin@hilltop.test")
    MembershipFactory(user=foreign_admin, clinic=other_clinic, role=Role.ADMIN)
    assert propose_move(foreign_admin, client, other_therapist).status_code == 404
    foreign_client = ClientFactory(clinic=other_clinic, therapist=outsider)
    assert propose_move(admin, foreign_client, other_therapist).status_code == 404
    # A therapist of another clinic is not offered, and cannot be chosen.
    assert propose_move(admin, client, outsider).status_code == 200
    assert not StaffProposal.objects.exists()


def test_one_pending_move_per_client_and_only_to_an_active_therapist(
    admin, client, other_therapist, supervisor, therapist
):
    propose_move(admin, client, therapist)  # already theirs
    assert not StaffProposal.objects.exists()
    other_therapist.is_active = False
    other_therapist.save()
    propose_move(admin, client, other_therapist)
    assert not StaffProposal.objects.exists()
    propose_move(admin, client, supervisor)
    propose_move(admin, client, supervisor)
    assert StaffProposal.objects.count() == 1


def test_the_clients_page_offers_the_move_and_says_when_one_waits(
    admin, client, other_therapist
):
    page = browser(admin).get(reverse("clinic:manage_clients")).content.decode()
    assert reverse("clinic:client_move_propose", args=[client.pk]) in page
    form = browser(admin).get(reverse("clinic:client_move_propose", args=[client.pk]))
    assert form.status_code == 200
    assert other_therapist.full_name in form.content.decode()
    assert f'value="{client.therapist_id}"' not in form.content.decode()
    propose_move(admin, client, other_therapist)
    page = browser(admin).get(reverse("clinic:manage_clients")).content.decode()
    assert "awaiting a second admin" in page
    staff = browser(admin).get(reverse("clinic:staff_list")).content.decode()
    assert f"Move client {client.code}" in staff
