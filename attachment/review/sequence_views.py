"""The client sequence card's page: one client's live flags read as one story,
with the client's weeks of contact and what happened around them on one
timeline (:mod:`attachment.review.sequence_chart`), and the questions for
supervision."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from attachment.models import LIVE_FLAG_STATUSES
from attachment.review import selectors
from attachment.review.progress import progress_signals
from attachment.review.sequence_chart import sequence_chart
from attachment.review.sequences import card_of
from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.audit import audit_record
from clinic.models import AuditAction

# How far before the sequence's first window the timeline begins.
LEAD_IN = dt.timedelta(weeks=4)


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
    chart = (
        sequence_chart(
            client=client, flags=card.flags, since=card.since - LEAD_IN, now=now
        )
        if card
        else None
    )
    return render(
        request,
        "attachment/sequences/client_sequence.html",
        {
            "client": client,
            "card": card,
            "chart": chart,
            "progress": progress_signals(client=client, now=now),
        },
    )
