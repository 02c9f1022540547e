"""Reads of integrations."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet

from clinic.integrations.models import Integration
from clinic.models import Clinic


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def integration_for_token(*, token: str) -> Integration | None:
    """The live integration ``token`` names, or None (a revoked, rotated or
    forged token names none).  The token is random and long, so looking up
    its digest tells an attacker nothing a guess would not."""
    return (
        Integration.objects.select_related("clinic")
        .filter(token_sha256=token_digest(token), revoked_at__isnull=True)
        .first()
    )


def integrations_of_clinic(*, clinic: Clinic) -> QuerySet[Integration]:
    return Integration.objects.filter(clinic=clinic)


def integration_of_clinic(*, clinic: Clinic, integration_id: int) -> Integration | None:
    return Integration.objects.filter(clinic=clinic, pk=integration_id).first()
