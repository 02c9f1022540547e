"""Django admin is the operator's tool: superusers only.

A clinic admin (the *role*) configures the clinic on Between's own pages and
must never reach Django admin.  The operator looks after accounts there, and
only in ways that cannot let them sign in as someone else: what the pages
show is tested in tests/clinic/test_operator_admin_metadata_only.py.
"""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client as HttpClient
from django.urls import reverse

from clinic.models import AuditAction, AuditEvent, User
from tests.factories import UserFactory

PAGES = [
    "admin:index",
    "admin:clinic_client_changelist",
    "admin:clinic_user_changelist",
]


@pytest.fixture
def superuser(db):
    return UserFactory(email="operator@example.test", is_staff=True, is_superuser=True)


@pytest.fixture
def staff(db):
    """Staff with every model permission, but not a superuser."""
    user = UserFactory(email="staff@example.test", is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    return user


@pytest.mark.parametrize("page", PAGES)
def test_a_superuser_reaches_django_admin(login, superuser, page):
    assert login(superuser).get(reverse(page)).status_code == 200


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["admin", "staff", "therapist", "supervisor"])
def test_nobody_else_reaches_django_admin(request, login, page, who):
    person = request.getfixturevalue(who)
    response = login(person).get(reverse(page))
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_is_sent_to_a_login_page(http):
    response = http.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_clinic_admin_cannot_change_a_client_through_django_admin(
    login, admin, client
):
    url = reverse("admin:clinic_client_change", args=[client.pk])
    response = login(admin).post(url, {"code": "CHANGED"})
    assert response.status_code in (302, 403)
    client.refresh_from_db()
    assert client.code == "RS-001"


def test_audit_events_are_read_only_even_for_the_operator(login, superuser):
    assert (
        login(superuser).get(reverse("admin:clinic_auditevent_add")).status_code == 403
    )


def test_the_admin_login_form_cannot_skip_the_second_factor(
    http, superuser, password, settings
):
    """Signing in on /admin/login/ must go through allauth (and its MFA stage)."""
    cache.clear()
    settings.MFA_REQUIRED = True
    TOTP.activate(superuser, generate_totp_secret())
    http.post(
        reverse("admin:login"),
        {"username": superuser.email, "password": password},
    )
    assert "_auth_user_id" not in http.session


# --- accounts: the one thing the operator changes -------------------------


def _user_page(user) -> str:
    return reverse("admin:clinic_user_change", args=[user.pk])


def test_the_operator_deactivates_an_account_through_the_service(
    login, superuser, therapist
):
    """Clearing the flag ends the person's open sessions and is audited."""
    elsewhere = HttpClient()
    elsewhere.force_login(therapist)
    http = login(superuser)

    response = http.post(_user_page(therapist), {"_save": "Save"})

    assert response.status_code == 302
    therapist.refresh_from_db()
    assert not therapist.is_active
    assert AuditEvent.objects.filter(
        actor=superuser,
        action=AuditAction.UPDATE,
        object_type="clinic.user",
        object_id=therapist.pk,
    ).exists()
    assert elsewhere.get(reverse("clinic:home")).status_code == 302


def test_the_operator_changes_no_address_name_or_role(login, superuser, therapist):
    before = (therapist.email, therapist.full_name, therapist.password)
    http = login(superuser)

    http.post(
        _user_page(therapist),
        {
            "email": "operator-mailbox@example.test",
            "full_name": "Someone Else",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "_save": "Save",
        },
    )

    therapist.refresh_from_db()
    assert (therapist.email, therapist.full_name, therapist.password) == before
    assert not therapist.is_staff
    assert not therapist.is_superuser


def test_the_operator_cannot_set_or_see_a_password(login, superuser, therapist):
    """Setting it would let them sign in as a therapist; the hash is a
    secret too."""
    http = login(superuser)
    password_page = reverse("admin:auth_user_password_change", args=[therapist.pk])
    before = therapist.password

    page = http.get(_user_page(therapist)).content.decode()
    refused = [
        http.get(password_page).status_code,
        http.post(
            password_page,
            {"password1": "operator-chosen-9", "password2": "operator-chosen-9"},
        ).status_code,
    ]

    assert refused == [403, 403]
    therapist.refresh_from_db()
    assert therapist.password == before
    assert before not in page
    assert password_page not in page


def test_a_new_account_gets_no_password_the_operator_knows(login, superuser):
    http = login(superuser)
    add = reverse("admin:clinic_user_add")

    form = http.get(add).content.decode()
    response = http.post(
        add, {"email": "new.therapist@example.test", "full_name": "New Therapist"}
    )

    assert 'name="password1"' not in form
    assert response.status_code == 302
    created = User.objects.get(email="new.therapist@example.test")
    assert not created.has_usable_password()


def test_a_password_reset_is_sent_to_the_accounts_own_address(
    login, superuser, therapist, mailoutbox
):
    before = therapist.password
    http = login(superuser)

    response = http.post(
        reverse("admin:clinic_user_changelist"),
        {"action": "send_password_reset", "_selected_action": [therapist.pk]},
    )

    assert response.status_code == 302
    assert [mail.to for mail in mailoutbox] == [[therapist.email]]
    therapist.refresh_from_db()
    assert therapist.password == before
