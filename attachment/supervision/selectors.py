"""Reads of supervision sessions, action items and notifications.

Who sees a session:

* its supervisee, always (it is the record of their own supervision);
* its supervisor, while the supervision link with that supervisee is current
  in the session's clinic.  A former supervisor sees none of it, because the
  notes and action items speak of the ex-supervisee's clients.

Anyone else gets 404; a user with no clinical role (a clinic admin) gets 403
before anything is looked up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from attachment.models import (
    LIVE_FLAG_STATUSES,
    ActionItem,
    Flag,
    FlagStatus,
    Notification,
    SupervisionSession,
)
from attachment.review.selectors import flags_reached
from clinic import access
from clinic.models import Client, Membership, Role, Supervision, User


def require_clinician(actor: User) -> None:
    access.require_clinical_role(actor)


def _clinical_clinics(actor: User) -> QuerySet[Membership, Any]:
    """The clinics where ``actor`` holds a clinical role, as a subquery (so
    that a scoped query stays one query)."""
    return Membership.objects.filter(
        user_id=actor.pk, role__in=(Role.THERAPIST, Role.SUPERVISOR)
    ).values("clinic_id")


def current_links(*, actor: User, on: dt.date) -> list[Supervision]:
    """The actor's supervision links in force (see
    :func:`clinic.access.supervision_links_in_force`); none for anyone else."""
    return list(
        access.supervision_links_in_force(on=on)
        .filter(supervisor_id=actor.pk)
        .select_related("supervisee", "clinic")
        .order_by("supervisee__full_name", "pk")
    )


def supervisee_links(*, actor: User, on: dt.date) -> list[Supervision]:
    """The actor's current supervision links (403 without the supervisor role)."""
    if not access.has_role(actor, Role.SUPERVISOR):
        raise access.forbidden(actor, "supervision-sessions", None)
    return current_links(actor=actor, on=on)


def _link_in_force(on: dt.date) -> QuerySet[Supervision]:
    """The session's own link, if it is in force on ``on``."""
    return access.supervision_links_in_force(on=on).filter(
        supervisor_id=OuterRef("supervisor_id"),
        supervisee_id=OuterRef("supervisee_id"),
        clinic_id=OuterRef("clinic_id"),
    )


def visible_sessions(*, actor: User, on: dt.date) -> QuerySet[SupervisionSession]:
    """Sessions the actor attended, and those they led while the link is current."""
    return SupervisionSession.objects.filter(
        Q(supervisee_id=actor.pk, clinic_id__in=_clinical_clinics(actor))
        | Q(Exists(_link_in_force(on)), supervisor_id=actor.pk)
    )


def sessions_list(
    *, actor: User, on: dt.date, supervisee_id: int | None = None
) -> QuerySet[SupervisionSession]:
    """Newest first, with the counts the list shows (no query per row)."""
    sessions = visible_sessions(actor=actor, on=on)
    if supervisee_id is not None:
        sessions = sessions.filter(supervisee_id=supervisee_id)
    return (
        sessions.select_related("supervisor", "supervisee", "clinic")
        .annotate(
            flag_count=Count("flags_discussed", distinct=True),
            item_count=Count("action_items", distinct=True),
            open_item_count=Count(
                "action_items",
                filter=Q(action_items__done_at__isnull=True),
                distinct=True,
            ),
        )
        .order_by("-held_at", "-pk")
    )


def session_for_reading(
    *, actor: User, session_id: int, on: dt.date
) -> SupervisionSession:
    require_clinician(actor)
    session = (
        visible_sessions(actor=actor, on=on)
        .select_related("supervisor", "supervisee", "clinic")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise access.not_found(actor, "supervision-session", session_id)
    return session


def items_of(*, session: SupervisionSession) -> list[ActionItem]:
    return list(
        session.action_items.select_related("owner", "client", "done_by").order_by(
            "due_on", "pk"
        )
    )


def flags_of(*, session: SupervisionSession) -> list[Flag]:
    return list(
        session.flags_discussed.select_related("client").order_by("client__code", "pk")
    )


def action_item_for_owner(*, actor: User, item_id: int, on: dt.date) -> ActionItem:
    """The item, if the actor owns it: 404 when its session is out of sight,
    403 when it is in sight but someone else's to do."""
    require_clinician(actor)
    item = (
        ActionItem.objects.filter(
            pk=item_id, session__in=visible_sessions(actor=actor, on=on)
        )
        .select_related("session")
        .first()
    )
    if item is None:
        raise access.not_found(actor, "action-item", item_id)
    if item.owner_id != actor.pk:
        raise access.forbidden(actor, "action-item", item_id)
    return item


def open_items_of(*, actor: User, on: dt.date) -> QuerySet[ActionItem]:
    """The actor's own open action items, soonest due first, in one query."""
    return (
        ActionItem.objects.filter(
            owner=actor,
            done_at__isnull=True,
            session__in=visible_sessions(actor=actor, on=on),
        )
        .select_related("client", "session__clinic")
        .order_by("due_on", "pk")
    )


def follow_ups_of(*, actor: User, on: dt.date) -> list[SupervisionSession]:
    """Per current supervisee, the latest session led by the actor, with its
    follow-up date and how many of its items are still open."""
    open_items = (
        ActionItem.objects.filter(session__supervisee=OuterRef("supervisee_id"))
        .filter(session__supervisor=OuterRef("supervisor_id"), done_at__isnull=True)
        .order_by()
        .values("session__supervisee")
        .annotate(count=Count("pk"))
        .values("count")
    )
    latest = (
        visible_sessions(actor=actor, on=on)
        .filter(supervisor=actor)
        .order_by("supervisee_id", "-held_at", "-pk")
        .distinct("supervisee_id")
        .values("pk")
    )
    return list(
        SupervisionSession.objects.filter(pk__in=Subquery(latest))
        .select_related("supervisee", "clinic")
        .annotate(open_items=Coalesce(Subquery(open_items), 0))
        .order_by("follow_up_on", "supervisee__full_name")
    )


def supervision_link_of(
    *, actor: User, supervisee_id: int, on: dt.date
) -> Supervision | None:
    for link in supervisee_links(actor=actor, on=on):
        if link.supervisee_id == supervisee_id:
            return link
    return None


def live_flags_for(
    *, link: Supervision, now: dt.datetime | None = None
) -> QuerySet[Flag]:
    """The supervisee's live flags in the link's clinic, red first, oldest
    first; with ``now``, only those that have reached the supervisor
    (:func:`attachment.review.selectors.flags_reached`)."""
    flags = Flag.objects.filter(
        client__therapist_id=link.supervisee_id,
        client__clinic_id=link.clinic_id,
        status__in=LIVE_FLAG_STATUSES,
    )
    if now is not None:
        flags = flags_reached(flags=flags, now=now)
    return (
        flags.select_related("client")
        # "red" sorts before "yellow".
        .order_by("tier", "detected_at", "pk")
    )


def in_supervision_ids(flags: QuerySet[Flag]) -> list[int]:
    return [flag.pk for flag in flags if flag.status == FlagStatus.IN_SUPERVISION]


def clients_for(*, link: Supervision) -> QuerySet[Client]:
    return Client.objects.filter(
        therapist_id=link.supervisee_id, clinic_id=link.clinic_id
    ).order_by("code")


def notifications_of(*, actor: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=actor).order_by("-created_at", "-pk")


def unread_count(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).count()
