"""The daily notices about the cover of absences (beat's
``daily_cover_notices_task``).

When an absence with a cover starts, its therapist and their current
supervisors are told who covers; when it has ended, how many clients' cover
pages the cover opened, with a link to the absence's page listing them (a
notification holds no client code).  Each notice is sent once per absence:
its :class:`~attachment.models.CoverNotice` row is the claim.  An absence
that ended more than a week before the task first saw it gets no notice.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from attachment.cover import selectors
from attachment.models import (
    CoverNotice,
    CoverNoticeKind,
    Notification,
    NotificationKind,
)
from attachment.supervision import notifications
from clinic import access
from clinic.models import Absence, Clinic

LATE_NOTICE = dt.timedelta(days=7)


def _recipients(absence: Absence, *, now: dt.datetime) -> dict[int, str | None]:
    """Recipient id → the absent therapist's name for a supervisor, None for
    the therapist themselves."""
    supervisors = access.supervision_links_in_force(on=now.date()).filter(
        supervisee_id=absence.therapist_id, clinic_id=absence.clinic_id
    )
    recipients: dict[int, str | None] = {
        supervisor_id: absence.therapist.full_name
        for supervisor_id in supervisors.values_list("supervisor_id", flat=True)
    }
    recipients[absence.therapist_id] = None
    return recipients


def _claimed(
    absence: Absence, kind: str, *, now: dt.datetime, opened: int | None
) -> bool:
    try:
        with transaction.atomic():
            CoverNotice.objects.create(
                absence=absence, kind=kind, sent_at=now, clients_opened=opened
            )
    except IntegrityError:
        return False
    return True


def _message(absence: Absence, kind: str, whose: str | None, opened: int) -> str:
    if kind == CoverNoticeKind.STARTS:
        cover = absence.covering_therapist
        return notifications.cover_starts_message(
            cover=cover.full_name if cover else "",
            therapist=whose,
            starts_on=absence.starts_on,
            ends_on=absence.ends_on,
        )
    return notifications.cover_ended_message(
        opened=opened,
        therapist=whose,
        starts_on=absence.starts_on,
        ends_on=absence.ends_on,
    )


@transaction.atomic
def cover_notice_send(*, absence: Absence, kind: str, now: dt.datetime) -> bool:
    """Send one notice about ``absence`` once; True if this call sent it."""
    ended = kind == CoverNoticeKind.ENDED
    opened = selectors.clients_opened_count(absence=absence) if ended else 0
    if not _claimed(absence, kind, now=now, opened=opened if ended else None):
        return False
    notification_kind = (
        NotificationKind.COVER_STARTS
        if kind == CoverNoticeKind.STARTS
        else NotificationKind.COVER_ENDED
    )
    Notification.objects.bulk_create(
        Notification(
            recipient_id=recipient,
            kind=notification_kind,
            created_at=now,
            url=notifications.cover_absence_path(absence.pk),
            message=_message(absence, kind, whose, opened),
        )
        for recipient, whose in sorted(_recipients(absence, now=now).items())
    )
    return True


def absences_due(*, now: dt.datetime) -> list[tuple[Absence, str]]:
    """Absences with a cover whose notice is due at ``now``: those under way
    (the start) and those that have ended within the last week (the end),
    by each clinic's date, without the notices already sent."""
    due: list[tuple[Absence, str]] = []
    for clinic in Clinic.objects.filter(
        absences__covering_therapist__isnull=False
    ).distinct():
        today = access.clinic_today(clinic, now)
        absences = Absence.objects.filter(
            clinic=clinic,
            covering_therapist__isnull=False,
            starts_on__lte=today,
            ends_on__gte=today - LATE_NOTICE,
        ).select_related("clinic", "therapist", "covering_therapist")
        for absence in absences.order_by("starts_on", "pk"):
            kind = (
                CoverNoticeKind.STARTS
                if absence.ends_on >= today
                else CoverNoticeKind.ENDED
            )
            due.append((absence, kind))
    sent = set(
        CoverNotice.objects.filter(
            absence_id__in=[absence.pk for absence, _ in due]
        ).values_list("absence_id", "kind")
    )
    return [(absence, kind) for absence, kind in due if (absence.pk, kind) not in sent]


def cover_notices_send(*, now: dt.datetime) -> int:
    """Send every notice due at ``now``; returns how many were sent."""
    return sum(
        cover_notice_send(absence=absence, kind=kind, now=now)
        for absence, kind in absences_due(now=now)
    )
