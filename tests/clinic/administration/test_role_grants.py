"""A role takes two clinic admins to give and one to take away.

Each way a single key-holder might give a role alone is tried through the
real pages: the proposer approving, the person approving their own grant,
an admin proposing for themselves, an admin of another clinic, a therapist,
and a hand-made POST naming another clinic's records.  None of them changes
anything.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from clinic.administration.staff import services as staff_services
from clinic.models import (
    AuditAction,
    AuditEvent,
    Membership,
    Role,
    StaffProposal,
    StaffProposalKind,
    StaffProposalStatus,
)
from clinic.refusals import Refused
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def browser(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def roles_of(user, clinic) -> set[str]:
    return set(
        Membership.objects.filter(user=user, clinic=clinic).values_list(
            "role", flat=True
        )
    )


def propose(actor, person, *roles: str):
    return browser(actor).post(
        reverse("clinic:staff_roles", args=[person.pk]), {"roles": list(roles)}
    )


def act(actor, name: str, proposal: StaffProposal):
    return browser(actor).post(reverse(f"clinic:{name}", args=[proposal.pk]))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def grant(person) -> StaffProposal:
    return StaffProposal.objects.get(person=person, kind=StaffProposalKind.GRANT)


@pytest.fixture
def admin3(clinic):
    user = UserFactory(email="admin3@example.test", full_name="Tia Third")
    MembershipFactory(user=user, clinic=clinic, role=Role.ADMIN)
    return user


@pytest.fixture
def proposed(admin, admin2, therapist):
    """The admin proposes the supervisor role for the therapist."""
    assert propose(admin, therapist, Role.SUPERVISOR).status_code == 302
    return grant(therapist)


# --- the rule, as each key-holder would break it ----------------------------------


def test_a_proposed_role_gives_nothing_yet(proposed, therapist, clinic):
    assert proposed.status == StaffProposalStatus.PENDING
    assert roles_of(therapist, clinic) == {Role.THERAPIST}


def test_the_proposer_cannot_approve_their_own_proposal(proposed, admin, therapist):
    response = act(admin, "staff_proposal_approve", proposed)
    assert response.status_code == 302
    assert any("second clinic admin" in text for text in messages_of(response))
    proposed.refresh_from_db()
    assert proposed.status == StaffProposalStatus.PENDING
    assert roles_of(therapist, proposed.clinic) == {Role.THERAPIST}


def test_nobody_approves_a_grant_to_themselves(admin, admin2, admin3, clinic):
    propose(admin, admin2, Role.SUPERVISOR)
    proposal = grant(admin2)

    act(admin2, "staff_proposal_approve", proposal)
    proposal.refresh_from_db()
    assert proposal.status == StaffProposalStatus.PENDING
    assert roles_of(admin2, clinic) == {Role.ADMIN}

    act(admin3, "staff_proposal_approve", proposal)
    proposal.refresh_from_db()
    assert proposal.status == StaffProposalStatus.APPROVED
    assert roles_of(admin2, clinic) == {Role.ADMIN, Role.SUPERVISOR}


def test_an_admin_cannot_propose_roles_for_themselves(admin, admin2, clinic):
    response = propose(admin, admin, Role.THERAPIST)
    assert response.status_code == 200
    assert "Nobody proposes roles for themselves" in response.content.decode()
    assert not StaffProposal.objects.exists()


def test_an_admin_of_another_clinic_is_told_nothing_exists(proposed, outsider):
    for name in (
        "staff_proposal_approve",
        "staff_proposal_decline",
        "staff_proposal_withdraw",
    ):
        assert act(outsider, name, proposed).status_code == 404, name
    proposed.refresh_from_db()
    assert proposed.status == StaffProposalStatus.PENDING


def test_a_therapist_cannot_approve(proposed, other_therapist, therapist):
    assert act(other_therapist, "staff_proposal_approve", proposed).status_code == 403
    assert act(therapist, "staff_proposal_approve", proposed).status_code == 403
    proposed.refresh_from_db()
    assert proposed.status == StaffProposalStatus.PENDING


def test_a_forged_post_naming_another_clinics_records_answers_404(
    admin, admin2, outsider, other_clinic
):
    """The admin names a proposal and a person of another clinic."""
    colleague = UserFactory()
    MembershipFactory(user=colleague, clinic=other_clinic, role=Role.THERAPIST)
    theirs = staff_services.role_grant_propose(
        actor=outsider,
        clinic=other_clinic,
        person=colleague,
        roles=[Role.SUPERVISOR],
        now=timezone.now(),
    )
    assert act(admin, "staff_proposal_approve", theirs).status_code == 404
    assert propose(admin, colleague, Role.ADMIN).status_code == 404
    for name in (
        "staff_role_revoke",
        "staff_deactivate",
        "staff_reactivate",
        "staff_authenticator_reset",
    ):
        response = browser(admin).post(
            reverse(f"clinic:{name}", args=[colleague.pk]), {"role": Role.THERAPIST}
        )
        assert response.status_code == 404, name
    theirs.refresh_from_db()
    assert theirs.status == StaffProposalStatus.PENDING
    assert roles_of(colleague, other_clinic) == {Role.THERAPIST}
    assert colleague.is_active


def test_the_database_refuses_an_approval_by_the_proposer(proposed, admin):
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffProposal.objects.filter(pk=proposed.pk).update(
            status=StaffProposalStatus.APPROVED,
            decided_by=admin,
            decided_at=timezone.now(),
        )


def test_a_proposal_of_someone_no_longer_an_admin_cannot_be_approved(
    proposed, admin, admin2, admin3, therapist, clinic
):
    browser(admin2).post(
        reverse("clinic:staff_role_revoke", args=[admin.pk]), {"role": Role.ADMIN}
    )
    # The admin held only the admin role: the page refuses to leave them none.
    assert roles_of(admin, clinic) == {Role.ADMIN}
    MembershipFactory(user=admin, clinic=clinic, role=Role.THERAPIST)
    browser(admin2).post(
        reverse("clinic:staff_role_revoke", args=[admin.pk]), {"role": Role.ADMIN}
    )
    assert roles_of(admin, clinic) == {Role.THERAPIST}

    response = act(admin3, "staff_proposal_approve", proposed)

    assert any("no longer administers" in text for text in messages_of(response))
    assert roles_of(therapist, clinic) == {Role.THERAPIST}


# --- approving, declining, withdrawing --------------------------------------------


def test_the_second_admins_approval_grants_the_role_and_tells_the_person(
    proposed, admin2, therapist, clinic, committed
):
    before = AuditEvent.objects.count()
    committed(lambda: act(admin2, "staff_proposal_approve", proposed))

    assert roles_of(therapist, clinic) == {Role.THERAPIST, Role.SUPERVISOR}
    membership = Membership.objects.get(user=therapist, role=Role.SUPERVISOR)
    events = list(
        AuditEvent.objects.order_by("pk")[before:].values_list(
            "actor_id", "action", "object_type", "object_id"
        )
    )
    assert events == [
        (admin2.pk, AuditAction.UPDATE, "clinic.staffproposal", proposed.pk),
        (admin2.pk, AuditAction.CREATE, "clinic.membership", membership.pk),
    ]
    assert [message.to for message in mail.outbox] == [[therapist.email]]
    assert "Therapist, Supervisor" in mail.outbox[0].body


def test_a_decided_proposal_is_not_decided_again(proposed, admin2, admin3):
    act(admin2, "staff_proposal_decline", proposed)
    response = act(admin3, "staff_proposal_approve", proposed)
    assert any("already declined" in text for text in messages_of(response))
    proposed.refresh_from_db()
    assert (proposed.status, proposed.decided_by) == (
        StaffProposalStatus.DECLINED,
        admin2,
    )


def test_declining_changes_nothing_and_tells_the_proposer(
    proposed, admin, admin2, therapist, clinic, committed
):
    committed(lambda: act(admin2, "staff_proposal_decline", proposed))
    proposed.refresh_from_db()
    assert proposed.status == StaffProposalStatus.DECLINED
    assert roles_of(therapist, clinic) == {Role.THERAPIST}
    assert [message.to for message in mail.outbox] == [[admin.email]]
    assert AuditEvent.objects.filter(
        actor=admin2,
        action=AuditAction.UPDATE,
        object_type="clinic.staffproposal",
        object_id=proposed.pk,
    ).exists()


def test_only_the_proposer_withdraws(proposed, admin, admin2):
    act(admin2, "staff_proposal_withdraw", proposed)
    proposed.refresh_from_db()
    assert proposed.status == StaffProposalStatus.PENDING

    act(admin, "staff_proposal_decline", proposed)
    proposed.refresh_from_db()
    assert proposed.status == StaffProposalStatus.PENDING

    act(admin, "staff_proposal_withdraw", proposed)
    proposed.refresh_from_db()
    assert (proposed.status, proposed.decided_by) == (
        StaffProposalStatus.WITHDRAWN,
        admin,
    )


def test_one_grant_per_person_waits_at_a_time(proposed, admin2, therapist):
    response = propose(admin2, therapist, Role.ADMIN)
    assert response.status_code == 200
    assert "already awaits a second clinic admin" in response.content.decode()
    assert StaffProposal.objects.filter(person=therapist).count() == 1


def test_roles_already_held_are_not_offered_or_proposed(admin, admin2, supervisor):
    page = browser(admin).get(reverse("clinic:staff_roles", args=[supervisor.pk]))
    offered = [value for value, _ in page.context["form"].fields["roles"].choices]
    assert offered == [Role.ADMIN]
    with pytest.raises(Refused, match="holds these roles already"):
        staff_services.role_grant_propose(
            actor=admin,
            clinic=supervisor.memberships.first().clinic,
            person=supervisor,
            roles=[Role.SUPERVISOR],
            now=timezone.now(),
        )


def test_every_other_admin_hears_of_a_proposal_but_not_its_subject(
    admin, admin2, admin3, committed
):
    committed(lambda: propose(admin, admin2, Role.THERAPIST))
    assert [message.to for message in mail.outbox] == [[admin3.email]]


# --- taking a role away: one person, at once ----------------------------------------


def test_a_role_is_removed_at_once_by_one_admin(admin, supervisor, clinic, committed):
    membership = Membership.objects.get(user=supervisor, role=Role.SUPERVISOR)
    response = committed(
        lambda: browser(admin).post(
            reverse("clinic:staff_role_revoke", args=[supervisor.pk]),
            {"role": Role.SUPERVISOR},
        )
    )
    assert response.status_code == 302
    assert roles_of(supervisor, clinic) == {Role.THERAPIST}
    assert AuditEvent.objects.filter(
        actor=admin,
        action=AuditAction.DELETE,
        object_type="clinic.membership",
        object_id=membership.pk,
    ).exists()
    assert [message.to for message in mail.outbox] == [[supervisor.email]]
    assert "are now: Therapist." in mail.outbox[0].body


def test_a_persons_last_role_stays_and_the_account_is_deactivated_instead(
    admin, therapist, clinic
):
    response = browser(admin).post(
        reverse("clinic:staff_role_revoke", args=[therapist.pk]),
        {"role": Role.THERAPIST},
    )
    assert any("deactivate the account" in text for text in messages_of(response))
    assert roles_of(therapist, clinic) == {Role.THERAPIST}


def test_the_clinic_keeps_a_clinic_admin(admin, clinic):
    MembershipFactory(user=admin, clinic=clinic, role=Role.THERAPIST)
    response = browser(admin).post(
        reverse("clinic:staff_role_revoke", args=[admin.pk]), {"role": Role.ADMIN}
    )
    assert any("at least one active clinic admin" in t for t in messages_of(response))
    assert roles_of(admin, clinic) == {Role.ADMIN, Role.THERAPIST}


def test_a_role_not_held_or_not_a_role_changes_nothing(admin, therapist, clinic):
    for role in (Role.ADMIN, "owner", ""):
        response = browser(admin).post(
            reverse("clinic:staff_role_revoke", args=[therapist.pk]), {"role": role}
        )
        assert response.status_code == 302, role
    assert roles_of(therapist, clinic) == {Role.THERAPIST}
