"""Audit events: one row for every read of a clinical page and every write.

Only ids go in; the row says who touched which record, never what it says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import models
from django.http import HttpRequest

from clinic.models import AuditAction, AuditEvent, User


def request_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _event(
    *,
    actor: User | None,
    action: AuditAction | str,
    at: dt.datetime,
    obj: models.Model | None,
    object_type: str | None,
    client_id: int | None,
    clinic_id: int | None,
    ip: str | None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        if client_id is None:
            client_id = getattr(obj, "client_id", None)
        if clinic_id is None:
            clinic_id = getattr(obj, "clinic_id", None)
    return AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=object_type or "",
        object_id=obj.pk if obj is not None else None,
        client_id=client_id,
        clinic_id=clinic_id,
        at=at,
        ip=ip,
    )


def audit_record(
    *,
    actor: User | None,
    action: AuditAction | str,
    at: dt.datetime,
    obj: models.Model | None = None,
    object_type: str | None = None,
    client_id: int | None = None,
    clinic_id: int | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    event = _event(
        actor=actor,
        action=action,
        at=at,
        obj=obj,
        object_type=object_type,
        client_id=client_id,
        clinic_id=clinic_id,
        ip=request_ip(request),
    )
    event.save()
    return event


def audit_records(
    *,
    actor: User | None,
    action: AuditAction | str,
    at: dt.datetime,
    objs: Sequence[models.Model],
    clinic_id: int | None = None,
    request: HttpRequest | None = None,
) -> list[AuditEvent]:
    """One event per object, as ``audit_record`` writes it, in one INSERT."""
    ip = request_ip(request)
    return AuditEvent.objects.bulk_create(
        _event(
            actor=actor,
            action=action,
            at=at,
            obj=obj,
            object_type=None,
            client_id=None,
            clinic_id=clinic_id,
            ip=ip,
        )
        for obj in objs
    )
