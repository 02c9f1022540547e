"""Session safety: idle timeout (sliding), deactivation ends sessions.

Expiry is real: the tests move a session's ``expire_date`` in the database,
which is exactly what Django's session backend consults on every request.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

import clinic.settings as project_settings
from clinic.models import AuditAction, AuditEvent
from clinic.services import user_deactivate


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def signed_in(user, password: str) -> HttpClient:
    http = HttpClient()
    response = http.post(
        reverse("account_login"), {"login": user.email, "password": password}
    )
    assert response.status_code == 302
    return http


def session_row(http: HttpClient) -> Session:
    return Session.objects.get(
        session_key=http.cookies[settings.SESSION_COOKIE_NAME].value
    )


def test_the_idle_timeout_defaults_to_thirty_minutes_and_is_the_session_age():
    if "SESSION_IDLE_MINUTES" not in os.environ:
        assert project_settings.SESSION_IDLE_MINUTES == 30
    minutes = project_settings.SESSION_IDLE_MINUTES
    assert project_settings.SESSION_COOKIE_AGE == minutes * 60
    assert project_settings.SESSION_SAVE_EVERY_REQUEST is True


def test_every_request_pushes_expiry_to_idle_minutes_from_now(therapist, password):
    http = signed_in(therapist, password)
    http.get(reverse("clinic:home"))
    expected = timezone.now() + dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    assert abs(session_row(http).expire_date - expected) < dt.timedelta(seconds=30)


def test_a_session_idle_for_longer_than_the_timeout_is_gone(therapist, password):
    http = signed_in(therapist, password)
    assert http.get(reverse("clinic:home")).status_code == 200
    row = session_row(http)
    row.expire_date = timezone.now() - dt.timedelta(seconds=1)
    row.save()

    response = http.get(reverse("clinic:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_session_used_within_the_timeout_keeps_living(therapist, password):
    http = signed_in(therapist, password)
    row = session_row(http)
    # Last used 29 minutes ago: one minute left.
    row.expire_date = timezone.now() + dt.timedelta(minutes=1)
    row.save()

    assert http.get(reverse("clinic:home")).status_code == 200

    renewed = session_row(http).expire_date
    assert renewed > timezone.now() + dt.timedelta(
        minutes=settings.SESSION_IDLE_MINUTES - 1
    )


def test_deactivating_a_user_ends_all_their_sessions(
    therapist, other_therapist, admin, password
):
    laptop = signed_in(therapist, password)
    phone = signed_in(therapist, password)
    colleague = signed_in(other_therapist, password)

    user_deactivate(actor=admin, user=therapist, now=timezone.now())

    for http in (laptop, phone):
        response = http.get(reverse("clinic:home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert colleague.get(reverse("clinic:home")).status_code == 200
    therapist.refresh_from_db()
    assert therapist.is_active is False
    assert AuditEvent.objects.filter(
        actor=admin,
        action=AuditAction.UPDATE,
        object_type="clinic.user",
        object_id=therapist.pk,
    ).exists()


def test_a_deactivated_user_cannot_sign_in_again(therapist, admin, password):
    user_deactivate(actor=admin, user=therapist, now=timezone.now())
    http = HttpClient()
    http.post(
        reverse("account_login"), {"login": therapist.email, "password": password}
    )
    assert http.get(reverse("clinic:home")).status_code == 302


def test_an_admin_of_another_clinic_cannot_deactivate(therapist, outsider, password):
    http = signed_in(therapist, password)
    with pytest.raises(PermissionDenied):
        user_deactivate(actor=outsider, user=therapist, now=timezone.now())
    therapist.refresh_from_db()
    assert therapist.is_active is True
    assert http.get(reverse("clinic:home")).status_code == 200


def test_a_therapist_cannot_deactivate_a_colleague(therapist, other_therapist):
    with pytest.raises(PermissionDenied):
        user_deactivate(actor=therapist, user=other_therapist, now=timezone.now())
