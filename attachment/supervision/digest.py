"""The supervisors' daily digest: one e-mail per supervisor with anything to
say, holding counts and links only.

Counted for a supervisor:

* new red flags: live red flags on clients of their current supervisees that
  reached the supervisor (:func:`attachment.review.selectors.flags_reached`:
  the clinic's delay after detection, or sooner when the therapist brought
  them to supervision) since the supervisor's last digest (or the last day,
  before the first);
* action items due: open items of the sessions they led with current
  supervisees, due today (in the session clinic's time zone) or earlier.

A :class:`~attachment.models.DigestLog` row per recipient and UTC day is the
claim: it is inserted in the transaction that sends, so running the digest
twice the same day sends nothing the second time, and a failed send leaves no
claim behind (the task's retry sends it).  New red flags also become an
in-app notification.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from attachment.models import (
    LIVE_FLAG_STATUSES,
    ActionItem,
    DigestLog,
    Flag,
    FlagTier,
    Notification,
    NotificationKind,
)
from attachment.review.selectors import flags_reached_between
from attachment.supervision import notifications, selectors
from clinic import access
from clinic.models import User

FIRST_DIGEST_LOOKBACK = dt.timedelta(days=1)


@dataclass(frozen=True)
class Digest:
    new_red_flags: int
    items_due: int

    @property
    def is_empty(self) -> bool:
        return not (self.new_red_flags or self.items_due)


def digest_recipient_ids(*, now: dt.datetime) -> list[int]:
    """Supervisors with at least one link in force, whose account is active
    (a deactivated account gets no mail)."""
    return sorted(
        set(
            access.supervision_links_in_force(on=now.date())
            .filter(supervisor__is_active=True)
            .values_list("supervisor_id", flat=True)
        )
    )


def digest_since(*, recipient: User, now: dt.datetime) -> dt.datetime:
    last = (
        DigestLog.objects.filter(recipient=recipient, sent_at__lte=now)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    return last or now - FIRST_DIGEST_LOOKBACK


def new_red_flag_count(
    *, supervisor: User, since: dt.datetime, now: dt.datetime
) -> int:
    supervised = access.readable_clients(supervisor, on=now.date()).exclude(
        therapist=supervisor
    )
    flags = Flag.objects.filter(
        client__in=supervised, tier=FlagTier.RED, status__in=LIVE_FLAG_STATUSES
    )
    return flags_reached_between(flags=flags, after=since, until=now).count()


def items_due_count(*, supervisor: User, now: dt.datetime) -> int:
    """Open items due by today where each session's clinic lives; one query
    (the clinic's day is at most a day either side of the UTC one)."""
    rows = ActionItem.objects.filter(
        session__in=selectors.visible_sessions(actor=supervisor, on=now.date()),
        session__supervisor=supervisor,
        done_at__isnull=True,
        due_on__lte=now.date() + dt.timedelta(days=1),
    ).values_list("due_on", "session__clinic__timezone")
    return sum(1 for due_on, zone in rows if due_on <= _local_date(now, zone))


def _local_date(now: dt.datetime, zone_name: str) -> dt.date:
    return timezone.localtime(now, zoneinfo.ZoneInfo(zone_name)).date()


def digest_of(*, supervisor: User, now: dt.datetime) -> Digest:
    since = digest_since(recipient=supervisor, now=now)
    return Digest(
        new_red_flags=new_red_flag_count(supervisor=supervisor, since=since, now=now),
        items_due=items_due_count(supervisor=supervisor, now=now),
    )


def digest_email(
    *, recipient: User, digest: Digest, now: dt.datetime
) -> tuple[str, str]:
    """Subject and body: counts, fixed wording and links, nothing else."""
    context = {
        "name": recipient.full_name,
        "day": now.date(),
        "digest": digest,
        "red_flags_line": notifications.red_flags_message(digest.new_red_flags),
        "items_due_line": notifications.items_due_message(digest.items_due),
        "red_flags_url": notifications.absolute(notifications.red_flags_path()),
        "sessions_url": notifications.absolute(notifications.sessions_path()),
        "notifications_url": notifications.absolute(notifications.notifications_path()),
    }
    subject = render_to_string("email/digest_subject.txt", context).strip()
    return subject, render_to_string("email/digest_body.txt", context)


def digest_send(*, supervisor_id: int, now: dt.datetime) -> bool:
    """Send one supervisor's digest of ``now``'s UTC day, once; True if sent."""
    recipient = User.objects.get(pk=supervisor_id)
    day = now.date()
    if DigestLog.objects.filter(recipient=recipient, sent_on=day).exists():
        return False
    digest = digest_of(supervisor=recipient, now=now)
    if digest.is_empty:
        return False
    with transaction.atomic():
        _, claimed = DigestLog.objects.get_or_create(
            recipient=recipient,
            sent_on=day,
            defaults={
                "sent_at": now,
                "new_red_flags": digest.new_red_flags,
                "items_due": digest.items_due,
            },
        )
        if not claimed:
            return False
        if digest.new_red_flags:
            Notification.objects.create(
                recipient=recipient,
                kind=NotificationKind.NEW_RED_FLAGS,
                created_at=now,
                url=notifications.red_flags_path(),
                message=notifications.red_flags_message(digest.new_red_flags),
            )
        subject, body = digest_email(recipient=recipient, digest=digest, now=now)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
    return True
