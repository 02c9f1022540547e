"""Django admin is the operator's tool: superusers only.

A clinic admin (the *role*) configures the clinic on Between's own pages and
must never reach Django admin, where clinical records would be one click away.
"""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.urls import reverse

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
