"""Issuing, rotating and revoking integration tokens and signing secrets,
the adapters' settings, and the clinic's ingestion settings, each audited.

A token is returned once, to be shown once; only its digest is kept.  A
signing secret is kept as written (checking a signature needs it) and shown
only on the page that answers its creation.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest

from clinic.audit import audit_record
from clinic.integrations.models import (
    SIGNED_KINDS,
    Integration,
    IntegrationKind,
    MailboxSettings,
    Scope,
)
from clinic.integrations.selectors import token_digest
from clinic.integrations.usage import refusal_counted
from clinic.models import AuditAction, Clinic, User

TOKEN_PREFIX = "btw_"  # noqa: S105 (marks a token, e.g. for secret scanners)
SIGNING_SECRET_MAX = Integration._meta.get_field("signing_secret").max_length or 0
RATE_PER_MINUTE_MAX = 10_000
MAILBOX_FIELDS = (
    "host",
    "port",
    "use_tls",
    "folder",
    "username_env",
    "password_env",
    "practice_addresses",
)
ENVIRONMENT_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
INGESTION_SETTINGS = (
    "keep_message_preview",
    "reply_counts_any_channel",
    "unmatched_retention_days",
)


def _token_new() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _signing_secret_new() -> str:
    return secrets.token_urlsafe(32)


def _signing_secret_problem(kind: str, signing_secret: str) -> str | None:
    if kind != IntegrationKind.SMS_VOICE_WEBHOOK:
        return None
    if not signing_secret:
        return "Enter the auth token of the SMS service's account."
    if len(signing_secret) > SIGNING_SECRET_MAX or not signing_secret.isprintable():
        return "This does not look like an auth token."
    return None


def _creation_problems(
    clinic: Clinic,
    name: str,
    kind: str,
    scopes: Sequence[str],
    signing_secret: str,
    mailbox: Mapping[str, Any],
) -> dict[str, str]:
    errors = {}
    if not name:
        errors["name"] = "Give the integration a name."
    elif Integration.objects.filter(clinic=clinic, name=name).exists():
        errors["name"] = "Another integration has this name."
    if kind not in IntegrationKind.values:
        errors["kind"] = "Choose a kind."
    if not scopes or set(scopes) - set(Scope.values):
        errors["scopes"] = "Choose one or more of: " + ", ".join(Scope.values)
    if problem := _signing_secret_problem(kind, signing_secret):
        errors["signing_secret"] = problem
    if kind == IntegrationKind.MAILBOX:
        errors |= _mailbox_problems(mailbox)
    return errors


def integration_create(
    *,
    actor: User | None,
    clinic: Clinic,
    name: str,
    kind: str,
    scopes: Sequence[str],
    now: dt.datetime,
    signing_secret: str = "",
    mailbox: Mapping[str, Any] | None = None,
) -> tuple[Integration, str]:
    """A new integration of ``clinic`` and its token (shown once).

    An SMS and voice webhook keeps ``signing_secret`` (the SMS service's auth
    token); a signed webhook gets a new secret (``integration.signing_secret``
    of the returned row, to be shown once); a mailbox gets its settings from
    ``mailbox``."""
    name = name.strip()
    signing_secret = signing_secret.strip()
    if errors := _creation_problems(
        clinic, name, kind, scopes, signing_secret, mailbox or {}
    ):
        raise ValidationError(errors)
    if kind == IntegrationKind.SIGNED_WEBHOOK:
        signing_secret = _signing_secret_new()
    elif kind not in SIGNED_KINDS:
        signing_secret = ""
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
            signing_secret=signing_secret,
        )
        integration.full_clean()
        integration.save()
        audit_record(actor=actor, action=AuditAction.CREATE, obj=integration, at=now)
        if kind == IntegrationKind.MAILBOX:
            _mailbox_write(actor, integration, mailbox or {}, now)
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


def integration_secret_rotate(
    *, actor: User, integration: Integration, now: dt.datetime
) -> str:
    """A new signing secret for a signed webhook, to be shown once; a
    delivery signed with the old one is refused from this commit on."""
    if integration.is_revoked:
        raise ValidationError("A revoked integration gets no new secret.")
    if integration.kind != IntegrationKind.SIGNED_WEBHOOK:
        raise ValidationError(
            "Only a signed webhook gets its secret from Between; for the SMS "
            "service, change the auth token there."
        )
    secret = _signing_secret_new()
    with transaction.atomic():
        Integration.objects.filter(pk=integration.pk).update(
            signing_secret=secret, rotated_at=now
        )
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=integration, at=now)
    return secret


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


def integration_rate_set(
    *, actor: User, integration: Integration, rate_per_minute: int, now: dt.datetime
) -> None:
    """Change how many calls a minute the integration may make."""
    if not 1 <= rate_per_minute <= RATE_PER_MINUTE_MAX:
        raise ValidationError(
            {"rate_per_minute": f"Allow from 1 to {RATE_PER_MINUTE_MAX:,} a minute."}
        )
    if rate_per_minute == integration.rate_per_minute:
        return
    with transaction.atomic():
        Integration.objects.filter(pk=integration.pk).update(
            rate_per_minute=rate_per_minute
        )
        integration.rate_per_minute = rate_per_minute
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=integration, at=now)


def integration_refusal_record(
    *,
    integration: Integration | None,
    now: dt.datetime,
    request: HttpRequest | None = None,
) -> None:
    """A call refused for its token: audited without the token (and without
    an object when the token names no integration), and counted for the
    integration a revoked token still names."""
    audit_record(
        actor=None,
        action=AuditAction.DENIED,
        obj=integration,
        object_type="api.refused",
        at=now,
        request=request,
    )
    if integration is not None:
        refusal_counted(integration, now)


def _practice_addresses(text: str) -> tuple[list[str], str | None]:
    addresses = [line.strip().lower() for line in text.splitlines() if line.strip()]
    if not addresses:
        return [], "Give the practice's own addresses, one a line."
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            return [], "One of the lines is not an e-mail address."
    return addresses, None


def _mailbox_problems(values: Mapping[str, Any]) -> dict[str, str]:
    errors = {}
    for field in ("username_env", "password_env"):
        if not ENVIRONMENT_NAME.fullmatch(str(values.get(field) or "")):
            errors[field] = (
                "Name an environment variable: capital letters, digits and _."
            )
    _, problem = _practice_addresses(str(values.get("practice_addresses") or ""))
    if problem:
        errors["practice_addresses"] = problem
    return errors


def _mailbox_write(
    actor: User | None,
    integration: Integration,
    values: Mapping[str, Any],
    now: dt.datetime,
) -> MailboxSettings:
    """Create or change the mailbox row; the caller checked the values."""
    addresses, _ = _practice_addresses(str(values["practice_addresses"]))
    mailbox = MailboxSettings.objects.filter(integration=integration).first()
    action = AuditAction.UPDATE if mailbox else AuditAction.CREATE
    mailbox = mailbox or MailboxSettings(integration=integration)
    for field in MAILBOX_FIELDS:
        setattr(mailbox, field, values[field])
    mailbox.host = str(mailbox.host).strip()
    mailbox.folder = str(mailbox.folder).strip()
    mailbox.practice_addresses = "\n".join(addresses)
    mailbox.full_clean()
    mailbox.save()
    audit_record(
        actor=actor,
        action=action,
        obj=mailbox,
        clinic_id=integration.clinic_id,
        at=now,
    )
    return mailbox


def mailbox_settings_save(
    *,
    actor: User,
    integration: Integration,
    values: Mapping[str, Any],
    now: dt.datetime,
) -> MailboxSettings:
    """Change where a mailbox integration reads its mail."""
    if integration.kind != IntegrationKind.MAILBOX:
        raise ValidationError("Only a mailbox integration has mailbox settings.")
    if errors := _mailbox_problems(values):
        raise ValidationError(errors)
    with transaction.atomic():
        return _mailbox_write(actor, integration, values, now)


def ingestion_settings_save(
    *, actor: User, clinic: Clinic, values: Mapping[str, Any], now: dt.datetime
) -> Clinic:
    """The clinic's choices for arriving contacts; unchanged values write
    nothing."""
    changed = [
        field for field in INGESTION_SETTINGS if getattr(clinic, field) != values[field]
    ]
    if not changed:
        return clinic
    for field in changed:
        setattr(clinic, field, values[field])
    clinic.clean_fields(
        exclude=[
            field.name for field in Clinic._meta.fields if field.name not in changed
        ]
    )
    with transaction.atomic():
        clinic.save(update_fields=changed)
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=clinic, at=now)
    return clinic
