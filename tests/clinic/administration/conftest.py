"""The staff tests' cast: a second clinic admin of the clinic, and the ways a
person signs in and enrols an authenticator through the real pages."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.core.cache import cache
from django.test import Client as HttpClient
from django.urls import reverse

from clinic.models import Role
from tests.factories import MembershipFactory, UserFactory

LINK = re.compile(r"https?://[^/\s]+(/welcome/[A-Za-z0-9_-]+/)")


@pytest.fixture
def admin2(clinic):
    """The clinic's second clinic admin."""
    user = UserFactory(email="admin2@example.test", full_name="Abe Second")
    MembershipFactory(user=user, clinic=clinic, role=Role.ADMIN)
    return user


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED = True


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth's rate limits and TOTP replay guard live in the cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a request leaves for after its commit (the e-mails), as the
    test's own transaction never commits."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def sign_in(http: HttpClient, email: str, password: str):
    return http.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR="127.0.0.1",
    )


def current_totp(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def link_in(message: mail.EmailMessage) -> str:
    """The path of the one welcome link an e-mail holds."""
    found = LINK.findall(message.body)
    assert len(found) == 1, message.body
    return found[0]


def enrol_totp(http: HttpClient, password: str):
    """Through allauth's page: confirm the password, scan, give a code."""
    asked = http.get(reverse("mfa_activate_totp"))
    if asked.status_code == 302 and asked["Location"].startswith(
        reverse("account_reauthenticate")
    ):
        confirmed = http.post(reverse("account_reauthenticate"), {"password": password})
        assert confirmed.status_code == 302, confirmed.status_code
        asked = http.get(reverse("mfa_activate_totp"))
    assert asked.status_code == 200, asked.status_code
    secret = http.session["mfa.totp.secret"]
    return http.post(reverse("mfa_activate_totp"), {"code": current_totp(secret)})
