"""With ``MFA_REQUIRED`` on, a first authenticator is enrolled only in a
session that came through the person's one-time link.

Someone who has the password but not the link (a guessed or reused password,
a colleague at an unlocked desk) must not be able to put their own
authenticator on the account: they get a page saying that the clinic admin
must send a new link, and allauth's enrolment stays closed to them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse

from clinic.administration.staff import enrolment
from clinic.models import EnrolmentLink, Role
from tests.clinic.administration.conftest import (
    current_totp,
    enrol_totp,
    link_in,
    sign_in,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Quiet-harbour-lantern-42"
LINK_NEEDED = reverse("clinic:enrolment_link_needed")


def totp_of(user) -> bool:
    return Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists()


def enrolled(user):
    """A clinic admin who enrolled long ago, as the admins acting here have."""
    if not totp_of(user):
        TOTP.activate(user, generate_totp_secret())
    return user


def invite_and_approve(admin, admin2, committed, email="nora@example.test"):
    enrolled(admin), enrolled(admin2)
    proposer, approver = HttpClient(), HttpClient()
    proposer.force_login(admin)
    approver.force_login(admin2)
    proposer.post(
        reverse("clinic:staff_invite"),
        {"full_name": "Nora Newcomer", "email": email, "roles": [Role.THERAPIST]},
    )
    proposal = admin.staff_proposals_made.get(email=email)
    committed(
        lambda: approver.post(
            reverse("clinic:staff_proposal_approve", args=[proposal.pk])
        )
    )
    return proposal.__class__.objects.get(pk=proposal.pk).person


def reset(admin, person, committed) -> str:
    http = HttpClient()
    http.force_login(enrolled(admin))
    committed(
        lambda: http.post(reverse("clinic:staff_authenticator_reset", args=[person.pk]))
    )
    return link_in(mail.outbox[-1])


def password_chosen(http: HttpClient, path: str) -> None:
    response = http.post(
        path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302, response.status_code


@pytest.fixture
def signed_in_without_link(mfa_required, therapist, password) -> HttpClient:
    http = HttpClient()
    assert sign_in(http, therapist.email, password).status_code == 302
    return http


# --- without the link ---------------------------------------------------------------


def test_without_a_link_every_page_leads_to_the_page_that_asks_for_one(
    signed_in_without_link, client
):
    http = signed_in_without_link
    for url in (
        reverse("clinic:home"),
        reverse("clinic:client", args=[client.pk]),
        reverse("clinic:staff_list"),
    ):
        response = http.get(url)
        assert (response.status_code, response["Location"]) == (302, LINK_NEEDED)
    page = http.get(LINK_NEEDED)
    assert page.status_code == 200
    text = page.content.decode()
    assert "clinic admin" in text and "new enrolment link" in text
    assert 'name="code"' not in text
    assert "mfa.totp.secret" not in http.session


def test_without_a_link_allauths_enrolment_is_closed(
    signed_in_without_link, therapist, password
):
    http = signed_in_without_link
    for name in ("mfa_activate_totp", "mfa_index", "account_reauthenticate"):
        response = http.get(reverse(name))
        assert (response.status_code, response["Location"]) == (302, LINK_NEEDED)
    forced = http.post(
        reverse("mfa_activate_totp"),
        {"code": current_totp(generate_totp_secret())},
    )
    assert forced["Location"] == LINK_NEEDED
    assert http.post(reverse("account_reauthenticate"), {"password": password})[
        "Location"
    ] == (LINK_NEEDED)
    assert not totp_of(therapist)


def test_without_a_link_one_can_still_sign_out(signed_in_without_link):
    http = signed_in_without_link
    response = http.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in http.session


# --- with the link ------------------------------------------------------------------


def test_someone_new_goes_from_the_invitation_to_an_authenticator(
    mfa_required, admin, admin2, committed
):
    person = invite_and_approve(admin, admin2, committed)
    http = HttpClient()
    password_chosen(http, link_in(mail.outbox[-1]))

    assert sign_in(http, person.email, NEW_PASSWORD).status_code == 302
    assert http.get(reverse("clinic:home"))["Location"] == reverse("mfa_activate_totp")
    enrolled = enrol_totp(http, NEW_PASSWORD)

    assert enrolled.status_code == 302
    assert set(
        Authenticator.objects.filter(user=person).values_list("type", flat=True)
    ) == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    assert http.get(reverse("clinic:home")).status_code == 200


def test_a_reset_link_lets_its_person_enrol_again_in_the_session_they_hold(
    mfa_required, admin, therapist, password, committed
):
    TOTP.activate(therapist, generate_totp_secret())
    http = HttpClient()
    http.force_login(therapist)
    assert http.get(reverse("clinic:home")).status_code == 200

    path = reset(admin, therapist, committed)

    assert not totp_of(therapist)
    assert http.get(reverse("clinic:home"))["Location"] == LINK_NEEDED
    page = http.get(path)
    assert page.status_code == 200
    assert 'name="new_password1"' not in page.content.decode()
    assert http.post(path)["Location"] == reverse("mfa_activate_totp")
    assert enrol_totp(http, password).status_code == 302
    assert totp_of(therapist)


def test_a_reset_link_opened_signed_out_leads_through_sign_in_to_enrolment(
    mfa_required, admin, therapist, password, committed
):
    path = reset(admin, therapist, committed)
    http = HttpClient()
    assert http.post(path)["Location"] == reverse("account_login")
    assert sign_in(http, therapist.email, password).status_code == 302
    assert http.get(reverse("clinic:home"))["Location"] == reverse("mfa_activate_totp")
    assert enrol_totp(http, password).status_code == 302
    assert totp_of(therapist)


def test_a_session_marked_by_one_persons_link_does_not_let_another_enrol(
    mfa_required, admin, admin2, therapist, password, committed
):
    invite_and_approve(admin, admin2, committed)
    http = HttpClient()
    password_chosen(http, link_in(mail.outbox[-1]))
    assert enrolment.SESSION_KEY in http.session

    sign_in(http, therapist.email, password)

    assert http.get(reverse("clinic:home"))["Location"] == LINK_NEEDED
    assert http.get(reverse("mfa_activate_totp"))["Location"] == LINK_NEEDED


def test_a_newer_link_closes_the_session_of_an_older_one(
    mfa_required, admin, therapist, password, committed
):
    http = HttpClient()
    http.post(reset(admin, therapist, committed))
    sign_in(http, therapist.email, password)
    assert http.get(reverse("clinic:home"))["Location"] == reverse("mfa_activate_totp")

    reset(admin, therapist, committed)

    assert http.get(reverse("clinic:home"))["Location"] == LINK_NEEDED


def test_the_session_may_enrol_only_for_a_while_after_the_link(
    mfa_required, admin, therapist, password, committed
):
    http = HttpClient()
    http.post(reset(admin, therapist, committed))
    sign_in(http, therapist.email, password)
    link = EnrolmentLink.objects.get(user=therapist)
    EnrolmentLink.objects.filter(pk=link.pk).update(
        used_at=link.used_at - enrolment.ENROLMENT_WINDOW - dt.timedelta(minutes=1)
    )
    assert http.get(reverse("clinic:home"))["Location"] == LINK_NEEDED


# --- who is not stopped -------------------------------------------------------------


def test_with_an_authenticator_nothing_is_in_the_way(mfa_required, therapist):
    TOTP.activate(therapist, generate_totp_secret())
    http = HttpClient()
    http.force_login(therapist)
    assert http.get(reverse("clinic:home")).status_code == 200


def test_without_mfa_required_the_demo_works_as_before(therapist, password):
    """``make run`` turns MFA_REQUIRED off: signing in opens the caseload, and
    a demo user may still enrol on the Two-factor page."""
    http = HttpClient()
    sign_in(http, therapist.email, password)
    assert http.get(reverse("clinic:home")).status_code == 200
    assert enrol_totp(http, password).status_code == 302
    assert totp_of(therapist)
