"""Glue between the sign-in libraries and Between's rules.

django-allauth signs people in with their e-mail address and calls
``authenticate(request, email=..., password=...)``; django-axes by default
looks for a ``username`` credential.  The callables here make axes count
failures against the address actually typed into allauth's form, so that the
lockout on username + IP really applies to the login page.  The client's
address is :mod:`clinic.client_ip`'s rule.

The lockout's cool-off doubles with every further lockout of the same
username + IP pair (:func:`axes_cool_off`), and allauth's two-factor secrets
are encrypted at rest (:class:`ClinicMFAAdapter`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessFailureLog, AccessLog
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from clinic.client_ip import client_ip

# A lockout's cool-off never grows past a day, and failures older than a day
# no longer lengthen it.
COOL_OFF_CAP = dt.timedelta(hours=24)
COOL_OFF_MEMORY = dt.timedelta(hours=24)


class ClinicAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by the clinic, never by self sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


def _normalised(login: object) -> str | None:
    if not isinstance(login, str):
        return None
    login = login.strip().lower()
    return login or None


def axes_username(
    request: HttpRequest, credentials: dict[str, Any] | None
) -> str | None:
    """The login axes counts failures for, whichever form sent it.

    allauth passes ``email``; Django's own forms pass ``username``; before
    authentication runs, only the POSTed ``login`` field is there.  Case and
    surrounding spaces are dropped so ``Ann@X`` and ``ann@x `` share one
    counter: otherwise changing the case would reset the lockout.
    """
    for key in ("email", "login", "username"):
        value = _normalised((credentials or {}).get(key))
        if value:
            return value
    data = getattr(request, "POST", None) or {}
    for key in ("login", "email", "username"):
        value = _normalised(data.get(key))
        if value:
            return value
    return None


def axes_client_str(
    username: str | None,
    ip_address: str | None,
    user_agent: str | None,
    path_info: str | tuple | None,
    request: HttpRequest | None,
) -> str:
    """How axes names a client in its log lines: the IP and a short hash of
    the login, so that logs carry no e-mail addresses."""
    digest = hashlib.sha256(username.encode()).hexdigest()[:12] if username else "none"
    return f"ip={ip_address} login-sha256={digest}"


def _login_of(request: HttpRequest) -> str | None:
    """The login a request's failures are counted for, without its credentials:
    the sign-in form's field, or the signed-in person re-entering a password."""
    login = axes_username(request, None)
    user = getattr(request, "user", None)
    if login is None and user is not None and user.is_authenticated:
        login = _normalised(user.get_username())
    return login


def _recent_failures(request: HttpRequest) -> int:
    """Failed attempts of this username + IP pair in the past day, since its
    last successful sign-in from that address."""
    login = _login_of(request)
    if login is None:
        return 0
    ip = getattr(request, "axes_ip_address", None) or client_ip(request) or None
    now = timezone.now()
    last_success = AccessLog.objects.filter(
        username__iexact=login, ip_address=ip
    ).aggregate(at=Max("attempt_time"))["at"]
    since = max(filter(None, [now - COOL_OFF_MEMORY, last_success]))
    return AccessFailureLog.objects.filter(
        username=login, ip_address=ip, attempt_time__gt=since
    ).count()


def axes_cool_off(request: HttpRequest | None) -> dt.timedelta:
    """How long a username + IP pair stays locked: ``AXES_COOLOFF_MINUTES``,
    doubled for every further ``AXES_FAILURE_LIMIT`` failures of the pair
    (once per lockout; failures while locked count too), up to a day.

    A person who mistypes is back within minutes; someone guessing one
    clinician's password from one network waits longer each round.  axes asks
    several times in one request, before and after it logs the failure in
    hand; the first answer is kept on the request, so that the expiry stored
    with the attempt and the one the lockout page shows are the same.
    """
    base = dt.timedelta(minutes=settings.AXES_COOLOFF_MINUTES)
    if request is None:
        return base
    known = getattr(request, "between_cool_off", None)
    if known is None:
        rounds = _recent_failures(request) // settings.AXES_FAILURE_LIMIT
        known = min(base * 2 ** min(rounds, 16), COOL_OFF_CAP)
        request.between_cool_off = known  # type: ignore[attr-defined]
    return known


class ClinicAxesHandler(AxesDatabaseHandler):
    """axes' database handler, with a lock that lasts until its stored expiry.

    The stock handler decides whether a pair is still locked by comparing its
    last failure with the cool-off worked out for the request in hand.  With
    a cool-off that grows per lockout, that answer changes as soon as the
    failure that caused the lockout is logged, and a request from another
    pair would clean this pair's attempts by its own, shorter cool-off.  The
    expiry axes stores with each attempt (``AXES_USE_ATTEMPT_EXPIRATION``) is
    fixed when the failure happens, so the check reads that instead.
    """

    def get_user_attempts(
        self, request: HttpRequest, credentials: dict | None = None
    ) -> list[QuerySet]:
        now = getattr(request, "axes_attempt_time", None) or timezone.now()
        return [
            attempts.filter(expiration__expires_at__gt=now)
            for attempts in self.filter_user_attempts(request, credentials)
        ]


# Encrypted values carry this mark; a value without it was stored before
# encryption was switched on and is read as it is.
ENCRYPTED_PREFIX = "fernet:"


def _mfa_fernet() -> MultiFernet:
    """``MFA_SECRET_KEY`` (the first of several encrypts, all decrypt, so that
    the key can be rotated), or a key derived from ``SECRET_KEY`` when unset."""
    keys = list(settings.MFA_SECRET_KEYS)
    if not keys:
        derived = salted_hmac(
            "between.mfa.secrets", "fernet", algorithm="sha256"
        ).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(key) for key in keys])


class ClinicMFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are encrypted at rest, so that a
    copy of the database (a backup, a read-only role, the operator's admin)
    does not hand out everyone's second factor."""

    def encrypt(self, text: str) -> str:
        return ENCRYPTED_PREFIX + _mfa_fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(ENCRYPTED_PREFIX):
            return encrypted_text
        token = encrypted_text.removeprefix(ENCRYPTED_PREFIX).encode()
        return _mfa_fernet().decrypt(token).decode()
