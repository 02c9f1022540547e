"""Writes for the clinic app: the clinic's frame (its contact policy and crisis
lines), accounts, and the supervisee's answer to a supervision link.

A change of the frame tells the boundary listeners (:mod:`clinic.extensions`),
so that contacts from the moment of the change on are judged by it; earlier
contacts keep the facts the frame of their time gave them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction

from clinic import access
from clinic.audit import audit_record
from clinic.extensions import BoundaryChange, boundary_changed
from clinic.models import (
    AuditAction,
    Clinic,
    ContactPolicy,
    Membership,
    Role,
    Supervision,
    User,
)
from clinic.policies import clinic_default_policy

POLICY_FIELDS = (
    "allowed_channels",
    "contact_hours",
    "weekly_limit",
    "response_window_hours",
    "after_ending_allowed",
    "crisis_reply_minutes",
)


@transaction.atomic
def contact_policy_save_default(
    *,
    actor: User,
    clinic: Clinic,
    values: dict[str, Any],
    now: dt.datetime,
    crisis_lines: str | None = None,
) -> ContactPolicy:
    """Save the clinic's frame and, when given, the clinic's crisis lines
    (printed on every safety plan), together or not at all.

    The frame judges contacts from now on: the boundary listeners refresh
    forward only (see ``attachment.records.boundary_refresh``).
    """
    if access.admin_clinic(actor).pk != clinic.pk:
        raise access.forbidden(actor, "clinic", clinic.pk)
    policy = clinic_default_policy(clinic=clinic)
    for field in POLICY_FIELDS:
        setattr(policy, field, values[field])
    policy.updated_at = now
    policy.full_clean()
    if crisis_lines is not None:
        _crisis_lines_save(actor=actor, clinic=clinic, text=crisis_lines, now=now)
    policy.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=policy, at=now)
    boundary_changed(change=BoundaryChange(clinic_id=clinic.pk), now=now)
    return policy


def _crisis_lines_save(
    *, actor: User, clinic: Clinic, text: str, now: dt.datetime
) -> None:
    """Unchanged lines write nothing; changed ones are validated, saved and
    audited as a change of the clinic."""
    text = text.strip().replace("\r\n", "\n")
    if text == clinic.crisis_lines:
        return
    clinic.crisis_lines = text
    clinic.clean_fields(
        exclude=[
            field.name for field in Clinic._meta.fields if field.name != "crisis_lines"
        ]
    )
    clinic.save(update_fields=["crisis_lines"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=clinic, at=now)


@transaction.atomic
def user_deactivate(*, actor: User, user: User, now: dt.datetime) -> None:
    """Deactivate an account and end every session it holds.

    Clearing ``is_active`` alone would leave an open browser signed in until
    its session expired, so the sessions are deleted here as well.  The
    operator (superuser) may deactivate anyone; a clinic admin only people of
    a clinic they administer.
    """
    if (
        not actor.is_superuser
        and not Membership.objects.filter(
            user=user, clinic_id__in=access.clinic_ids_with_role(actor, Role.ADMIN)
        ).exists()
    ):
        raise access.forbidden(actor, "user", user.pk)
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=now).iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk)
    ]
    Session.objects.filter(session_key__in=ended).delete()
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=user, at=now)


# --- supervision links: the supervisee's answer ---------------------------


def _proposed_link(actor: User, link_id: int) -> Supervision:
    """A link still waiting for ``actor``'s answer, locked; 404 otherwise
    (someone else's link, or one already answered)."""
    link = (
        Supervision.objects.select_for_update()
        .filter(pk=link_id, supervisee=actor, accepted_at__isnull=True)
        .first()
    )
    if link is None:
        raise access.not_found(actor, "supervision-link", link_id)
    return link


@transaction.atomic
def supervision_link_accept(
    *, actor: User, link_id: int, now: dt.datetime
) -> Supervision:
    """The supervisee accepts a proposed link: from now on the supervisor
    reads the supervisee's clients in that clinic (while the link is current)."""
    link = _proposed_link(actor, link_id)
    link.accepted_at = now
    link.save(update_fields=["accepted_at"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=link, at=now)
    return link


@transaction.atomic
def supervision_link_decline(*, actor: User, link_id: int, now: dt.datetime) -> None:
    """The supervisee declines a proposed link; it is removed (its history
    and the audit trail keep that it was proposed and declined)."""
    link = _proposed_link(actor, link_id)
    audit_record(actor=actor, action=AuditAction.DELETE, obj=link, at=now)
    link.delete()
