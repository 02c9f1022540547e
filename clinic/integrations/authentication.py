"""How an API call names its integration: ``Authorization: Bearer <token>``.

Nothing else authenticates an API call; a signed-in person's session gets
none.  Errors are JSON and say what went wrong in general words only, never
repeating what was sent.

A token that opens nothing fails at once and is audited as a refused call
(``api.refused``), without the token: attributed to the integration when a
revoked token still names it, and to nobody when it names none (a rotated
token's digest is gone, a forged one never existed).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from clinic.integrations import selectors, services
from clinic.integrations.models import Integration

SCHEME = "Bearer"


class IntegrationTokenAuthentication(BaseAuthentication):
    def authenticate(
        self, request: Request
    ) -> tuple[AnonymousUser, Integration] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.partition(" ")
        if scheme != SCHEME or not token.strip():
            return None
        integration = selectors.integration_known_by_token(token=token.strip())
        if integration is None or integration.is_revoked:
            services.integration_refusal_record(
                integration=integration, now=timezone.now(), request=request._request
            )
            raise exceptions.AuthenticationFailed("The token is not valid.")
        # No person: the integration is the caller (``request.auth``).
        return (AnonymousUser(), integration)

    def authenticate_header(self, request: Request) -> str:
        return SCHEME
