"""Writes of between-session records.

Every service takes keyword-only arguments and ``now``, checks that the actor
is the client's therapist (:func:`clinic.access.client_for_writing`),
validates, writes, and records an audit event.  A refused input raises
:class:`django.core.exceptions.ValidationError` before anything is written, so
that the view can show it as a form error and nothing is half-saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from attachment.agreements.terms import TermsTimeline, terms_timeline
from attachment.models import (
    MARKERS_OF_KIND,
    AgendaPriority,
    AttachmentMeasure,
    Contact,
    CopingPlan,
    DependencyObservation,
    RepairAttempt,
    RepairOutcome,
    Rupture,
    RuptureSetting,
    RuptureStatus,
    Severity,
    Source,
)
from attachment.records.contact_columns import contact_columns_update
from attachment.records.facts import (
    FROM_CLIENT,
    NEVER_A_BREACH,
    ROLLING_WEEK,
    Period,
    counts_for_policy,
    derive_facts,
    over_limit_flags,
)
from clinic import access
from clinic.audit import audit_record, audit_records
from clinic.models import Absence, AuditAction, Client, User

FUTURE_TOLERANCE = dt.timedelta(days=1)
FROM_THERAPIST = "from_therapist"
CONTACT_FIELDS = (
    "occurred_at",
    "channel",
    "direction",
    "purpose",
    "duration_minutes",
    "summary",
    "responded_at",
)
RUPTURE_FIELDS = (
    "noticed_at",
    "setting",
    "channel",
    "kind",
    "markers",
    "severity",
    "description",
    "priority",
    "status",
)


def _request_rescan(client_id: int) -> None:
    """The hook through which a saved record (a contact, rupture, repair,
    observation or measure) asks the pattern engine to look at its client again.  Called on commit with the client's id only.

    Debounced in :func:`attachment.engine.tasks.request_rescan`, which never raises
    when the broker is down (the nightly scan catches up).
    """
    from attachment.engine.tasks import request_rescan

    request_rescan(client_id)


def _request_rescans(client_ids: list[int]) -> None:
    """:func:`_request_rescan` for the many clients of a bulk write, in one
    statement (:func:`attachment.engine.tasks.request_rescans`)."""
    from attachment.engine.tasks import request_rescans

    request_rescans(client_ids)


def _writable(actor: User, client: Client, now: dt.datetime) -> Client:
    return access.client_for_writing(actor, client.pk, on=now.date())


def _not_in_future(
    errors: dict[str, str], field: str, value: Any, now: dt.datetime
) -> None:
    if isinstance(value, dt.datetime) and value > now + FUTURE_TOLERANCE:
        errors[field] = "This is more than a day in the future."
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        if value > (now + FUTURE_TOLERANCE).date():
            errors[field] = "This is more than a day in the future."


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def absence_periods(*, therapist_ids: Iterable[int]) -> dict[int, list[Period]]:
    """Absences of many therapists in one query."""
    periods: dict[int, list[Period]] = {}
    for therapist_id, starts_on, ends_on in Absence.objects.filter(
        therapist_id__in=list(therapist_ids)
    ).values_list("therapist_id", "starts_on", "ends_on"):
        periods.setdefault(therapist_id, []).append(Period(starts_on, ends_on))
    return periods


class ContactTimes(Protocol):
    """What :func:`apply_facts` reads and sets: a saved ``Contact`` or a
    ``NewContact`` on its way into the database alike."""

    occurred_at: dt.datetime
    channel: str
    direction: str
    purpose: str
    responded_at: dt.datetime | None
    over_weekly_limit: bool


def apply_facts(
    contact: ContactTimes,
    *,
    client: Client,
    timeline: TermsTimeline,
    absences: Sequence[Period],
) -> None:
    """Set the stored facts of ``contact`` (all but ``over_weekly_limit``),
    judged against the terms in force when it happened."""
    judged = timeline.at(contact.occurred_at)
    facts = derive_facts(
        occurred_at=contact.occurred_at,
        channel=contact.channel,
        direction=contact.direction,
        purpose=contact.purpose,
        responded_at=contact.responded_at,
        terms=judged.terms,
        hours_zone=judged.hours_zone,
        zone=client.clinic.zone,
        absences=absences,
        ended_on=client.ended_on,
    )
    for name, value in vars(facts).items():
        setattr(contact, name, value)
    if not counts_for_policy(direction=contact.direction, purpose=contact.purpose):
        contact.over_weekly_limit = False


def weekly_limit_refresh(
    *,
    timelines: dict[int, TermsTimeline],
    start: dt.datetime,
    end: dt.datetime,
) -> int:
    """Recompute ``over_weekly_limit`` of the contacts that count toward the
    limit (from the client, not distress or crisis) of the clients in
    ``timelines`` between ``start`` and ``end``, after contacts were added or
    moved there; each is judged by the limit in force at it.  Returns how many
    changed.

    A contact added at t changes the fact of those in [t, t + 7 days), and each
    of those needs the contacts of the 7 days before it: one query reads them
    all.
    """
    rows = (
        Contact.objects.filter(
            client_id__in=list(timelines),
            direction=FROM_CLIENT,
            occurred_at__gt=start - ROLLING_WEEK,
            occurred_at__lte=end,
        )
        .exclude(purpose__in=NEVER_A_BREACH)
        .order_by("client_id", "occurred_at", "pk")
        .values_list("pk", "client_id", "occurred_at", "over_weekly_limit")
    )
    by_client: dict[int, list[tuple[int, dt.datetime, bool]]] = {}
    for pk, client_id, occurred_at, flag in rows:
        by_client.setdefault(client_id, []).append((pk, occurred_at, flag))
    changed: list[tuple[int, bool]] = []
    for client_id, series in by_client.items():
        timeline = timelines[client_id]
        moments = [moment for _, moment, _ in series]
        flags = over_limit_flags(
            moments, [timeline.at(moment).weekly_limit for moment in moments]
        )
        for (pk, moment, stored), flag in zip(series, flags, strict=True):
            if moment >= start and stored != flag:
                changed.append((pk, flag))
    return contact_columns_update(changed, ("over_weekly_limit",))


def _validate_contact(contact: Contact, *, now: dt.datetime) -> None:
    errors: dict[str, str] = {}
    _not_in_future(errors, "occurred_at", contact.occurred_at, now)
    _not_in_future(errors, "responded_at", contact.responded_at, now)
    if contact.responded_at is not None:
        if contact.direction != FROM_CLIENT:
            errors["responded_at"] = "Only a contact from the client is responded to."
        elif contact.occurred_at and contact.responded_at < contact.occurred_at:
            errors["responded_at"] = "The response cannot come before the contact."
    answered = contact.in_reply_to
    if answered is not None:
        if contact.direction != FROM_THERAPIST:
            errors["in_reply_to"] = "Only a contact from the therapist answers one."
        elif contact.occurred_at and contact.occurred_at < answered.occurred_at:
            errors["in_reply_to"] = (
                "The reply cannot come before the contact it answers."
            )
    if contact.pk is not None:
        replies = Contact.objects.filter(in_reply_to_id=contact.pk)
        if contact.direction != FROM_CLIENT and replies.exists():
            errors["direction"] = "This contact has a reply, so it is from the client."
        elif replies.filter(occurred_at__lt=contact.occurred_at).exists():
            errors["occurred_at"] = "This contact cannot come after its reply."
    _raise_if(errors)
    contact.full_clean(exclude=["client", "in_reply_to"])


def answered_contact(client: Client, contact_id: int | None) -> Contact | None:
    """The client contact a reply answers: one of this client's own contacts
    from the client, or refused."""
    if contact_id is None:
        return None
    answered = Contact.objects.filter(
        client=client, direction=FROM_CLIENT, pk=contact_id
    ).first()
    if answered is None:
        raise ValidationError(
            {"in_reply_to": "Choose one of this client's contacts, or none."}
        )
    return answered


def contact_answered_by(*, actor: User, reply: Contact, now: dt.datetime) -> None:
    """A linked reply answers its contact: the contact's answer time is the
    reply's, unless the contact was already answered; its facts are derived
    again and the change audited.  The caller has checked that ``actor`` may
    log the reply (the treating therapist, or the cover)."""
    if reply.in_reply_to_id is None:
        return
    answered = Contact.objects.select_for_update().get(pk=reply.in_reply_to_id)
    if answered.responded_at is not None:
        return
    earliest = answered.occurred_at
    answered.responded_at = reply.occurred_at
    contact_save_with_facts(answered, client=reply.client, earliest=earliest, now=now)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=answered, at=now)


def contact_save_with_facts(
    contact: Contact, *, client: Client, earliest: dt.datetime, now: dt.datetime
) -> None:
    """Validate and save ``contact`` with the facts of the terms in force at
    its time, refresh the weekly-limit fact of its neighbours (from
    ``earliest``, where it was before a move) and ask for a re-scan on commit.
    The caller has checked the actor's permission and audits the write."""
    _validate_contact(contact, now=now)
    timeline = terms_timeline(client=client)
    absences = absence_periods(therapist_ids=[client.therapist_id]).get(
        client.therapist_id, []
    )
    apply_facts(contact, client=client, timeline=timeline, absences=absences)
    contact.save()
    latest = max(earliest, contact.occurred_at)
    weekly_limit_refresh(
        timelines={client.pk: timeline},
        start=min(earliest, contact.occurred_at),
        end=latest + ROLLING_WEEK,
    )
    contact.refresh_from_db(fields=["over_weekly_limit"])
    transaction.on_commit(lambda: _request_rescan(client.pk))


