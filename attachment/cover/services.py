"""Writes of the cover pages and of break-glass.

Each service checks access through :mod:`clinic.access`, validates, writes,
records the audit event and tells whom it must, in one transaction.  A
refused input raises :class:`~django.core.exceptions.ValidationError` before
anything is written.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from attachment.models import Contact, LoggedWhile, Notification, NotificationKind
from attachment.records.services import (
    answered_contact,
    contact_answered_by,
    contact_save_with_facts,
)
from attachment.supervision import notifications
from clinic import access
from clinic.audit import audit_record
from clinic.models import (
    BREAK_GLASS_DURATION,
    BREAK_GLASS_EXPLANATION_MAX,
    BREAK_GLASS_EXPLANATION_MIN,
    BREAK_GLASS_REVIEW_NOTE_MAX,
    AuditAction,
    BreakGlassGrant,
    BreakGlassReason,
    BreakGlassVerdict,
    Client,
    Membership,
    Role,
    User,
)


@transaction.atomic
def cover_contact_log(
    *,
    actor: User,
    client_id: int,
    occurred_at: dt.datetime,
    channel: str,
    direction: str,
    now: dt.datetime,
    purpose: str = "",
    duration_minutes: int | None = None,
    summary: str = "",
    responded_at: dt.datetime | None = None,
    in_reply_to: int | None = None,
) -> Contact:
    """A contact logged from the client's cover page, marked with who logged
    it and how they came to (covering, or break-glass), so that the treating
    therapist finds it on return.  Derived facts, the re-scan and a reply's
    link to the contact it answers as for any contact
    (:func:`attachment.records.services.contact_log`)."""
    cover = access.client_for_cover(actor, client_id, now=now)
    contact = Contact(
        client=cover.client,
        occurred_at=occurred_at,
        channel=channel,
        direction=direction,
        purpose=purpose,
        duration_minutes=duration_minutes,
        summary=summary.strip(),
        responded_at=responded_at,
        in_reply_to=answered_contact(cover.client, in_reply_to),
        logged_by=actor,
        logged_while=LoggedWhile.COVERING
        if cover.absence is not None
        else LoggedWhile.BREAK_GLASS,
    )
    contact_save_with_facts(contact, client=cover.client, earliest=occurred_at, now=now)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=contact, at=now)
    contact_answered_by(actor=actor, reply=contact, now=now)
    return contact


def _explanation_problem(explanation: str) -> str | None:
    if len(explanation) < BREAK_GLASS_EXPLANATION_MIN:
        return (
            f"Say why in at least {BREAK_GLASS_EXPLANATION_MIN} characters: "
            "the reason is reviewed."
        )
    if len(explanation) > BREAK_GLASS_EXPLANATION_MAX:
        return f"Keep it within {BREAK_GLASS_EXPLANATION_MAX} characters."
    return None


def _reason_problems(reason: str, explanation: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if reason not in BreakGlassReason.values:
        problems["reason"] = "Choose the reason from the list."
    problem = _explanation_problem(explanation)
    if problem:
        problems["explanation"] = problem
    return problems


def _break_glass_notify(grant: BreakGlassGrant, *, now: dt.datetime) -> None:
    """Tell the treating therapist, their current supervisors and the clinic's
    admins, at once (the grantee is never told of their own access)."""
    client = grant.client
    supervisors = access.supervision_links_in_force(on=now.date()).filter(
        supervisee_id=client.therapist_id, clinic_id=client.clinic_id
    )
    reviewers = set(supervisors.values_list("supervisor_id", flat=True))
    reviewers |= set(
        Membership.objects.filter(
            clinic_id=grant.clinic_id, role=Role.ADMIN
        ).values_list("user_id", flat=True)
    )
    name = grant.grantee.full_name
    messages = {
        recipient: (
            notifications.break_glass_message(grantee=name, treating=False),
            notifications.break_glass_review_path(),
        )
        for recipient in reviewers
    }
    messages[client.therapist_id] = (
        notifications.break_glass_message(grantee=name, treating=True),
        notifications.client_path(client.pk),
    )
    messages.pop(grant.grantee_id, None)
    Notification.objects.bulk_create(
        Notification(
            recipient_id=recipient,
            kind=NotificationKind.BREAK_GLASS,
            created_at=now,
            url=url,
            message=message,
        )
        for recipient, (message, url) in sorted(messages.items())
    )


@transaction.atomic
def break_glass_open(
    *, actor: User, code: str, reason: str, explanation: str, now: dt.datetime
) -> BreakGlassGrant:
    """Open ``actor``'s access to the cover page of the client of ``code``
    for twelve hours.

    The reason is checked before the code is looked up, so that nobody
    learns whether a code exists without giving one; a code that is no
    client of a clinic where ``actor`` may break glass is then a 404.  Whoever
    already has a way to the client's records is told to use it instead."""
    access.require_break_glass_role(actor, now=now)
    explanation = explanation.strip()
    problems = _reason_problems(reason, explanation)
    if problems:
        raise ValidationError(problems)
    client = access.client_for_break_glass(actor, code.strip(), now=now)
    needless = access.break_glass_needless(actor, client, now=now)
    if needless:
        raise ValidationError({"code": needless})
    # The client row lock serialises two grants asked for at once.
    Client.objects.select_for_update().filter(pk=client.pk).first()
    held = access.break_glass_grants_in_force(actor, now=now).filter(client=client)
    if held.exists():
        raise ValidationError(
            {"code": "You already have break-glass access to this client."}
        )
    grant = BreakGlassGrant(
        clinic_id=client.clinic_id,
        client=client,
        grantee=actor,
        reason=reason,
        explanation=explanation,
        granted_at=now,
        expires_at=now + BREAK_GLASS_DURATION,
    )
    grant.full_clean()
    grant.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=grant, at=now)
    _break_glass_notify(grant, now=now)
    return grant


@transaction.atomic
def break_glass_review(
    *, actor: User, grant_id: int, verdict: str, note: str, now: dt.datetime
) -> BreakGlassGrant:
    """Record whether a break-glass access was justified, with a note; once."""
    access.require_break_glass_reviewer(actor)
    grant = (
        access.break_glass_grants_reviewable(actor, on=now.date())
        .select_for_update(of=("self",))
        .filter(pk=grant_id)
        .first()
    )
    if grant is None:
        raise access.not_found(actor, "break-glass-grant", grant_id)
    note = note.strip()
    problems: dict[str, str] = {}
    if grant.grantee_id == actor.pk:
        problems["verdict"] = "Your own break-glass access is reviewed by someone else."
    elif grant.is_reviewed:
        problems["verdict"] = "This access has already been reviewed."
    elif verdict not in BreakGlassVerdict.values:
        problems["verdict"] = "Choose justified or not justified."
    if not note:
        problems["note"] = "Add a note on what you found."
    elif len(note) > BREAK_GLASS_REVIEW_NOTE_MAX:
        problems["note"] = f"Keep it within {BREAK_GLASS_REVIEW_NOTE_MAX} characters."
    if problems:
        raise ValidationError(problems)
    grant.verdict = verdict
    grant.review_note = note
    grant.reviewed_by = actor
    grant.reviewed_at = now
    grant.full_clean()
    grant.save(update_fields=["verdict", "review_note", "reviewed_by", "reviewed_at"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=grant, at=now)
    return grant
