"""The client sequence card's page: one client's live flags read as one story,
with the client's weeks of contact, what happened around them, and the
questions for supervision."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from attachment.models import (
    LIVE_FLAG_STATUSES,
    AttachmentMeasure,
    ContactAgreement,
    RepairAttempt,
    Rupture,
)
from attachment.records.charts import weekly_chart
from attachment.review import selectors
from attachment.review.progress import progress_signals
from attachment.review.sequences import card_of
from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.audit import audit_record
from clinic.models import Absence, AuditAction, Client
from notes.models import Attendance, SessionNote

# How far before the sequence's first window its surroundings are listed.
LEAD_IN = dt.timedelta(weeks=4)


def _around(client: Client, since: dt.date) -> list[tuple[dt.date, str]]:
    """What happened from ``since`` on, dated, as short neutral phrases: the
    agreement's versions, the therapist's absences, no-shows, ruptures and
    repairs, and measures (no clinical text)."""
    zone = client.clinic.zone
    start = dt.datetime.combine(since, dt.time.min, zone)
    events: list[tuple[dt.date, str]] = []
    for version, effective_from in ContactAgreement.objects.filter(
        client=client, effective_from__gte=start
    ).values_list("version", "effective_from"):
        events.append(
            (effective_from.astimezone(zone).date(), f"agreement version {version}")
        )
    for starts_on, ends_on in Absence.objects.filter(
        therapist_id=client.therapist_id, ends_on__gte=since
    ).values_list("starts_on", "ends_on"):
        events.append((starts_on, f"therapist away until {ends_on.day} {ends_on:%b}"))
    for session_at in SessionNote.objects.filter(
        client=client, attendance=Attendance.NO_SHOW, session_at__gte=start
    ).values_list("session_at", flat=True):
        events.append((session_at.astimezone(zone).date(), "session missed"))
    for noticed_at, kind in Rupture.objects.filter(
        client=client, noticed_at__gte=start
    ).values_list("noticed_at", "kind"):
        events.append((noticed_at.astimezone(zone).date(), f"rupture ({kind})"))
    for attempted_at, outcome in RepairAttempt.objects.filter(
        rupture__client=client, attempted_at__gte=start
    ).values_list("attempted_at", "outcome"):
        events.append(
            (attempted_at.astimezone(zone).date(), f"repair attempt ({outcome})")
        )
    for measured_on in AttachmentMeasure.objects.filter(
        client=client, measured_on__gte=since
    ).values_list("measured_on", flat=True):
        events.append((measured_on, "attachment measure taken"))
    return sorted(events)


@login_required
def client_sequence(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    now = timezone.now()
    client = access.client_for_reading(request.user, client_id, on=now.date())
    flags = list(
        selectors.flags_readable(user=request.user, now=now)
        .filter(client=client, status__in=LIVE_FLAG_STATUSES, archived_at__isnull=True)
        .order_by("detected_at", "pk")
    )
    card = card_of(flags)
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        obj=client,
        client_id=client.pk,
        at=now,
        request=request,
    )
    since = (card.since if card else now.date()) - LEAD_IN
    return render(
        request,
        "attachment/sequences/client_sequence.html",
        {
            "client": client,
            "card": card,
            "chart": weekly_chart(client=client, now=now),
            "events": _around(client, since),
            "progress": progress_signals(client=client, now=now),
            "since": since,
        },
    )
