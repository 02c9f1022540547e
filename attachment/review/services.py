"""Writes of the flag review: acknowledge, bring to supervision, resolve or
dismiss with a reason, and the treating therapist's response.

Who may do what:

* the **current supervisor** of the client's therapist reviews: acknowledges,
  adds the flag to the next supervision session, resolves or dismisses it;
* the **treating therapist** acknowledges their own client's flag and answers
  it with a response note, but does not close it: closing is the review's
  decision, not the reviewed person's.

Each step goes through :func:`attachment.engine.services.flag_status_change`,
which keeps who, when, from, to and why and writes the audit event.  The
status check runs under the flag's row lock so that two reviewers acting at
once cannot both move it.  A dismissed or resolved flag stays closed: the
scan never raises the same episode again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from attachment.engine.services import FlagTransitionRefused, flag_status_change
from attachment.models import LIVE_FLAG_STATUSES, Flag, FlagResponse, FlagStatus
from clinic import access
from clinic.audit import audit_record, request_ip
from clinic.models import AuditAction, AuditEvent, User

ACKNOWLEDGE_FROM = (FlagStatus.OPEN,)
SUPERVISION_FROM = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)
CLOSE_FROM = LIVE_FLAG_STATUSES
CLOSING = (FlagStatus.RESOLVED, FlagStatus.DISMISSED)


class ReviewRefused(Exception):
    """The flag's current status does not allow the step.  The message names
    statuses only, so it may be shown to the user and logged."""


def is_treating(*, actor: User, flag: Flag) -> bool:
    return access.writable_clients(actor).filter(pk=flag.client_id).exists()


def is_supervising(*, actor: User, flag: Flag, on: dt.date) -> bool:
    """The actor currently supervises the therapist of the flag's client."""
    return (
        access.readable_clients(actor, on=on)
        .filter(pk=flag.client_id)
        .exclude(therapist=actor)
        .exists()
    )


def _require_supervisor(actor: User, flag: Flag, now: dt.datetime) -> None:
    if not is_supervising(actor=actor, flag=flag, on=now.date()):
        raise access.forbidden(actor, "flag-review", flag.pk)


def _move(
    *,
    actor: User,
    flag: Flag,
    to_status: FlagStatus,
    allowed_from: Iterable[str],
    now: dt.datetime,
    reason: str = "",
) -> Flag:
    allowed = {str(status) for status in allowed_from}
    with transaction.atomic():
        current = Flag.objects.select_for_update().get(pk=flag.pk).status
        if current not in allowed:
            raise ReviewRefused(
                f"This flag is {FlagStatus(current).label.lower()}; it cannot be "
                f"moved to {to_status.label.lower()}."
            )
        try:
            flag_status_change(
                actor=actor, flag=flag, to_status=to_status, now=now, reason=reason
            )
        except FlagTransitionRefused as refused:
            raise ReviewRefused(
                f"This flag is already {to_status.label.lower()}."
            ) from refused
    return flag


def flag_acknowledge(*, actor: User, flag: Flag, now: dt.datetime) -> Flag:
    """Seen and taken on: by the current supervisor or the treating therapist."""
    if not (
        is_treating(actor=actor, flag=flag)
        or is_supervising(actor=actor, flag=flag, on=now.date())
    ):
        raise access.forbidden(actor, "flag-review", flag.pk)
    return _move(
        actor=actor,
        flag=flag,
        to_status=FlagStatus.ACKNOWLEDGED,
        allowed_from=ACKNOWLEDGE_FROM,
        now=now,
    )


def flag_to_supervision(*, actor: User, flag: Flag, now: dt.datetime) -> Flag:
    """Put the flag on the next supervision session (status ``in_supervision``);
    the supervision session form offers such flags as the ones discussed."""
    _require_supervisor(actor, flag, now)
    return _move(
        actor=actor,
        flag=flag,
        to_status=FlagStatus.IN_SUPERVISION,
        allowed_from=SUPERVISION_FROM,
        now=now,
    )


def flag_close(
    *, actor: User, flag: Flag, outcome: str, reason: str, now: dt.datetime
) -> Flag:
    """Resolve or dismiss with a reason; the supervisor's decision only.  A
    dismissed episode is not raised again by the scan."""
    _require_supervisor(actor, flag, now)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason for closing the flag."})
    if outcome not in CLOSING:
        raise ValidationError({"outcome": "Choose resolved or dismissed."})
    return _move(
        actor=actor,
        flag=flag,
        to_status=FlagStatus(outcome),
        allowed_from=CLOSE_FROM,
        now=now,
        reason=reason,
    )


def flag_respond(
    *, actor: User, flag: Flag, text: str, now: dt.datetime
) -> FlagResponse:
    """The treating therapist's answer ("discussed with client; agreed texting
    only for scheduling").  Clinical text: audited, never logged."""
    if not is_treating(actor=actor, flag=flag):
        raise access.forbidden(actor, "flag-response", flag.pk)
    with transaction.atomic():
        response = FlagResponse(
            flag=flag, author=actor, written_at=now, text=text.strip()
        )
        response.full_clean()
        response.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            at=now,
            obj=response,
            client_id=flag.client_id,
            clinic_id=flag.client.clinic_id,
        )
    return response


def flags_read_record(
    *,
    actor: User,
    flags: Iterable[Flag],
    now: dt.datetime,
    request: HttpRequest | None = None,
) -> None:
    """One read event per flag shown on a list page, in one INSERT."""
    ip = request_ip(request)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            action=AuditAction.READ,
            object_type=Flag._meta.label_lower,
            object_id=flag.pk,
            client_id=flag.client_id,
            clinic_id=flag.client.clinic_id,
            at=now,
            ip=ip,
        )
        for flag in flags
    )
