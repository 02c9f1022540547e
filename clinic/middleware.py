"""Request-level safety: MFA enrolment, a strict Content-Security-Policy, no
caching of a signed-in person's pages, and an audit event for every refusal."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from clinic import access
from clinic.audit import audit_denials

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/admin/logout/")


class PrivateNoStoreMiddleware:
    """Nothing shown to a signed-in person may be kept by a browser's cache
    (the back button on a shared computer after sign-out), a proxy or a disk:
    every response to a signed-in request is ``Cache-Control: no-store,
    private``, whatever the view set.

    Anonymous responses keep what their view set: the sign-in pages already
    send allauth's ``never_cache`` headers, and the static files (served by
    WhiteNoise before this layer) should be cached.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Read after the view: signing in or out changes who the request is.
        if request.user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
        return response


class MfaEnrolmentMiddleware:
    """When ``MFA_REQUIRED`` is on, a signed-in user without an authenticator
    can do nothing but enrol one (or sign out), and may enrol only in a
    session that came through their one-time enrolment link
    (:mod:`clinic.administration.staff.enrolment`).  Anyone else without an
    authenticator, a password alone in hand, is shown that their clinic admin
    must send them a new link, and allauth's two-factor pages stay closed."""

    # Open without an authenticator or a link: signing out, the static files,
    # and the welcome pages (a link opened while signed in, and the page that
    # says a link is needed).
    OPEN_WITHOUT_LINK = ("/accounts/logout/", "/static/", "/admin/logout/", "/welcome/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not settings.MFA_REQUIRED
            or not request.user.is_authenticated
            or Authenticator.objects.filter(
                user=request.user, type=Authenticator.Type.TOTP
            ).exists()
        ):
            return self.get_response(request)
        if self._came_through_link(request):
            if request.path.startswith(MFA_EXEMPT_PREFIXES):
                return self.get_response(request)
            return redirect("mfa_activate_totp")
        if request.path.startswith(self.OPEN_WITHOUT_LINK):
            return self.get_response(request)
        return redirect("clinic:enrolment_link_needed")

    @staticmethod
    def _came_through_link(request: HttpRequest) -> bool:
        from django.utils import timezone

        from clinic.administration.staff.enrolment import session_may_enrol

        return session_may_enrol(
            request,
            user=request.user,  # type: ignore[arg-type]
            now=timezone.now(),
        )


class ContentSecurityPolicyMiddleware:
    """Everything is served by the app itself, so the policy can be strict."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


class MembershipMemoMiddleware:
    """Who the request's user is (their roles in each clinic) is read once
    per request, however many selectors ask (``clinic.access``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with access.memberships_remembered():
            return self.get_response(request)


class RefusalAuditMiddleware:
    """Each refusal of a request (``clinic.access.not_found`` and
    ``forbidden``) becomes a ``denied`` audit event.

    The view runs in the request's transaction (``ATOMIC_REQUESTS``), and the
    404 or 403 rolls back everything it wrote there: an event written by the
    view would go with it.  This layer runs outside that transaction, so it
    collects the refusals while the view runs and writes them once it has
    answered, in a transaction of their own.  A 404 nobody decided (a URL
    that does not exist) writes nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with access.refusals_collected() as refusals:
            response = self.get_response(request)
        if refusals:
            audit_denials(
                denials=refusals,
                clinic_id=_clinic_id(request, refusals),
                request=request,
            )
        return response


def _clinic_id(request: HttpRequest, refusals: list[access.Refusal]) -> int | None:
    """The refused person's clinic (their first, as ``primary_clinic`` has
    it), when the request's user is the one refused."""
    user = request.user
    if not user.is_authenticated or {r.actor_id for r in refusals} != {user.pk}:
        return None
    clinic = access.primary_clinic(user)
    return clinic.pk if clinic is not None else None
