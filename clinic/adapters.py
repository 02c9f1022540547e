"""Glue between the sign-in libraries and Between's rules.

django-allauth signs people in with their e-mail address and calls
``authenticate(request, email=..., password=...)``; django-axes by default
looks for a ``username`` credential.  The callables here make axes count
failures against the address actually typed into allauth's form, so that the
lockout on username + IP really applies to the login page.
"""

from __future__ import annotations

import hashlib
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


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
