"""Issuing, rotating and revoking integration tokens, each audited.

A token is returned once, to be shown once; only its digest is kept.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic.audit import audit_record
from clinic.integrations.models import Integration, IntegrationKind, Scope
from clinic.integrations.selectors import token_digest
from clinic.models import AuditAction, Clinic, User

TOKEN_PREFIX = "btw_"  # noqa: S105 (marks a token, e.g. for secret scanners)


def _token_new() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def integration_create(
    *,
    actor: User | None,
    clinic: Clinic,
    name: str,
    kind: str,
    scopes: Sequence[str],
    now: dt.datetime,
) -> tuple[Integration, str]:
    """A new integration of ``clinic`` and its token (shown once)."""
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = "Give the integration a name."
    elif Integration.objects.filter(clinic=clinic, name=name).exists():
        errors["name"] = "Another integration has this name."
    if kind not in IntegrationKind.values:
        errors["kind"] = "Choose a kind."
    if not scopes or set(scopes) - set(Scope.values):
        errors["scopes"] = "Choose one or more of: " + ", ".join(Scope.values)
    if errors:
        raise ValidationError(errors)
    token = _token_new()
    with transaction.atomic():
        integration = Integration(
            clinic=clinic,
            name=name,
            kind=kind,
            scopes=sorted(set(scopes)),
            token_sha256=token_digest(token),
            created_at=now,
            created_by=actor,
        )
        integration.full_clean()
        integration.save()
        audit_record(actor=actor, action=AuditAction.CREATE, obj=integration, at=now)
    return integration, token


def integration_rotate(
    *, actor: User, integration: Integration, now: dt.datetime
) -> str:
    """A new token; the old one fails from this commit on."""
    if integration.is_revoked:
        raise ValidationError("A revoked integration gets no new token.")
    token = _token_new()
    with transaction.atomic():
        Integration.objects.filter(pk=integration.pk).update(
            token_sha256=token_digest(token), rotated_at=now
        )
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=integration, at=now)
    return token


def integration_revoke(
    *, actor: User, integration: Integration, now: dt.datetime
) -> None:
    with transaction.atomic():
        changed = Integration.objects.filter(
            pk=integration.pk, revoked_at__isnull=True
        ).update(revoked_at=now)
        if changed:
            audit_record(
                actor=actor, action=AuditAction.DELETE, obj=integration, at=now
            )