@transaction.atomic
def contact_log(
    *,
    actor: User,
    client: Client,
    occurred_at: dt.datetime,
    channel: str,
    direction: str,
    now: dt.datetime,
    purpose: str = "",
    duration_minutes: int | None = None,
    summary: str = "",
    responded_at: dt.datetime | None = None,
    in_reply_to: int | None = None,
    source: str = Source.MANUAL,
) -> Contact:
    """Record one between-session contact and the policy facts it carries; a
    reply (``in_reply_to``: the id of the client contact it answers) also
    gives that contact its answer time if it had none."""
    client = _writable(actor, client, now)
    contact = Contact(
        client=client,
        occurred_at=occurred_at,
        channel=channel,
        direction=direction,
        purpose=purpose,
        duration_minutes=duration_minutes,
        summary=summary.strip(),
        responded_at=responded_at,
        in_reply_to=answered_contact(client, in_reply_to),
        source=source,
    )
    contact_save_with_facts(contact, client=client, earliest=occurred_at, now=now)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=contact, at=now)
    contact_answered_by(actor=actor, reply=contact, now=now)
    return contact


@transaction.atomic
def contact_update(
    *, actor: User, contact: Contact, now: dt.datetime, **changes: Any
) -> Contact:
    """Change a contact; its facts are derived again, and the weekly-limit fact
    of its neighbours both where it was and where it now is."""
    client = _writable(actor, contact.client, now)
    contact = Contact.objects.select_for_update().get(pk=contact.pk, client=client)
    unknown = set(changes) - {*CONTACT_FIELDS, "in_reply_to"}
    if unknown:
        raise TypeError(f"contact_update() got unexpected fields {sorted(unknown)}")
    earliest = contact.occurred_at
    for name, value in changes.items():
        if name == "in_reply_to":
            contact.in_reply_to = answered_contact(client, value)
        else:
            setattr(contact, name, value.strip() if name == "summary" else value)
    contact_save_with_facts(contact, client=client, earliest=earliest, now=now)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=contact, at=now)
    contact_answered_by(actor=actor, reply=contact, now=now)
    return contact


