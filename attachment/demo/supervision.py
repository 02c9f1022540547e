"""The supervision part of the demo: two past sessions of the demo supervisor,
one with each supervisee, with action items (one overdue, some done, some
still ahead), the supervisees' "assigned to you" notifications and the
supervisor's new-red-flags notification.

The sessions discuss no flags: the demo's flags are found by the scan as of
the seed day, after these sessions, and recording a session that discusses
them is the demo's walk-through.  All text is synthetic.  Nothing is added if
the clinic already has a supervision session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from attachment.models import (
    ActionCategory,
    ActionItem,
    Notification,
    NotificationKind,
    SupervisionSession,
)
from attachment.supervision import notifications
from attachment.supervision.digest import new_red_flag_count
from clinic.extensions import DemoContext
from clinic.models import User


@dataclass(frozen=True)
class ItemPlan:
    owner: str  # "supervisee" or "supervisor"
    text: str
    category: str
    due_in_days: int  # after the session
    client: str | None = (
        None  # a story key, or "first" for the supervisee's first client
    )
    done_after_days: int | None = None


@dataclass(frozen=True)
class SessionPlan:
    supervisee: str
    days_ago: int
    notes: str
    follow_up_in_days: int
    items: tuple[ItemPlan, ...]


SESSIONS = (
    SessionPlan(
        supervisee="therapist",
        days_ago=16,
        notes="Talked through the rise in between-session texts from the client "
        "with rising contact, and Maya's faster, later replies. Agreed to revisit "
        "the coping plan's contact agreement and to plan cover before the next "
        "leave. (Synthetic demo text.)",
        follow_up_in_days=28,
        items=(
            ItemPlan(
                "supervisee",
                "Revisit the coping plan's contact agreement in session",
                ActionCategory.REVISIT_COPING_PLAN,
                due_in_days=7,
                client="rising_contact",
            ),
            ItemPlan(
                "supervisee",
                "Agree cover and a contact plan for the client during the move",
                ActionCategory.PLAN_ABSENCE_COVER,
                due_in_days=10,
                client="life_transition",
                done_after_days=5,
            ),
            ItemPlan(
                "supervisor",
                "Share the clinic's guidance on after-hours replies",
                ActionCategory.OTHER,
                due_in_days=3,
                done_after_days=1,
            ),
        ),
    ),
    SessionPlan(
        supervisee="trainee",
        days_ago=9,
        notes="Reviewed the trainee's first ending and the co-signature "
        "feedback; discussed when a referral is worth raising. (Synthetic demo "
        "text.)",
        follow_up_in_days=14,
        items=(
            ItemPlan(
                "supervisee",
                "Bring the referral options to the next session",
                ActionCategory.CONSIDER_REFERRAL,
                due_in_days=14,
                client="first",
            ),
            ItemPlan(
                "supervisee",
                "Check the client's contact policy against the agreed hours",
                ActionCategory.ADJUST_CONTACT_POLICY,
                due_in_days=4,
                client="first",
                done_after_days=2,
            ),
        ),
    ),
)


def _day(demo: DemoContext, days_ago: int) -> dt.date:
    return demo.now.astimezone(demo.clinic.zone).date() - dt.timedelta(days=days_ago)


def _client_id(demo: DemoContext, supervisee: User, key: str | None) -> int | None:
    if key is None:
        return None
    if key in demo.stories:
        return demo.stories[key].pk
    return min(
        client.pk for client in demo.clients if client.therapist_id == supervisee.pk
    )


def _session(demo: DemoContext, plan: SessionPlan) -> SupervisionSession:
    supervisor = demo.people["supervisor"]
    supervisee = demo.people[plan.supervisee]
    held_on = _day(demo, plan.days_ago)
    held_at = dt.datetime.combine(held_on, dt.time(14), tzinfo=demo.clinic.zone)
    session = SupervisionSession.objects.create(
        clinic=demo.clinic,
        supervisor=supervisor,
        supervisee=supervisee,
        held_at=held_at,
        notes=plan.notes,
        follow_up_on=held_on + dt.timedelta(days=plan.follow_up_in_days),
        recorded_at=held_at + dt.timedelta(hours=2),
    )
    owners = {"supervisee": supervisee, "supervisor": supervisor}
    ActionItem.objects.bulk_create(
        ActionItem(
            session=session,
            owner=owners[item.owner],
            text=item.text,
            client_id=_client_id(demo, supervisee, item.client),
            category=item.category,
            set_on=held_on,
            due_on=held_on + dt.timedelta(days=item.due_in_days),
            done_at=None
            if item.done_after_days is None
            else held_at + dt.timedelta(days=item.done_after_days),
            done_by=None if item.done_after_days is None else owners[item.owner],
        )
        for item in plan.items
    )
    assigned = sum(1 for item in plan.items if item.owner == "supervisee")
    Notification.objects.create(
        recipient=supervisee,
        kind=NotificationKind.ACTION_ITEMS_ASSIGNED,
        created_at=session.recorded_at,
        url=session.get_absolute_url(),
        message=notifications.items_assigned_message(assigned),
    )
    return session


def seed(demo: DemoContext) -> None:
    if SupervisionSession.objects.filter(clinic=demo.clinic).exists():
        return
    for plan in SESSIONS:
        _session(demo, plan)
    supervisor = demo.people["supervisor"]
    red = new_red_flag_count(
        supervisor=supervisor, since=demo.now - dt.timedelta(days=7), now=demo.now
    )
    if red:
        Notification.objects.create(
            recipient=supervisor,
            kind=NotificationKind.NEW_RED_FLAGS,
            created_at=demo.now,
            url=notifications.red_flags_path(),
            message=notifications.red_flags_message(red),
        )
