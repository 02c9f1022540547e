"""Progress signals: improvement made as visible as risk.

Shown beside a client's findings: observations of internalised security,
fewer check-in or reassurance contacts than before, and ruptures repaired.
Each compares the recent weeks with as many weeks before them, and says so
in a plain sentence with the counts; nothing is said when nothing improved.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from attachment.models import Contact, DependencyObservation, RepairAttempt
from clinic.models import Client

PROGRESS_WEEKS = 8
SECURITY = "internalised_security"


def _weeks(count: int) -> str:
    return f"{count} week" if count == 1 else f"{count} weeks"


def progress_signals(
    *, client: Client, now: dt.datetime, weeks: int = PROGRESS_WEEKS
) -> list[str]:
    """Plain sentences, one per sign of progress in the last ``weeks`` weeks
    against the ``weeks`` before them (three queries)."""
    span = dt.timedelta(weeks=weeks)
    start, middle = now - 2 * span, now - span
    signals = []
    security = DependencyObservation.objects.filter(
        client=client,
        observed_at__gte=middle,
        observed_at__lte=now,
        markers__contains=[SECURITY],
    ).count()
    if security:
        signals.append(
            f"Internalised security observed {security} "
            f"{'time' if security == 1 else 'times'} in the last {_weeks(weeks)}."
        )
    # Recent contacts not yet classified may be check-ins too: the signal
    # waits until they are.
    reassurance = Contact.objects.filter(
        Q(purpose="reassurance") | Q(purpose="", occurred_at__gte=middle),
        client=client,
        direction="from_client",
        occurred_at__gte=start,
        occurred_at__lte=now,
    ).aggregate(
        before=Count("pk", filter=Q(occurred_at__lt=middle)),
        lately=Count("pk", filter=Q(occurred_at__gte=middle, purpose="reassurance")),
        waiting=Count("pk", filter=Q(occurred_at__gte=middle, purpose="")),
    )
    if reassurance["lately"] + reassurance["waiting"] < reassurance["before"]:
        signals.append(
            f"Fewer check-in or reassurance contacts: {reassurance['lately']} in "
            f"the last {_weeks(weeks)}, against {reassurance['before']} in the "
            f"{_weeks(weeks)} before."
        )
    repaired = (
        RepairAttempt.objects.filter(
            rupture__client=client,
            outcome="complete",
            attempted_at__gte=middle,
            attempted_at__lte=now,
        )
        .values("rupture_id")
        .distinct()
        .count()
    )
    if repaired:
        signals.append(
            f"{repaired} {'rupture' if repaired == 1 else 'ruptures'} repaired in "
            f"the last {_weeks(weeks)}."
        )
    return signals
