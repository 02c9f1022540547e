"""Deactivating an account takes one clinic admin and ends its sessions;
reactivating it takes two.  Resetting an authenticator removes it with its
recovery codes and sends a new one-time link.  Each is audited and told to
the person by e-mail."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse

from clinic.models import (
    AuditAction,
    AuditEvent,
    EnrolmentLink,
    StaffProposal,
    StaffProposalKind,
    StaffProposalStatus,
)
from tests.clinic.administration.conftest import link_in, sign_in

pytestmark = pytest.mark.django_db


def browser(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def post(user, name: str, person):
    return browser(user).post(reverse(f"clinic:{name}", args=[person.pk]))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def events_since(after: int) -> list[tuple]:
    return list(
        AuditEvent.objects.filter(pk__gt=after)
        .order_by("pk")
        .values_list("actor_id", "action", "object_type", "object_id")
    )


def last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def deactivated(admin, therapist, committed):
    committed(lambda: post(admin, "staff_deactivate", therapist))
    therapist.refresh_from_db()
    return therapist


# --- deactivation -----------------------------------------------------------------


def test_deactivation_ends_the_sessions_and_the_signing_in(
    admin, therapist, password, committed
):
    theirs = HttpClient()
    sign_in(theirs, therapist.email, password)
    assert theirs.get(reverse("clinic:home")).status_code == 200
    before = last_event()

    response = committed(lambda: post(admin, "staff_deactivate", therapist))

    assert response.status_code == 302
    therapist.refresh_from_db()
    assert not therapist.is_active
    assert theirs.get(reverse("clinic:home"))["Location"].startswith(
        reverse("account_login")
    )
    again = HttpClient()
    sign_in(again, therapist.email, password)
    assert "_auth_user_id" not in again.session
    assert events_since(before) == [
        (admin.pk, AuditAction.UPDATE, "clinic.user", therapist.pk)
    ]
    assert [message.to for message in mail.outbox] == [[therapist.email]]
    assert "deactivated" in mail.outbox[0].subject


def test_nobody_deactivates_their_own_account(admin):
    response = post(admin, "staff_deactivate", admin)
    assert any("their own account" in text for text in messages_of(response))
    admin.refresh_from_db()
    assert admin.is_active


def test_a_deactivated_account_is_not_deactivated_twice(deactivated, admin):
    before = last_event()
    response = post(admin, "staff_deactivate", deactivated)
    assert any("already deactivated" in text for text in messages_of(response))
    assert events_since(before) == []


# --- reactivation takes two ---------------------------------------------------------


def test_reactivation_is_a_proposal_until_a_second_admin_approves(
    deactivated, admin, admin2, password, committed
):
    before = last_event()
    post(admin, "staff_reactivate", deactivated)
    proposal = StaffProposal.objects.get(
        person=deactivated, kind=StaffProposalKind.REACTIVATE
    )
    deactivated.refresh_from_db()
    assert not deactivated.is_active

    browser(admin).post(reverse("clinic:staff_proposal_approve", args=[proposal.pk]))
    deactivated.refresh_from_db()
    assert not deactivated.is_active
    mail.outbox.clear()

    committed(
        lambda: browser(admin2).post(
            reverse("clinic:staff_proposal_approve", args=[proposal.pk])
        )
    )

    deactivated.refresh_from_db()
    proposal.refresh_from_db()
    assert deactivated.is_active
    assert (proposal.status, proposal.decided_by) == (
        StaffProposalStatus.APPROVED,
        admin2,
    )
    assert events_since(before) == [
        (admin.pk, AuditAction.CREATE, "clinic.staffproposal", proposal.pk),
        (admin2.pk, AuditAction.UPDATE, "clinic.staffproposal", proposal.pk),
        (admin2.pk, AuditAction.UPDATE, "clinic.user", deactivated.pk),
    ]
    assert [message.to for message in mail.outbox] == [[deactivated.email]]
    http = HttpClient()
    sign_in(http, deactivated.email, password)
    assert http.session["_auth_user_id"] == str(deactivated.pk)


def test_an_active_account_is_not_proposed_for_reactivation(admin, therapist):
    response = post(admin, "staff_reactivate", therapist)
    assert any("is active" in text for text in messages_of(response))
    assert not StaffProposal.objects.exists()


def test_a_declined_reactivation_leaves_the_account_deactivated(
    deactivated, admin, admin2
):
    post(admin, "staff_reactivate", deactivated)
    proposal = StaffProposal.objects.get(person=deactivated)
    browser(admin2).post(reverse("clinic:staff_proposal_decline", args=[proposal.pk]))
    deactivated.refresh_from_db()
    assert not deactivated.is_active


# --- resetting an authenticator -------------------------------------------------------


@pytest.fixture
def enrolled(therapist):
    secret = generate_totp_secret()
    TOTP.activate(therapist, secret)
    RecoveryCodes.activate(therapist)
    return secret


def test_a_reset_removes_the_authenticator_and_codes_and_sends_a_link(
    enrolled, admin, therapist, committed
):
    authenticators = list(Authenticator.objects.filter(user=therapist).order_by("pk"))
    before = last_event()

    committed(lambda: post(admin, "staff_authenticator_reset", therapist))

    assert not Authenticator.objects.filter(user=therapist).exists()
    link = EnrolmentLink.objects.get(user=therapist)
    assert events_since(before) == [
        *[
            (admin.pk, AuditAction.DELETE, "mfa.authenticator", a.pk)
            for a in authenticators
        ],
        (admin.pk, AuditAction.CREATE, "clinic.enrolmentlink", link.pk),
    ]
    (message,) = mail.outbox
    assert message.to == [therapist.email]
    assert "new link to set up your authenticator" in message.body
    assert link_in(message).startswith("/welcome/")
    assert enrolled not in message.body


def test_the_staff_page_offers_a_reset_but_never_shows_a_secret(
    enrolled, admin, therapist
):
    page = browser(admin).get(reverse("clinic:staff_list")).content.decode()
    assert "Reset authenticator" in page
    assert enrolled not in page
    assert "fernet:" not in page


def test_nobody_resets_their_own_authenticator(admin):
    TOTP.activate(admin, generate_totp_secret())
    response = post(admin, "staff_authenticator_reset", admin)
    assert any("Another clinic admin" in text for text in messages_of(response))
    assert Authenticator.objects.filter(user=admin).exists()
    assert not EnrolmentLink.objects.exists()


def test_a_deactivated_account_is_sent_no_link(deactivated, admin):
    response = post(admin, "staff_authenticator_reset", deactivated)
    assert any("Reactivate the account" in text for text in messages_of(response))
    assert not EnrolmentLink.objects.exists()