def _validate_rupture(rupture: Rupture, *, now: dt.datetime) -> None:
    errors: dict[str, str] = {}
    _not_in_future(errors, "noticed_at", rupture.noticed_at, now)
    allowed = MARKERS_OF_KIND.get(rupture.kind, ())
    if any(marker not in allowed for marker in rupture.markers):
        errors["markers"] = "Choose markers of the rupture's kind only."
    if rupture.setting == RuptureSetting.BETWEEN_SESSIONS and not rupture.channel:
        errors["channel"] = "Give the channel of a rupture between sessions."
    if rupture.setting == RuptureSetting.IN_SESSION and rupture.channel:
        errors["channel"] = "A rupture in session has no channel."
    if rupture.pk and rupture.noticed_at:
        first = rupture.attempts.order_by("attempted_at").first()
        if first is not None and first.attempted_at < rupture.noticed_at:
            errors["noticed_at"] = "A repair attempt was recorded before this time."
    _raise_if(errors)
    rupture.full_clean(exclude=["client"])


@transaction.atomic
def rupture_record(
    *,
    actor: User,
    client: Client,
    noticed_at: dt.datetime,
    setting: str,
    kind: str,
    now: dt.datetime,
    channel: str = "",
    markers: Sequence[str] = (),
    severity: int = Severity.MILD,
    description: str = "",
    priority: int = AgendaPriority.NORMAL,
    status: str = RuptureStatus.OPEN,
) -> Rupture:
    client = _writable(actor, client, now)
    rupture = Rupture(
        client=client,
        noticed_at=noticed_at,
        setting=setting,
        channel=channel,
        kind=kind,
        markers=list(dict.fromkeys(markers)),
        severity=severity,
        description=description.strip(),
        priority=priority,
        status=status,
    )
    _validate_rupture(rupture, now=now)
    rupture.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=rupture, at=now)
    transaction.on_commit(lambda: _request_rescan(client.pk))
    return rupture


