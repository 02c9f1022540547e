"""How an API call names its integration: ``Authorization: Bearer <token>``.

Nothing else authenticates an API call; a signed-in person's session gets
none.  Errors are JSON and say what went wrong in general words only, never
repeating what was sent.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from clinic.integrations.models import Integration
from clinic.integrations.selectors import integration_for_token

SCHEME = "Bearer"


class IntegrationTokenAuthentication(BaseAuthentication):
    def authenticate(
        self, request: Request
    ) -> tuple[AnonymousUser, Integration] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.partition(" ")
        if scheme != SCHEME or not token.strip():
            return None
        integration = integration_for_token(token=token.strip())
        if integration is None:
            raise exceptions.AuthenticationFailed("The token is not valid.")
        # No person: the integration is the caller (``request.auth``).
        return (AnonymousUser(), integration)

    def authenticate_header(self, request: Request) -> str:
        return SCHEME
