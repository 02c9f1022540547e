"""Sign-in through allauth's real forms: lockout, fixation, inactive users, MFA.

Every sign-in here POSTs to ``account_login`` exactly as a browser would, so
the tests exercise allauth, axes and our middleware together.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from axes.models import AccessAttempt, AccessAttemptExpiration
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

import clinic.settings as project_settings
from clinic.adapters import ENCRYPTED_PREFIX

WRONG = "not-the-password-42"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth's remaining rate limits and TOTP replay guard live in the cache."""
    cache.clear()
    yield
    cache.clear()


def sign_in(http: HttpClient, login: str, password: str, ip: str = "127.0.0.1"):
    return http.post(
        reverse("account_login"),
        {"login": login, "password": password},
        REMOTE_ADDR=ip,
    )


def signed_in_user_id(http: HttpClient) -> str | None:
    return http.session.get("_auth_user_id")


def reauthenticate(http: HttpClient, password: str) -> None:
    """allauth asks for the password again before any two-factor change."""
    response = http.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302


def current_totp(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    counter = counters[len(counters) // 2]  # now, whatever the tolerance
    return format_hotp_value(hotp_value(secret, counter))


# Lockout -------------------------------------------------------------------


def test_a_correct_password_signs_in_through_the_allauth_form(
    http, therapist, password
):
    response = sign_in(http, therapist.email, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:home")
    assert signed_in_user_id(http) == str(therapist.pk)


def test_five_failures_lock_the_address_from_this_ip_even_with_the_right_password(
    http, therapist, password
):
    for _ in range(4):
        response = sign_in(http, therapist.email, WRONG)
        assert response.status_code == 200
        assert response.context["form"].errors
    fifth = sign_in(http, therapist.email, WRONG)
    assert fifth.status_code == 429

    sixth = sign_in(http, therapist.email, password)

    assert sixth.status_code == 429
    assert b"Sign-in locked" in sixth.content
    assert signed_in_user_id(http) is None
    attempt = AccessAttempt.objects.get(ip_address="127.0.0.1")
    assert attempt.username == therapist.email
    assert attempt.failures_since_start >= 5


def test_changing_the_case_of_the_address_does_not_escape_the_lock(
    http, therapist, password
):
    for _ in range(5):
        sign_in(http, therapist.email, WRONG)
    response = sign_in(http, f"  {therapist.email.upper()} ", password)
    assert response.status_code == 429
    assert signed_in_user_id(http) is None


def test_the_lock_does_not_reach_another_ip(http, therapist, password):
    for _ in range(5):
        sign_in(http, therapist.email, WRONG, ip="10.0.0.1")
    response = sign_in(http, therapist.email, password, ip="10.0.0.2")
    assert response.status_code == 302
    assert signed_in_user_id(http) == str(therapist.pk)


def test_the_lock_does_not_reach_another_user_on_the_same_ip(
    http, therapist, other_therapist, password
):
    for _ in range(5):
        sign_in(http, therapist.email, WRONG)
    response = sign_in(http, other_therapist.email, password)
    assert response.status_code == 302
    assert signed_in_user_id(http) == str(other_therapist.pk)


def test_four_failures_do_not_lock_and_a_success_clears_the_count(
    http, therapist, password
):
    for _ in range(4):
        sign_in(http, therapist.email, WRONG)
    response = sign_in(http, therapist.email, password)
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=therapist.email).exists()


def test_axes_log_lines_carry_no_email_address(http, therapist, caplog):
    caplog.set_level("INFO")
    for _ in range(5):
        sign_in(http, therapist.email, WRONG)
    assert "AXES" in caplog.text
    assert therapist.email not in caplog.text
    assert "login-sha256=" in caplog.text


# Cool-off -----------------------------------------------------------------
#
# Time passes the way axes sees it: the lock's expiry, stored with the
# attempt, is moved into the past in the database.


def lock_out(http, login: str) -> object:
    for _ in range(5):
        response = sign_in(http, login, WRONG)
    assert response.status_code == 429
    return response


def lock_length() -> dt.timedelta:
    attempt = AccessAttempt.objects.select_related("expiration").get()
    return attempt.expiration.expires_at - attempt.attempt_time


def let_the_lock_expire() -> None:
    AccessAttemptExpiration.objects.update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )


def test_the_first_lock_lasts_the_base_cool_off_and_then_lifts(
    http, therapist, password
):
    assert settings.AXES_COOLOFF_MINUTES == 15
    page = lock_out(http, therapist.email)
    assert lock_length() == dt.timedelta(minutes=15)
    assert b"0:15:00" in page.content
    assert sign_in(http, therapist.email, password).status_code == 429

    let_the_lock_expire()

    assert sign_in(http, therapist.email, password).status_code == 302
    assert signed_in_user_id(http) == str(therapist.pk)


def test_each_further_lock_of_the_same_pair_lasts_twice_as_long(http, therapist):
    lock_out(http, therapist.email)
    let_the_lock_expire()

    page = lock_out(http, therapist.email)
    assert lock_length() == dt.timedelta(minutes=30)
    assert b"0:30:00" in page.content
    let_the_lock_expire()

    lock_out(http, therapist.email)
    assert lock_length() == dt.timedelta(minutes=60)


def test_the_doubling_is_capped_at_a_day(settings, http, therapist):
    settings.AXES_COOLOFF_MINUTES = 16 * 60
    lock_out(http, therapist.email)
    let_the_lock_expire()
    lock_out(http, therapist.email)
    assert lock_length() == dt.timedelta(hours=24)


def test_a_successful_sign_in_starts_the_doubling_again(http, therapist, password):
    lock_out(http, therapist.email)
    let_the_lock_expire()
    assert sign_in(http, therapist.email, password).status_code == 302
    http.logout()

    lock_out(http, therapist.email)

    assert lock_length() == dt.timedelta(minutes=15)


def test_another_pairs_lockouts_do_not_lengthen_this_one(
    http, therapist, other_therapist
):
    lock_out(http, other_therapist.email)
    let_the_lock_expire()
    lock_out(http, other_therapist.email)
    AccessAttempt.objects.all().delete()

    lock_out(http, therapist.email)

    assert lock_length() == dt.timedelta(minutes=15)


def test_a_long_lock_is_not_cleared_by_another_pairs_short_one(
    http, therapist, other_therapist, password
):
    lock_out(http, therapist.email)
    let_the_lock_expire()
    lock_out(http, therapist.email)  # 30 minutes
    AccessAttempt.objects.filter(username=therapist.email).update(
        attempt_time=timezone.now() - dt.timedelta(minutes=20)
    )

    # Another address fails from the same IP: axes cleans expired attempts.
    sign_in(http, other_therapist.email, WRONG)

    assert sign_in(http, therapist.email, password).status_code == 429


# Sessions ------------------------------------------------------------------


def test_signing_in_starts_a_new_session(http, therapist, password):
    anonymous = http.session
    anonymous["probe"] = "before sign-in"
    anonymous.save()
    before = anonymous.session_key

    sign_in(http, therapist.email, password)

    after = http.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert signed_in_user_id(http) == str(therapist.pk)


def test_an_inactive_user_cannot_sign_in(http, therapist, password):
    therapist.is_active = False
    therapist.save()
    response = sign_in(http, therapist.email, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_inactive")
    assert signed_in_user_id(http) is None
    assert http.get(reverse("clinic:home")).status_code == 302


# Passwords -----------------------------------------------------------------


def test_production_hashes_passwords_with_argon2(settings):
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    encoded = make_password("a-long-enough-password", hasher="argon2")
    assert encoded.startswith("argon2$")
    assert check_password("a-long-enough-password", encoded)


def test_a_new_password_shorter_than_twelve_characters_is_refused(
    http, therapist, password
):
    sign_in(http, therapist.email, password)
    response = http.post(
        reverse("account_change_password"),
        {
            "oldpassword": password,
            "password1": "Xq7!kz9#Lm2",
            "password2": "Xq7!kz9#Lm2",
        },
    )
    assert response.status_code == 200
    assert "at least 12 characters" in str(response.context["form"].errors)
    therapist.refresh_from_db()
    assert therapist.check_password(password)


def test_a_twelve_character_password_is_accepted(http, therapist, password):
    sign_in(http, therapist.email, password)
    response = http.post(
        reverse("account_change_password"),
        {
            "oldpassword": password,
            "password1": "Xq7!kz9#Lm2p",
            "password2": "Xq7!kz9#Lm2p",
        },
    )
    assert response.status_code == 302
    therapist.refresh_from_db()
    assert therapist.check_password("Xq7!kz9#Lm2p")


# Two-factor ----------------------------------------------------------------


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED = True


@pytest.mark.usefixtures("mfa_required")
def test_without_totp_every_app_page_asks_for_an_enrolment_link(
    http, therapist, client, password
):
    """Enrolment itself needs the one-time link (its own tests are in
    tests/clinic/administration/test_mfa_enrolment_binding.py)."""
    sign_in(http, therapist.email, password)
    needed = reverse("clinic:enrolment_link_needed")
    for url in (reverse("clinic:home"), reverse("clinic:client", args=[client.pk])):
        response = http.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == needed


@pytest.mark.usefixtures("mfa_required")
def test_enrolment_is_demanded_of_every_role(http, admin, password):
    sign_in(http, admin.email, password)
    response = http.get(reverse("clinic:manage_clients"))
    assert response["Location"] == reverse("clinic:enrolment_link_needed")


@pytest.mark.usefixtures("mfa_required")
def test_after_enrolling_through_allauths_api_the_caseload_opens(
    http, therapist, password
):
    sign_in(http, therapist.email, password)
    TOTP.activate(therapist, generate_totp_secret())
    response = http.get(reverse("clinic:home"))
    assert response.status_code == 200
    assert b"My clients" in response.content


@pytest.fixture
def enrolled(therapist) -> str:
    secret = generate_totp_secret()
    TOTP.activate(therapist, secret)
    return secret


def test_signing_in_with_totp_asks_for_the_code_before_letting_in(
    http, therapist, password, enrolled
):
    response = sign_in(http, therapist.email, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(http) is None
    assert http.get(reverse("clinic:home")).status_code == 302

    wrong = http.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert signed_in_user_id(http) is None

    done = http.post(reverse("mfa_authenticate"), {"code": current_totp(enrolled)})
    assert done.status_code == 302
    assert signed_in_user_id(http) == str(therapist.pk)


def test_the_stored_totp_secret_is_encrypted_and_sign_in_still_works(
    http, therapist, password, enrolled
):
    authenticator = Authenticator.objects.get(
        user=therapist, type=Authenticator.Type.TOTP
    )
    stored = authenticator.data["secret"]
    assert stored.startswith(ENCRYPTED_PREFIX)
    assert enrolled not in json.dumps(authenticator.data)

    sign_in(http, therapist.email, password)
    done = http.post(reverse("mfa_authenticate"), {"code": current_totp(enrolled)})

    assert done.status_code == 302
    assert signed_in_user_id(http) == str(therapist.pk)


def test_the_recovery_codes_seed_is_encrypted_and_the_codes_still_work(
    http, therapist, password, enrolled
):
    codes = RecoveryCodes.activate(therapist).get_unused_codes()
    stored = Authenticator.objects.get(
        user=therapist, type=Authenticator.Type.RECOVERY_CODES
    ).data
    assert stored["seed"].startswith(ENCRYPTED_PREFIX)
    assert not any(code in json.dumps(stored) for code in codes)

    sign_in(http, therapist.email, password)
    response = http.post(reverse("mfa_authenticate"), {"code": codes[0]})

    assert signed_in_user_id(http) == str(therapist.pk), response.status_code


def test_a_secret_stored_before_encryption_still_signs_in(http, therapist, password):
    secret = generate_totp_secret()
    Authenticator.objects.create(
        user=therapist, type=Authenticator.Type.TOTP, data={"secret": secret}
    )
    sign_in(http, therapist.email, password)
    done = http.post(reverse("mfa_authenticate"), {"code": current_totp(secret)})
    assert done.status_code == 302
    assert signed_in_user_id(http) == str(therapist.pk)


def test_the_mfa_key_can_be_rotated(settings, http, therapist, password):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.MFA_SECRET_KEYS = [old]
    secret = generate_totp_secret()
    TOTP.activate(therapist, secret)
    settings.MFA_SECRET_KEYS = [new]
    with pytest.raises(InvalidToken):
        TOTP(Authenticator.objects.get(user=therapist)).validate_code("000000")

    settings.MFA_SECRET_KEYS = [new, old]

    sign_in(http, therapist.email, password)
    done = http.post(reverse("mfa_authenticate"), {"code": current_totp(secret)})
    assert done.status_code == 302
    assert signed_in_user_id(http) == str(therapist.pk)


def test_a_recovery_code_can_replace_the_totp_code(http, therapist, password, enrolled):
    codes = RecoveryCodes.activate(therapist).get_unused_codes()
    sign_in(http, therapist.email, password)
    response = http.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 302
    assert signed_in_user_id(http) == str(therapist.pk)


def test_without_mfa_required_nobody_is_sent_to_enrolment(
    settings, http, therapist, password
):
    settings.MFA_REQUIRED = False
    sign_in(http, therapist.email, password)
    assert http.get(reverse("clinic:home")).status_code == 200


# Look ----------------------------------------------------------------------


def assert_in_app_frame(response, status: int = 200) -> None:
    assert response.status_code == status
    html = response.content.decode()
    assert "navbar navbar-expand-xl navbar-dark bg-between" in html  # base.html
    assert "vendor/bootstrap/bootstrap.min.css" in html
    assert 'style="' not in html  # the CSP forbids inline styles
    assert "<script>" not in html


def test_sign_in_and_reset_pages_render_inside_the_app(http):
    for name in ("account_login", "account_reset_password"):
        response = http.get(reverse(name))
        assert_in_app_frame(response)
        assert "form-control" in response.content.decode()
    assert b"sign up" not in http.get(reverse("account_login")).content.lower()


def test_password_and_two_factor_pages_render_inside_the_app(http, therapist, password):
    sign_in(http, therapist.email, password)
    reauthenticate(http, password)
    for name in ("account_change_password", "mfa_index", "mfa_activate_totp"):
        assert_in_app_frame(http.get(reverse(name)))
    assert b"card" in http.get(reverse("mfa_index")).content


def test_the_lockout_page_renders_inside_the_app(http, therapist):
    for _ in range(5):
        response = sign_in(http, therapist.email, WRONG)
    assert_in_app_frame(response, status=429)
