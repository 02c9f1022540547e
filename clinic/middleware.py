"""Request-level safety: MFA enrolment, a strict Content-Security-Policy, and
no caching of a signed-in person's pages."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

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
    can do nothing but enrol one (or sign out)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.MFA_REQUIRED
            and request.user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and not Authenticator.objects.filter(
                user=request.user, type=Authenticator.Type.TOTP
            ).exists()
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Everything is served by the app itself, so the policy can be strict."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
