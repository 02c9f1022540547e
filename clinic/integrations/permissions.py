"""An API view names the scopes it needs in ``required_scopes``."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from clinic.integrations.models import Integration


class HasScopes(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        integration = request.auth
        if not isinstance(integration, Integration):
            return False
        needed = set(getattr(view, "required_scopes", ()))
        return needed <= set(integration.scopes)
