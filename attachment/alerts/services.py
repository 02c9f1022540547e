"""The unanswered-distress sweep: beat runs it every five minutes
(:mod:`attachment.alerts.tasks`).

Each run settles the alerts whose contact has been answered, raises one
alert for every contact whose reply is now due (:mod:`attachment.alerts.rules`
decides when) and tells the treating therapist, or the colleague covering
their absence, and escalates once to the therapist's current supervisors the
alerts still unanswered a reply window later.

Every step reads in sets (a handful of queries whatever the number of
clients) and claims its rows with ``SELECT … FOR UPDATE SKIP LOCKED`` before
writing, so two sweeps running at once never raise, tell or escalate the same
thing twice; the contact's one-to-one alert is the last guard.  The writes
are the system's: audited with no actor.  A notification carries fixed
wording, the contact's purpose and a path by id, never the client's code,
name or any clinical text.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from attachment.agreements.terms import TermsTimeline, terms_timelines
from attachment.alerts import rules, selectors
from attachment.models import Contact, Notification, NotificationKind, SafetyAlert
from attachment.supervision import notifications
from clinic.audit import audit_records
from clinic.models import AuditAction, Client


@dataclass(frozen=True)
class SweepCounts:
    """What one sweep did: alerts raised, escalated, left unescalated for want
    of a current supervisor, and settled by an answer."""

    raised: int = 0
    escalated: int = 0
    not_escalated: int = 0
    settled: int = 0


def unanswered_distress_sweep(*, now: dt.datetime) -> SweepCounts:
    """Settle, raise and escalate the unanswered-distress alerts at ``now``."""
    settled = alerts_settle(now=now)
    raised = alerts_raise(now=now)
    escalated, not_escalated = alerts_escalate(now=now)
    return SweepCounts(
        raised=raised,
        escalated=escalated,
        not_escalated=not_escalated,
        settled=settled,
    )


def _audit(alerts: Sequence[SafetyAlert], *, action: str, now: dt.datetime) -> None:
    by_clinic: dict[int, list[SafetyAlert]] = defaultdict(list)
    for alert in alerts:
        by_clinic[alert.client.clinic_id].append(alert)
    for clinic_id, some in sorted(by_clinic.items()):
        audit_records(actor=None, action=action, objs=some, at=now, clinic_id=clinic_id)


@transaction.atomic
def alerts_settle(*, now: dt.datetime) -> int:
    """Record the answer of every open alert whose contact has been answered."""
    alerts = list(
        SafetyAlert.objects.filter(
            answered_at__isnull=True, contact__responded_at__isnull=False
        )
        .annotate(responded=F("contact__responded_at"))
        .select_related("client")
        .select_for_update(of=("self",), skip_locked=True)
    )
    for alert in alerts:
        alert.answered_at = alert.responded
    SafetyAlert.objects.bulk_update(alerts, ["answered_at"])
    _audit(alerts, action=AuditAction.UPDATE, now=now)
    return len(alerts)


def _timing(
    contact: Contact,
    *,
    risk_level: str,
    timelines: dict[int, TermsTimeline],
    now: dt.datetime,
) -> rules.AlertTiming | None:
    timeline = timelines[contact.client_id]
    judged = timeline.at(contact.occurred_at)
    frame = timeline.frames.at(contact.occurred_at)
    return rules.alert_due(
        occurred_at=contact.occurred_at,
        purpose=contact.purpose,
        risk_level=risk_level or "",
        agreed_reply_hours=judged.agreement.reply_hours if judged.agreement else None,
        frame_reply_hours=frame.response_window_hours,
        crisis_reply_minutes=frame.crisis_reply_minutes,
        now=now,
    )


def _due(contacts: list[Contact], *, now: dt.datetime) -> list[SafetyAlert]:
    """The alerts due at ``now`` among ``contacts`` (not yet told anyone)."""
    clients = {contact.client_id: contact.client for contact in contacts}
    timelines = terms_timelines(clients=clients.values())
    alerts = []
    for contact in contacts:
        timing = _timing(
            contact,
            risk_level=contact.risk_level,  # type: ignore[attr-defined]
            timelines=timelines,
            now=now,
        )
        if timing is not None:
            alerts.append(
                SafetyAlert(
                    contact=contact,
                    client=contact.client,
                    due_at=timing.due_at,
                    raised_at=now,
                    escalate_at=timing.escalate_at,
                )
            )
    return alerts


@transaction.atomic
def alerts_raise(*, now: dt.datetime) -> int:
    """Raise one alert for every contact whose reply is due at ``now`` and
    tell the therapist, or the colleague covering their absence."""
    contacts = list(
        selectors.contacts_awaiting_alert(now=now).select_for_update(
            of=("self",), skip_locked=True
        )
    )
    if not contacts:
        return 0
    # Holding the contacts' locks, see what a sweep that held them before us
    # committed: it cannot still be writing.
    raised_before = set(
        SafetyAlert.objects.filter(
            contact_id__in=[contact.pk for contact in contacts]
        ).values_list("contact_id", flat=True)
    )
    alerts = _due([c for c in contacts if c.pk not in raised_before], now=now)
    if not alerts:
        return 0
    covers = selectors.covers_in_force(
        clients={alert.client_id: alert.client for alert in alerts}.values(), now=now
    )
    for alert in alerts:
        alert.notified_id = covers.get(alert.client_id, alert.client.therapist_id)
    SafetyAlert.objects.bulk_create(alerts)
    Notification.objects.bulk_create(
        Notification(
            recipient_id=alert.notified_id,
            kind=NotificationKind.UNANSWERED_DISTRESS,
            created_at=now,
            url=notifications.cover_reply_path(alert.client_id, alert.contact_id)
            if alert.client_id in covers
            else notifications.reply_path(alert.client_id, alert.contact_id),
            message=notifications.unanswered_message(
                purpose=alert.contact.purpose, covering=alert.client_id in covers
            ),
        )
        for alert in alerts
    )
    _audit(alerts, action=AuditAction.CREATE, now=now)
    return len(alerts)


@transaction.atomic
def alerts_escalate(*, now: dt.datetime) -> tuple[int, int]:
    """Tell the therapist's current supervisors of every alert still
    unanswered at its ``escalate_at``, once; the longest-standing of them is
    recorded as the one it was escalated to.  Returns (escalated, left for
    want of a current supervisor): those are tried again at the next sweep."""
    alerts = list(
        selectors.open_alerts()
        .filter(escalated_at__isnull=True, escalate_at__lte=now)
        .select_related("client__clinic", "client__therapist", "contact")
        .order_by("escalate_at", "pk")
        .select_for_update(of=("self",), skip_locked=True)
    )
    if not alerts:
        return 0, 0
    clients: dict[int, Client] = {alert.client_id: alert.client for alert in alerts}
    supervisors = selectors.supervisors_in_force(clients=clients.values(), now=now)
    escalated = [alert for alert in alerts if alert.client_id in supervisors]
    for alert in escalated:
        alert.escalated_at = now
        alert.escalated_to_id = supervisors[alert.client_id][0]
    SafetyAlert.objects.bulk_update(escalated, ["escalated_at", "escalated_to"])
    Notification.objects.bulk_create(
        Notification(
            recipient_id=supervisor_id,
            kind=NotificationKind.UNANSWERED_ESCALATED,
            created_at=now,
            url=notifications.client_path(alert.client_id),
            message=notifications.unanswered_escalated_message(
                purpose=alert.contact.purpose,
                therapist=alert.client.therapist.full_name,
            ),
        )
        for alert in escalated
        for supervisor_id in supervisors[alert.client_id]
    )
    _audit(escalated, action=AuditAction.UPDATE, now=now)
    return len(escalated), len(alerts) - len(escalated)
