"""Writes of the flag review: acknowledge, bring to supervision, resolve or
dismiss with a reason, and the treating therapist's response.

A supervisor acting on a flag that has not reached them yet
(:func:`attachment.review.selectors.flags_reached`) is refused 404: for them
it does not exist yet.

Which step the treating therapist and the current supervisor may take in
which status is :mod:`attachment.review.steps`; the flag page offers the
same steps.  A step that is not the actor's in any status is refused 403; a
step the flag's status does not allow is refused with
:class:`~attachment.engine.services.FlagTransitionRefused` (a
:class:`~clinic.refusals.Refused`) and writes nothing.

Each status step goes through
:func:`attachment.engine.services.flag_status_change`, which checks the
status under the flag's row lock, keeps who, when, from, to and why and
writes the audit event.  A dismissed or resolved flag stays closed: the scan
never raises the same episode again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from attachment.engine.services import flag_status_change
from attachment.models import (
    CLOSED_FLAG_STATUSES,
    Flag,
    FlagResponse,
    FlagStatus,
    Usefulness,
)
from attachment.review import selectors, steps
from attachment.review.steps import Relation, Step
from clinic import access
from clinic.audit import audit_record, request_ip
from clinic.models import AuditAction, AuditEvent, User


def _require_step(
    actor: User,
    flag: Flag,
    step: Step,
    now: dt.datetime,
    what: str = "flag-review",
) -> Relation:
    relation = selectors.flag_relation(actor=actor, flag=flag, on=now.date())
    if relation == Relation.SUPERVISING and not selectors.has_reached(
        user=actor, flag=flag, now=now
    ):
        raise access.not_found(actor, "flag", flag.pk)
    if step not in steps.steps_open_to(relation=relation):
        raise access.forbidden(actor, what, flag.pk)
    return relation


def _take(
    *,
    actor: User,
    flag: Flag,
    step: Step,
    relation: Relation,
    to_status: FlagStatus,
    now: dt.datetime,
    reason: str = "",
    usefulness: str = "",
) -> Flag:
    flag_status_change(
        actor=actor,
        flag=flag,
        to_status=to_status,
        now=now,
        reason=reason,
        usefulness=usefulness,
        allowed_from=steps.statuses_allowing(step=step, relation=relation),
    )
    return flag


def flag_acknowledge(*, actor: User, flag: Flag, now: dt.datetime) -> Flag:
    """Seen and taken on: by the current supervisor or the treating therapist."""
    step = Step.ACKNOWLEDGE
    relation = _require_step(actor, flag, step, now)
    return _take(
        actor=actor,
        flag=flag,
        step=step,
        relation=relation,
        to_status=FlagStatus.ACKNOWLEDGED,
        now=now,
    )


def flag_to_supervision(*, actor: User, flag: Flag, now: dt.datetime) -> Flag:
    """Put the flag on the next supervision session (status ``in_supervision``);
    the supervision session form offers such flags as the ones discussed.
    Taken by the treating therapist, it lets the flag reach the supervisor at
    once instead of after the clinic's delay."""
    step = Step.TO_SUPERVISION
    relation = _require_step(actor, flag, step, now)
    return _take(
        actor=actor,
        flag=flag,
        step=step,
        relation=relation,
        to_status=FlagStatus.IN_SUPERVISION,
        now=now,
    )


def flag_close(
    *,
    actor: User,
    flag: Flag,
    outcome: str,
    reason: str,
    usefulness: str,
    now: dt.datetime,
) -> Flag:
    """Resolve or dismiss with a reason and the answer to "was this useful in
    supervision?".  A dismissed episode is not raised again by the scan.  The
    supervisor closes; so does a licensed treating therapist (a trainee does
    not), and the reason stays in the flag's history for the supervisor to
    read."""
    step = Step.CLOSE
    relation = _require_step(actor, flag, step, now)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason for closing the flag."})
    if outcome not in CLOSED_FLAG_STATUSES:
        raise ValidationError({"outcome": "Choose resolved or dismissed."})
    if usefulness not in Usefulness.values:
        raise ValidationError(
            {"usefulness": "Say whether the flag was useful in supervision."}
        )
    return _take(
        actor=actor,
        flag=flag,
        step=step,
        relation=relation,
        to_status=FlagStatus(outcome),
        now=now,
        reason=reason,
        usefulness=usefulness,
    )


def flag_respond(
    *, actor: User, flag: Flag, text: str, now: dt.datetime
) -> FlagResponse:
    """The treating therapist's answer ("discussed with client; agreed texting
    only for scheduling").  Clinical text: audited, never logged.  It changes
    nothing of the flag, and the steps allow it in every status, so it takes
    no lock on the flag."""
    _require_step(actor, flag, Step.RESPOND, now, what="flag-response")
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
