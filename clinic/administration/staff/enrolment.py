"""One-time enrolment links, and the session they open for enrolment.

A link carries a random token; only its SHA-256 is stored
(:class:`~clinic.models.EnrolmentLink`), so a copy of the database hands out
no working link.  Using the link marks the browser's session with the link's
id.  With ``MFA_REQUIRED`` on, a signed-in person without an authenticator
may enrol one only in a session so marked, for the person's newest link, used
within :data:`ENROLMENT_WINDOW` (:class:`clinic.middleware.MfaEnrolmentMiddleware`
asks :func:`session_may_enrol`).  Anyone else who knows the password but never
held the link cannot put their own authenticator on the account.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from clinic.models import EnrolmentLink, User

#: How long a link may wait in the mailbox.
LINK_LIFETIME = dt.timedelta(days=7)
#: How long after its use the link's session may still enrol.
ENROLMENT_WINDOW = dt.timedelta(hours=24)
SESSION_KEY = "between_enrolment_link"


def token_new() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(token: str) -> str:
    """The link as an e-mail gives it, on the site's address."""
    path = reverse("clinic:welcome", args=[token])
    return settings.SITE_URL.rstrip("/") + path


def newest_link(user: User) -> EnrolmentLink | None:
    """The person's newest link: the only one that counts."""
    return (
        EnrolmentLink.objects.filter(user=user).order_by("-created_at", "-pk").first()
    )


def session_allow(request: HttpRequest, link: EnrolmentLink) -> None:
    """Mark the session as come through ``link``.  Signing in afterwards
    keeps the mark: Django carries an anonymous session's data over to the
    signed-in one."""
    request.session[SESSION_KEY] = link.pk


def session_may_enrol(request: HttpRequest, *, user: User, now: dt.datetime) -> bool:
    """Whether ``user``, signed in on ``request``, came through their newest
    link, in this session, recently enough."""
    marked = request.session.get(SESSION_KEY)
    if not isinstance(marked, int):
        return False
    link = newest_link(user)
    return (
        link is not None
        and link.pk == marked
        and link.used_at is not None
        and now - link.used_at <= ENROLMENT_WINDOW
    )
