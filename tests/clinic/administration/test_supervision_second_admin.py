"""A second clinic admin may approve a proposed supervision link in place of
the supervisee's acceptance: not the admin who proposed it, and nobody who
is part of it.  The supervisee is told by e-mail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from clinic import access
from clinic.administration import services as admin_services
from clinic.models import (
    AuditAction,
    AuditEvent,
    Membership,
    Role,
    Supervision,
    SupervisionProposal,
)
from tests.factories import ClientFactory, SupervisionFactory, UserFactory

pytestmark = pytest.mark.django_db

STARTED_ON = dt.date(2026, 3, 2)


def browser(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def approve(user, link: Supervision):
    return browser(user).post(reverse("clinic:supervision_approve", args=[link.pk]))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


@pytest.fixture
def new_supervisor(clinic):
    user = UserFactory(full_name="Nia Newlink")
    Membership.objects.create(user=user, clinic=clinic, role=Role.SUPERVISOR)
    return user


@pytest.fixture
def proposed(admin, admin2, clinic, new_supervisor, other_therapist) -> Supervision:
    """The admin proposes, through the page, that the new supervisor supervise
    the other therapist."""
    browser(admin).post(
        reverse("clinic:supervision_new"),
        {
            "supervisor": new_supervisor.pk,
            "supervisee": other_therapist.pk,
            "started_on": STARTED_ON.isoformat(),
        },
    )
    return Supervision.objects.get(supervisor=new_supervisor)


def test_the_proposal_records_who_proposed_it(proposed, admin):
    assert proposed.proposal.proposed_by == admin
    assert proposed.accepted_at is None


def test_a_second_admins_approval_puts_the_link_in_force(
    proposed, admin2, new_supervisor, other_therapist, committed
):
    client = ClientFactory(clinic=proposed.clinic, therapist=other_therapist)

    response = committed(lambda: approve(admin2, proposed))

    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.accepted_at is not None
    assert proposed.proposal.approved_by == admin2
    today = timezone.localdate()
    assert list(access.readable_clients(new_supervisor, on=today)) == [client]
    assert AuditEvent.objects.filter(
        actor=admin2,
        action=AuditAction.UPDATE,
        object_type="clinic.supervision",
        object_id=proposed.pk,
    ).exists()
    (message,) = mail.outbox
    assert message.to == [other_therapist.email]
    assert new_supervisor.full_name in message.body
    assert client.code not in message.body


def test_the_proposer_cannot_approve(proposed, admin, new_supervisor):
    response = approve(admin, proposed)
    assert any("whoever proposed it" in text for text in messages_of(response))
    proposed.refresh_from_db()
    assert proposed.accepted_at is None
    assert not access.readable_clients(new_supervisor, on=timezone.localdate())


def test_the_supervisor_as_an_admin_cannot_approve_their_own_link(
    proposed, clinic, new_supervisor
):
    Membership.objects.create(user=new_supervisor, clinic=clinic, role=Role.ADMIN)
    response = approve(new_supervisor, proposed)
    assert any("part of" in text for text in messages_of(response))
    proposed.refresh_from_db()
    assert proposed.accepted_at is None


def test_the_supervisee_as_an_admin_still_accepts_on_the_home_page_only(
    proposed, clinic, other_therapist
):
    Membership.objects.create(user=other_therapist, clinic=clinic, role=Role.ADMIN)
    response = approve(other_therapist, proposed)
    assert any("part of" in text for text in messages_of(response))
    proposed.refresh_from_db()
    assert proposed.accepted_at is None


def test_an_admin_of_another_clinic_and_a_therapist_are_refused(
    proposed, outsider, therapist
):
    assert approve(outsider, proposed).status_code == 404
    assert approve(therapist, proposed).status_code == 403
    proposed.refresh_from_db()
    assert proposed.accepted_at is None


def test_a_link_already_accepted_is_not_approved_again(
    proposed, admin2, other_therapist
):
    browser(other_therapist).post(
        reverse("clinic:supervision_accept", args=[proposed.pk])
    )
    before = AuditEvent.objects.count()
    response = approve(admin2, proposed)
    assert any("already agreed" in text for text in messages_of(response))
    assert AuditEvent.objects.count() == before
    assert proposed.proposal.approved_by is None


def test_a_link_whose_proposer_is_unknown_waits_for_the_supervisee(
    admin2, clinic, new_supervisor, other_therapist
):
    link = SupervisionFactory(
        clinic=clinic,
        supervisor=new_supervisor,
        supervisee=other_therapist,
        accepted_at=None,
    )
    with pytest.raises(admin_services.LinkApprovalRefused, match="only the supervisee"):
        admin_services.supervision_link_approve(
            actor=admin2, link=link, now=timezone.now()
        )


def test_the_list_offers_the_approval_only_to_who_may_give_it(proposed, admin, admin2):
    button = "Approve as second admin"
    assert (
        button
        not in browser(admin).get(reverse("clinic:supervision_list")).content.decode()
    )
    assert (
        button
        in browser(admin2).get(reverse("clinic:supervision_list")).content.decode()
    )


def test_declining_a_link_removes_its_proposal_too(proposed, other_therapist):
    browser(other_therapist).post(
        reverse("clinic:supervision_decline", args=[proposed.pk])
    )
    assert not SupervisionProposal.objects.filter(link_id=proposed.pk).exists()