@transaction.atomic
def rupture_update(
    *, actor: User, rupture: Rupture, now: dt.datetime, **changes: Any
) -> Rupture:
    client = _writable(actor, rupture.client, now)
    rupture = Rupture.objects.select_for_update().get(pk=rupture.pk, client=client)
    unknown = set(changes) - set(RUPTURE_FIELDS)
    if unknown:
        raise TypeError(f"rupture_update() got unexpected fields {sorted(unknown)}")
    for name, value in changes.items():
        setattr(
            rupture, name, list(dict.fromkeys(value)) if name == "markers" else value
        )
    _validate_rupture(rupture, now=now)
    rupture.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=rupture, at=now)
    transaction.on_commit(lambda: _request_rescan(client.pk))
    return rupture


@transaction.atomic
def repair_record(
    *,
    actor: User,
    rupture: Rupture,
    attempted_at: dt.datetime,
    setting: str,
    strategy: str,
    outcome: str,
    now: dt.datetime,
    client_response: str = "",
) -> RepairAttempt:
    """Record a repair attempt.  A complete repair resolves the rupture; any
    other attempt marks an open rupture as being repaired."""
    client = _writable(actor, rupture.client, now)
    rupture = Rupture.objects.select_for_update().get(pk=rupture.pk, client=client)
    attempt = RepairAttempt(
        rupture=rupture,
        attempted_at=attempted_at,
        setting=setting,
        strategy=strategy,
        outcome=outcome,
        client_response=client_response.strip(),
    )
    errors: dict[str, str] = {}
    _not_in_future(errors, "attempted_at", attempted_at, now)
    if attempted_at is not None and attempted_at < rupture.noticed_at:
        errors["attempted_at"] = "A repair cannot come before its rupture."
    _raise_if(errors)
    attempt.full_clean(exclude=["rupture"])
    attempt.save()
    if outcome == RepairOutcome.COMPLETE:
        rupture.status = RuptureStatus.RESOLVED
    elif rupture.status == RuptureStatus.OPEN:
        rupture.status = RuptureStatus.REPAIRING
    rupture.save(update_fields=["status"])
    audit_record(
        actor=actor, action=AuditAction.CREATE, obj=attempt, client_id=client.pk, at=now
    )
    transaction.on_commit(lambda: _request_rescan(client.pk))
    return attempt


@transaction.atomic
def observation_record(
    *,
    actor: User,
    client: Client,
    observed_at: dt.datetime,
    markers: Sequence[str],
    intensity: int,
    now: dt.datetime,
    triggers: Sequence[str] = (),
    note: str = "",
) -> DependencyObservation:
    client = _writable(actor, client, now)
    observation = DependencyObservation(
        client=client,
        observed_at=observed_at,
        markers=list(dict.fromkeys(markers)),
        intensity=intensity,
        triggers=list(dict.fromkeys(triggers)),
        note=note.strip(),
    )
    errors: dict[str, str] = {}
    _not_in_future(errors, "observed_at", observed_at, now)
    if not observation.markers:
        errors["markers"] = "Choose at least one marker."
    _raise_if(errors)
    observation.full_clean(exclude=["client"])
    observation.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=observation, at=now)
    transaction.on_commit(lambda: _request_rescan(client.pk))
    return observation


