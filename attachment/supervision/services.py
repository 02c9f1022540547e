"""Writes of supervision sessions, action items and notifications.

A session is recorded whole or not at all: the session, the flags discussed,
the action items, the flags' move to *in supervision* and the owners'
notifications share one transaction.  A refused input raises
:class:`~django.core.exceptions.ValidationError` before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from attachment.engine.services import flag_status_change
from attachment.models import (
    ActionCategory,
    ActionItem,
    DiscussedFlag,
    FlagStatus,
    Notification,
    NotificationKind,
    SupervisionSession,
)
from attachment.review.steps import Relation, Step, statuses_allowing
from attachment.supervision import notifications, selectors
from clinic import access
from clinic.audit import audit_record, audit_records
from clinic.models import AuditAction, Supervision, User

# How far back a session may be recorded, and how far ahead an item may fall due.
RECORD_WINDOW = dt.timedelta(days=366)
DUE_WINDOW = dt.timedelta(days=366)
DISCUSSED_REASON = "Discussed in supervision."
# Discussing a flag is the supervisor's step "to supervision" (the review's
# rule says from which statuses); a flag already there stays.
MOVED_WHEN_DISCUSSED = statuses_allowing(
    step=Step.TO_SUPERVISION, relation=Relation.SUPERVISING
)


@dataclass(frozen=True)
class ActionItemValues:
    owner_id: int
    text: str
    category: str
    due_on: dt.date
    client_id: int | None = None


def local_today(link: Supervision, now: dt.datetime) -> dt.date:
    return timezone.localtime(now, link.clinic.zone).date()


def due_on_problem(due_on: dt.date, *, today: dt.date) -> str | None:
    """Why a due date is refused, if it is (shared by the form and the service)."""
    if due_on < today:
        return "The due date is in the past."
    if due_on > today + DUE_WINDOW:
        return "The due date is more than a year ahead."
    return None


def held_at_problem(held_at: dt.datetime, *, now: dt.datetime) -> str | None:
    if held_at > now:
        return "A session is recorded after it is held."
    if held_at < now - RECORD_WINDOW:
        return "This is more than a year ago."
    return None


def _item_problem(
    item: ActionItemValues, owners: set[int], clients: set[int], today: dt.date
) -> str | None:
    if item.owner_id not in owners:
        return "Its owner is neither the supervisee nor the supervisor."
    if item.client_id is not None and item.client_id not in clients:
        return "Its client is not on the supervisee's caseload."
    if not item.text.strip():
        return "It has no text."
    if item.category not in ActionCategory.values:
        return "Its category is unknown."
    return due_on_problem(item.due_on, today=today)


def _item_errors(
    link: Supervision, items: Sequence[ActionItemValues], today: dt.date
) -> list[str]:
    owners = {link.supervisor_id, link.supervisee_id}
    clients = set(selectors.clients_for(link=link).values_list("pk", flat=True))
    errors = []
    for number, item in enumerate(items, start=1):
        problem = _item_problem(item, owners, clients, today)
        if problem:
            errors.append(f"Action item {number}: {problem}")
    return errors


def _validated(
    *,
    link: Supervision,
    held_at: dt.datetime,
    follow_up_on: dt.date | None,
    flag_ids: Sequence[int],
    items: Sequence[ActionItemValues],
    now: dt.datetime,
) -> None:
    errors: dict[str, list[str]] = {}
    problem = held_at_problem(held_at, now=now)
    if problem:
        errors["held_at"] = [problem]
    held_on = timezone.localtime(held_at, link.clinic.zone).date()
    if follow_up_on is not None and follow_up_on < held_on:
        errors["follow_up_on"] = ["The follow-up cannot come before the session."]
    live = set(
        selectors.live_flags_for(link=link, now=now).values_list("pk", flat=True)
    )
    if not set(flag_ids) <= live:
        errors["flags"] = ["Only the supervisee's live flags can be discussed."]
    item_errors = _item_errors(link, items, local_today(link, now))
    if item_errors:
        errors["__all__"] = item_errors
    if errors:
        raise ValidationError(errors)


def supervision_session_record(
    *,
    actor: User,
    supervisee_id: int,
    held_at: dt.datetime,
    notes: str,
    follow_up_on: dt.date | None,
    flag_ids: Sequence[int],
    items: Sequence[ActionItemValues],
    now: dt.datetime,
) -> SupervisionSession:
    """Record a session held by ``actor`` with a *current* supervisee."""
    link = selectors.supervision_link_of(
        actor=actor, supervisee_id=supervisee_id, on=now.date()
    )
    if link is None:
        raise access.not_found(actor, "supervisee", supervisee_id)
    _validated(
        link=link,
        held_at=held_at,
        follow_up_on=follow_up_on,
        flag_ids=flag_ids,
        items=items,
        now=now,
    )
    with transaction.atomic():
        session = SupervisionSession.objects.create(
            clinic_id=link.clinic_id,
            supervisor=actor,
            supervisee_id=link.supervisee_id,
            held_at=held_at,
            notes=notes,
            follow_up_on=follow_up_on,
            recorded_at=now,
        )
        audit_record(actor=actor, action=AuditAction.CREATE, at=now, obj=session)
        _discuss_flags(actor, session, flag_ids, now)
        _add_items(actor, session, items, local_today(link, now), now)
    return session


def _discuss_flags(
    actor: User, session: SupervisionSession, flag_ids: Sequence[int], now: dt.datetime
) -> None:
    """Link the flags to the session and move those not yet in supervision.
    Each discussed flag gets one update event on its client's trail: the
    status change writes it for a moved flag, and one INSERT writes it for
    the flags that were already in supervision."""
    DiscussedFlag.objects.bulk_create(
        DiscussedFlag(session=session, flag_id=flag_id) for flag_id in set(flag_ids)
    )
    discussed = list(session.flags_discussed.order_by("pk"))
    moving = [flag for flag in discussed if flag.status in MOVED_WHEN_DISCUSSED]
    staying = [flag for flag in discussed if flag not in moving]
    for flag in moving:
        flag_status_change(
            actor=actor,
            flag=flag,
            to_status=FlagStatus.IN_SUPERVISION,
            now=now,
            reason=DISCUSSED_REASON,
        )
    audit_records(
        actor=actor,
        action=AuditAction.UPDATE,
        objs=staying,
        at=now,
        clinic_id=session.clinic_id,
    )


def _add_items(
    actor: User,
    session: SupervisionSession,
    items: Sequence[ActionItemValues],
    today: dt.date,
    now: dt.datetime,
) -> None:
    created = ActionItem.objects.bulk_create(
        ActionItem(
            session=session,
            owner_id=item.owner_id,
            text=item.text.strip(),
            client_id=item.client_id,
            category=item.category,
            set_on=today,
            due_on=item.due_on,
        )
        for item in items
    )
    audit_records(
        actor=actor,
        action=AuditAction.CREATE,
        objs=created,
        at=now,
        clinic_id=session.clinic_id,
    )
    assigned = Counter(item.owner_id for item in created if item.owner_id != actor.pk)
    Notification.objects.bulk_create(
        Notification(
            recipient_id=owner_id,
            kind=NotificationKind.ACTION_ITEMS_ASSIGNED,
            created_at=now,
            url=session.get_absolute_url(),
            message=notifications.items_assigned_message(count),
        )
        for owner_id, count in assigned.items()
    )


def action_item_done(*, actor: User, item: ActionItem, now: dt.datetime) -> bool:
    """Mark the actor's own item done; False if it already was (compare-and-set,
    so a double click records it once)."""
    with transaction.atomic():
        changed = ActionItem.objects.filter(
            pk=item.pk, owner=actor, done_at__isnull=True
        ).update(done_at=now, done_by=actor)
        if changed:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                at=now,
                obj=item,
                clinic_id=item.session.clinic_id,
            )
    return bool(changed)


def notifications_mark_read(*, actor: User, now: dt.datetime) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=now
    )
