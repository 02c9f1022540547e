"""The API's errors: JSON, in general words, never repeating what was sent.

A refusal raised before the view runs (no token, a wrong token, a call over
the rate limit) keeps the request's transaction: it wrote nothing but the
refusal's own audit event and count, which must stay.  DRF's handler would
roll the request back (``ATOMIC_REQUESTS``); any other error still does.
"""

from __future__ import annotations

import math
from typing import Any

from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

GENERAL = {
    400: "The request is malformed.",
    401: "Authentication is needed.",
    403: "The token may not do this.",
    404: "Not found.",
    405: "Method not allowed.",
    413: "The request body is too large.",
    415: "Send JSON.",
    429: "Too many calls: wait the seconds in Retry-After, then send again.",
}

REFUSED_BEFORE_THE_VIEW = (
    exceptions.NotAuthenticated,
    exceptions.AuthenticationFailed,
    exceptions.Throttled,
)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handling with the detail reduced to a general sentence: a parse
    error's detail could quote the body."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, REFUSED_BEFORE_THE_VIEW):
        return _refusal(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        return response  # built by our serializers from fixed reasons
    response.data = {
        "error": GENERAL.get(response.status_code, "The request was refused.")
    }
    return response


def _refusal(exc: exceptions.APIException) -> Response:
    """DRF's answer (its ``WWW-Authenticate`` and ``Retry-After`` headers)
    without its rollback."""
    headers = {}
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    if (wait := getattr(exc, "wait", None)) is not None:
        headers["Retry-After"] = str(max(1, math.ceil(wait)))
    status = exc.status_code
    return Response(
        {"error": GENERAL.get(status, "The request was refused.")},
        status=status,
        headers=headers,
    )


def json_refusal(status: int, *, retry_after: int | None = None) -> JsonResponse:
    """The same answer for the webhook views, which are not DRF views.  A
    refusal is returned, never raised, so that its count and audit event
    stay with the request's transaction."""
    response = JsonResponse(
        {"error": GENERAL.get(status, "The request was refused.")}, status=status
    )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
