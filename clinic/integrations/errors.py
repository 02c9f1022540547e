"""The API's errors: JSON, in general words, never repeating what was sent."""

from __future__ import annotations

from typing import Any

from django.http import Http404
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
}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handling with the detail reduced to a general sentence: a parse
    error's detail could quote the body."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        return response  # built by our serializers from fixed reasons
    response.data = {
        "error": GENERAL.get(response.status_code, "The request was refused.")
    }
    return response