@transaction.atomic
def measure_record(
    *,
    actor: User,
    client: Client,
    measured_on: dt.date,
    secure: Decimal,
    avoidant_fearful: Decimal,
    preoccupied_merger: Decimal,
    now: dt.datetime,
) -> AttachmentMeasure:
    client = _writable(actor, client, now)
    measure = AttachmentMeasure(
        client=client,
        measured_on=measured_on,
        secure=secure,
        avoidant_fearful=avoidant_fearful,
        preoccupied_merger=preoccupied_merger,
    )
    errors: dict[str, str] = {}
    _not_in_future(errors, "measured_on", measured_on, now)
    if AttachmentMeasure.objects.filter(
        client=client, measured_on=measured_on
    ).exists():
        errors["measured_on"] = "A measure is already recorded for this day."
    _raise_if(errors)
    measure.full_clean(exclude=["client"])
    measure.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=measure, at=now)
    transaction.on_commit(lambda: _request_rescan(client.pk))
    return measure


@transaction.atomic
def coping_plan_revise(
    *,
    actor: User,
    client: Client,
    now: dt.datetime,
    triggers: Sequence[str] = (),
    trigger_details: str = "",
    strategies: Sequence[str] = (),
    other_strategies: str = "",
    supports: str = "",
    crisis_steps: str = "",
    review_on: dt.date | None = None,
) -> CopingPlan:
    """Write the next version of the client's coping plan; earlier versions stay."""
    client = _writable(actor, client, now)
    # The client row lock serialises two revisions written at once.
    Client.objects.select_for_update().filter(pk=client.pk).first()
    latest = CopingPlan.objects.filter(client=client).aggregate(v=Max("version"))["v"]
    plan = CopingPlan(
        client=client,
        version=(latest or 0) + 1,
        triggers=list(dict.fromkeys(triggers)),
        trigger_details=trigger_details.strip(),
        strategies=list(dict.fromkeys(strategies)),
        other_strategies=other_strategies.strip(),
        supports=supports.strip(),
        crisis_steps=crisis_steps.strip(),
        review_on=review_on,
        written_at=now,
        author=actor,
    )
    plan.full_clean(exclude=["client", "author"])
    plan.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=plan, at=now)
    return plan


def _audit_ticked(note: Any, records: Sequence[Contact | Rupture]) -> None:
    """The note's author ticked the agenda items, so the audit names them."""
    audit_records(
        actor=note.author, action=AuditAction.UPDATE, objs=records, at=note.updated_at
    )


def contacts_mark_discussed(*, note: Any, ids: Sequence[int]) -> int:
    """Link the client's contacts ``ids`` to the session note where they were
    brought up, so that they leave the agenda.  Ids of other clients' contacts
    are ignored."""
    contacts = list(
        Contact.objects.select_for_update()
        .filter(pk__in=list(ids), client_id=note.client_id, discussed_in__isnull=True)
        .only("pk", "client_id")
    )
    Contact.objects.filter(pk__in=[contact.pk for contact in contacts]).update(
        discussed_in=note
    )
    _audit_ticked(note, contacts)
    return len(contacts)


def ruptures_mark_discussed(*, note: Any, ids: Sequence[int], at: dt.datetime) -> int:
    """Record that open ruptures were discussed in ``note``; they stay open (an
    open rupture is an agenda item until resolved) but leave this agenda."""
    ruptures = list(
        Rupture.objects.select_for_update()
        .filter(pk__in=list(ids), client_id=note.client_id)
        .only("pk", "client_id")
    )
    Rupture.objects.filter(pk__in=[rupture.pk for rupture in ruptures]).update(
        last_discussed_in=note, last_discussed_at=at
    )
    _audit_ticked(note, ruptures)
    return len(ruptures)
