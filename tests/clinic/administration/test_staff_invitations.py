"""The staff page, and a new person's way in: one clinic admin proposes the
invitation, a second approves it, and only then is the account made and a
one-time link sent; the link sets the first password, once, and then opens
nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.administration.staff import enrolment
from clinic.administration.staff import services as staff_services
from clinic.models import (
    AuditAction,
    AuditEvent,
    EnrolmentLink,
    Membership,
    Role,
    StaffProposal,
    StaffProposalStatus,
    User,
)
from tests.clinic.administration.conftest import link_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Quiet-harbour-lantern-42"


def browser(user=None) -> HttpClient:
    http = HttpClient()
    if user is not None:
        http.force_login(user)
    return http


def invite(http: HttpClient, **fields):
    data = {
        "full_name": "Nora Newcomer",
        "email": "Nora@Example.test",
        "roles": [Role.THERAPIST, Role.SUPERVISOR],
        **fields,
    }
    return http.post(reverse("clinic:staff_invite"), data)


def pending_invitation() -> StaffProposal:
    return StaffProposal.objects.get(email="nora@example.test")


def approve(user, proposal: StaffProposal):
    return browser(user).post(
        reverse("clinic:staff_proposal_approve", args=[proposal.pk])
    )


def events_since(after: int) -> list[tuple]:
    return list(
        AuditEvent.objects.filter(pk__gt=after)
        .order_by("pk")
        .values_list("actor_id", "action", "object_type", "object_id")
    )


def last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def invited(admin, admin2, committed):
    """Nora's invitation, proposed by the admin and approved by the second
    admin; her welcome e-mail is the last one sent."""
    invite(browser(admin))
    committed(lambda: approve(admin2, pending_invitation()))
    return User.objects.get(email="nora@example.test")


# --- the staff page -------------------------------------------------------------


def test_the_staff_page_lists_each_person_with_roles_account_and_authenticator(
    admin, therapist, supervisor
):
    secret = generate_totp_secret()
    TOTP.activate(therapist, secret)
    supervisor.is_active = False
    supervisor.save()

    response = browser(admin).get(reverse("clinic:staff_list"))

    assert response.status_code == 200
    rows = {row.person.email: row for row in response.context["rows"]}
    assert set(rows) == {admin.email, therapist.email, supervisor.email}
    assert rows[therapist.email].has_authenticator is True
    assert rows[supervisor.email].has_authenticator is False
    assert rows[supervisor.email].roles == [Role.THERAPIST, Role.SUPERVISOR]
    page = response.content.decode()
    assert therapist.full_name in page and therapist.email in page
    assert "deactivated" in page
    assert secret not in page


def test_the_staff_page_shows_no_one_of_another_clinic(admin, outsider):
    page = browser(admin).get(reverse("clinic:staff_list")).content.decode()
    assert outsider.email not in page


def test_the_staff_page_costs_the_same_queries_however_many_people(admin, clinic):
    def count() -> int:
        http = browser(admin)
        http.get(reverse("clinic:staff_list"))  # warm the session
        with CaptureQueriesContext(connection) as queries:
            assert http.get(reverse("clinic:staff_list")).status_code == 200
        return len(queries.captured_queries)

    few = count()
    for _ in range(5):
        person = UserFactory()
        MembershipFactory(user=person, clinic=clinic, role=Role.THERAPIST)
        TOTP.activate(person, generate_totp_secret())
        staff_services.role_grant_propose(
            actor=admin,
            clinic=clinic,
            person=person,
            roles=[Role.SUPERVISOR],
            now=timezone.now(),
        )
    assert count() == few


def test_clinic_admins_find_the_staff_page_in_the_administration_tabs(admin):
    page = browser(admin).get(reverse("clinic:absence_list")).content.decode()
    assert f'href="{reverse("clinic:staff_list")}"' in page


# --- proposing and approving an invitation ---------------------------------------


def test_an_invitation_creates_nothing_until_a_second_admin_approves(
    admin, admin2, committed
):
    before = last_event()
    response = committed(lambda: invite(browser(admin)))

    assert response.status_code == 302
    proposal = pending_invitation()
    assert proposal.status == StaffProposalStatus.PENDING
    assert proposal.roles == [Role.THERAPIST, Role.SUPERVISOR]
    assert not User.objects.filter(email="nora@example.test").exists()
    assert events_since(before) == [
        (admin.pk, AuditAction.CREATE, "clinic.staffproposal", proposal.pk)
    ]
    # The second admin is told that a change waits; nobody else is.
    assert [message.to for message in mail.outbox] == [[admin2.email]]
    assert "awaits a second clinic admin" in mail.outbox[0].subject


def test_the_proposer_cannot_approve_their_own_invitation(admin, admin2):
    invite(browser(admin))
    proposal = pending_invitation()

    response = approve(admin, proposal)

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == StaffProposalStatus.PENDING
    assert not User.objects.filter(email="nora@example.test").exists()
    page = browser(admin).get(reverse("clinic:staff_list")).content.decode()
    assert "Withdraw" in page


def test_the_second_admins_approval_opens_the_account_and_sends_a_link(
    admin, admin2, clinic, committed
):
    invite(browser(admin))
    proposal = pending_invitation()
    mail.outbox.clear()
    before = last_event()

    committed(lambda: approve(admin2, proposal))

    person = User.objects.get(email="nora@example.test")
    assert person.full_name == "Nora Newcomer"
    assert person.is_active and not person.has_usable_password()
    assert set(
        Membership.objects.filter(user=person, clinic=clinic).values_list(
            "role", flat=True
        )
    ) == {Role.THERAPIST, Role.SUPERVISOR}
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.person) == (
        StaffProposalStatus.APPROVED,
        admin2,
        person,
    )
    link = EnrolmentLink.objects.get(user=person)
    memberships = Membership.objects.filter(user=person).order_by("pk")
    assert events_since(before) == [
        (admin2.pk, AuditAction.CREATE, "clinic.user", person.pk),
        (admin2.pk, AuditAction.UPDATE, "clinic.staffproposal", proposal.pk),
        *[
            (admin2.pk, AuditAction.CREATE, "clinic.membership", m.pk)
            for m in memberships
        ],
        (admin2.pk, AuditAction.CREATE, "clinic.enrolmentlink", link.pk),
    ]
    (message,) = mail.outbox
    assert message.to == [person.email]
    path = link_in(message)
    token = path.removeprefix("/welcome/").rstrip("/")
    # Only a digest of the token is kept.
    assert link.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert not EnrolmentLink.objects.filter(token_sha256=token).exists()
    assert link.expires_at - link.created_at == dt.timedelta(days=7)


def test_an_address_that_has_an_account_cannot_be_invited(admin, therapist):
    response = invite(browser(admin), email=therapist.email.upper())
    assert response.status_code == 200
    assert "already belongs to an account" in response.content.decode()
    assert not StaffProposal.objects.exists()


def test_the_same_address_is_not_invited_twice_at_once(admin):
    invite(browser(admin))
    response = invite(browser(admin), full_name="Nora Again")
    assert response.status_code == 200
    assert "already awaits a second clinic admin" in response.content.decode()
    assert StaffProposal.objects.count() == 1


# --- the welcome link -------------------------------------------------------------


def test_the_link_sets_the_first_password_once(invited, committed):
    path = link_in(mail.outbox[-1])
    http = browser()
    page = http.get(path)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    assert invited.full_name in page.content.decode()
    before = last_event()

    response = http.post(
        path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD)
    link = EnrolmentLink.objects.get(user=invited)
    assert link.used_at is not None
    assert events_since(before) == [
        (invited.pk, AuditAction.UPDATE, "clinic.enrolmentlink", link.pk)
    ]
    assert http.session[enrolment.SESSION_KEY] == link.pk
    # Used once: it opens nothing any more, for anyone.
    assert http.get(path).status_code == 404
    assert browser().get(path).status_code == 404


def test_a_weak_password_is_refused_and_the_link_stays_unused(invited):
    path = link_in(mail.outbox[-1])
    response = browser().post(
        path, {"new_password1": "short", "new_password2": "short"}
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    invited.refresh_from_db()
    assert not invited.has_usable_password()
    assert EnrolmentLink.objects.get(user=invited).used_at is None


def test_an_expired_link_opens_nothing(invited):
    path = link_in(mail.outbox[-1])
    link = EnrolmentLink.objects.get(user=invited)
    EnrolmentLink.objects.filter(pk=link.pk).update(
        created_at=link.created_at - dt.timedelta(days=8),
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    assert browser().get(path).status_code == 404
    assert browser().post(path, {}).status_code == 404


def test_a_forged_token_opens_nothing(invited):
    path = link_in(mail.outbox[-1])
    token = path.removeprefix("/welcome/").rstrip("/")
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x", token * 2):
        assert browser().get(f"/welcome/{forged}/").status_code == 404, forged
    assert browser().get(reverse("clinic:welcome", args=["a" * 64])).status_code == 404


def test_a_newer_link_retires_the_earlier_one(invited, admin, clinic, committed):
    first = link_in(mail.outbox[-1])
    committed(
        lambda: browser(admin).post(
            reverse("clinic:staff_authenticator_reset", args=[invited.pk])
        )
    )
    second = link_in(mail.outbox[-1])

    assert first != second
    assert browser().get(first).status_code == 404
    assert browser().get(second).status_code == 200
    # A person who never set a password is sent the invitation again.
    assert "choose your password" in mail.outbox[-1].body


def test_someone_else_signed_in_cannot_use_the_link(invited, therapist):
    path = link_in(mail.outbox[-1])
    assert browser(therapist).get(path).status_code == 404
    assert (
        browser(therapist)
        .post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        .status_code
        == 404
    )
    invited.refresh_from_db()
    assert not invited.has_usable_password()


def test_the_link_of_a_deactivated_account_opens_nothing(invited, admin):
    path = link_in(mail.outbox[-1])
    browser(admin).post(reverse("clinic:staff_deactivate", args=[invited.pk]))
    assert browser().get(path).status_code == 404


def test_the_invitation_email_names_no_client_and_no_password(invited, client):
    message = mail.outbox[-1]
    assert client.code not in message.body
    assert client.preferred_name not in message.body
    assert "password" in message.body  # what to do, not a secret
    assert NEW_PASSWORD not in message.body
