"""Writes of the between-sessions agreement: a new version, the supervisor's
approval of one wider than the clinic's frame, and the client's
acknowledgement.

A version never judges a contact made before it: it takes effect from the
start of its day in the client's time zone, or from the moment it is written
if that is later, and a version wider than the frame from the moment its
approval is recorded.  Which version is in force at a moment is
:mod:`attachment.agreements.terms`'s rule; how a version compares with the
frame is :func:`attachment.agreements.frame.widenings`'s; who supervises whom
is :mod:`clinic.access`'s.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from attachment.agreements.frame import widenings
from attachment.agreements.selectors import has_current_supervisor
from attachment.models import Acknowledgement, ContactAgreement, Purpose
from attachment.records.boundary_refresh import (
    _rescan_on_commit,
    contact_facts_refresh,
)
from clinic import access
from clinic.audit import audit_record
from clinic.models import AuditAction, Channel, Client, User, validate_timezone
from clinic.policies import clinic_default_policy

# The terms and words a version holds, as ``agreement_write`` takes them.
AGREEMENT_FIELDS = (
    "allowed_channels",
    "contact_hours",
    "weekly_limit",
    "after_ending_allowed",
    "purpose_rules",
    "reply_hours",
    "break_arrangements",
    "crisis_route",
    "after_ending",
    "in_our_words",
)
TEXT_FIELDS = ("break_arrangements", "crisis_route", "after_ending", "in_our_words")
HOUR_PATTERN = re.compile(r"\A([01]\d|2[0-3]):[0-5]\d\Z")
WEEKDAYS = {str(day) for day in range(7)}


def _raise_if(errors: Mapping[str, str]) -> None:
    if errors:
        raise ValidationError(dict(errors))


def _hours_problem(hours: Any) -> str | None:
    """Why ``hours`` ({"0": ["09:00", "17:00"], ...}) cannot be stored, or None."""
    if not isinstance(hours, dict):
        return "The hours must be given per weekday."
    for day, window in hours.items():
        if day not in WEEKDAYS:
            return "The hours name a day that is not a weekday."
        if (
            not isinstance(window, list | tuple)
            or len(window) != 2
            or not all(isinstance(t, str) and HOUR_PATTERN.match(t) for t in window)
        ):
            return "Each day's hours are a start and an end, as HH:MM."
        if window[1] <= window[0]:
            return "On each day the end of the hours must be after the start."
    return None


def _rules_problem(rules: Any, channels: list[str]) -> str | None:
    """Why ``rules`` ({channel: [purpose, ...]}) cannot be stored, or None."""
    if not isinstance(rules, dict):
        return "The rules by purpose must be given per channel."
    for channel, purposes in rules.items():
        if channel not in Channel.values:
            return "A rule by purpose names an unknown channel."
        if channel not in channels:
            label = Channel(channel).label.lower()
            return f"A rule by purpose is set for {label}, which is not agreed."
        if not isinstance(purposes, list | tuple) or not all(
            purpose in Purpose.values for purpose in purposes
        ):
            return "A rule by purpose names an unknown purpose."
    return None


def _validated_terms(values: Mapping[str, Any]) -> dict[str, Any]:
    """The version's fields from ``values``, normalised, or a ValidationError
    naming each problem."""
    unknown = set(values) - set(AGREEMENT_FIELDS)
    if unknown:
        raise TypeError(f"agreement_write() got unexpected fields {sorted(unknown)}")
    terms = dict(values)
    errors: dict[str, str] = {}
    channels = terms.get("allowed_channels", [])
    if not isinstance(channels, list | tuple) or not all(
        channel in Channel.values for channel in channels
    ):
        errors["allowed_channels"] = "Choose channels from the list."
        channels = []
    terms["allowed_channels"] = [c for c in Channel.values if c in channels]
    hours = terms.get("contact_hours", {})
    if problem := _hours_problem(hours):
        errors["contact_hours"] = problem
    else:
        terms["contact_hours"] = {day: list(hours[day]) for day in sorted(hours)}
    rules = terms.get("purpose_rules", {})
    if problem := _rules_problem(rules, terms["allowed_channels"]):
        errors["purpose_rules"] = problem
    else:
        terms["purpose_rules"] = {
            channel: [p for p in Purpose.values if p in purposes]
            for channel, purposes in rules.items()
            if purposes
        }
    reply_hours = terms.get("reply_hours", 24)
    if not isinstance(reply_hours, int) or reply_hours < 1:
        errors["reply_hours"] = "The reply time is at least one hour."
    limit = terms.get("weekly_limit")
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        errors["weekly_limit"] = "The weekly limit is a number from 0, or empty."
    for name in TEXT_FIELDS:
        terms[name] = str(terms.get(name, "")).strip()
    _raise_if(errors)
    return terms


def _zone_chosen(client: Client, client_timezone: str | None) -> str:
    """The client's time zone after this write ("" for the clinic's)."""
    if client_timezone is None:
        return client.timezone
    chosen = client_timezone.strip()
    if chosen:
        try:
            validate_timezone(chosen)
        except ValidationError:
            raise ValidationError(
                {"client_timezone": "Choose a time zone from the list."}
            ) from None
    return chosen


def _effective_from(
    *, effective_on: dt.date, zone: zoneinfo.ZoneInfo, now: dt.datetime
) -> dt.datetime:
    """The start of ``effective_on`` where the client lives, never before the
    minute of ``now``: a version judges the contacts after it, not those
    before.  Contact times are written to the minute (a form's "now" is this
    minute), so a version takes effect from the start of the minute it is
    saved in: a contact logged just after it, at the same minute, is judged by
    it."""
    if effective_on < now.astimezone(zone).date():
        raise ValidationError(
            {
                "effective_on": "An agreement starts today or later: the contacts "
                "made so far stay judged by what was agreed when they happened."
            }
        )
    return max(dt.datetime.combine(effective_on, dt.time.min, zone), _minute(now))


def _minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


def _refresh_forward(agreement: ContactAgreement) -> None:
    """Contacts from the version's start are judged again; earlier ones keep
    their facts."""
    contact_facts_refresh(
        client_ids=[agreement.client_id], since=agreement.effective_from
    )
    _rescan_on_commit([agreement.client_id])


def _zone_write(*, actor: User, client: Client, chosen: str, now: dt.datetime) -> None:
    if chosen == client.timezone:
        return
    client.timezone = chosen
    client.save(update_fields=["timezone"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=client, at=now)


@transaction.atomic
def agreement_write(
    *,
    actor: User,
    client: Client,
    values: Mapping[str, Any],
    effective_on: dt.date,
    now: dt.datetime,
    client_timezone: str | None = None,
) -> ContactAgreement:
    """Add the next version of the client's agreement, taking effect on
    ``effective_on`` in the client's time zone (``client_timezone`` changes
    it; "" is the clinic's).  A version wider than the clinic's frame waits
    for the supervisor's approval and is not in force until then; without a
    current supervisor it is refused."""
    client = access.client_for_writing(actor, client.pk, on=now.date())
    # The client row lock serialises two versions written at once.
    client = (
        Client.objects.select_for_update().select_related("clinic").get(pk=client.pk)
    )
    terms = _validated_terms(values)
    chosen = _zone_chosen(client, client_timezone)
    zone = zoneinfo.ZoneInfo(chosen or client.clinic.timezone)
    effective_from = _effective_from(effective_on=effective_on, zone=zone, now=now)
    existing = ContactAgreement.objects.filter(client=client).aggregate(
        latest=Max("version"), last_start=Max("effective_from")
    )
    if existing["last_start"] is not None and effective_from < existing["last_start"]:
        raise ValidationError(
            {
                "effective_on": "An earlier version takes effect later than this "
                "date; a new version can start on that date or after it."
            }
        )
    agreement = ContactAgreement(
        client=client,
        version=(existing["latest"] or 0) + 1,
        effective_from=effective_from,
        written_at=now,
        author=actor,
        **terms,
    )
    agreement.full_clean(exclude=["client", "author", "approved_by"])
    wider = widenings(agreement, clinic_default_policy(clinic=client.clinic))
    agreement.wider_than_frame = bool(wider)
    if wider and not has_current_supervisor(client=client, on=now.date()):
        raise ValidationError(
            "This version allows more than the clinic's frame ("
            + "; ".join(wider)
            + "). Such a version needs a supervisor's approval, and you have no "
            "current supervisor: keep it inside the clinic's frame."
        )
    _zone_write(actor=actor, client=client, chosen=chosen, now=now)
    agreement.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=agreement,
        clinic_id=client.clinic_id,
        at=now,
    )
    if agreement.in_force_possible:
        _refresh_forward(agreement)
    return agreement


@transaction.atomic
def agreement_approve(
    *, actor: User, agreement: ContactAgreement, now: dt.datetime
) -> ContactAgreement:
    """The current supervisor of the client's therapist approves a version
    wider than the frame.  It is in force from its start, or from now if its
    start has passed while it waited: never over contacts already made."""
    client = access.client_for_reading(actor, agreement.client_id, on=now.date())
    if not access.is_current_supervisor(
        actor,
        supervisee_id=client.therapist_id,
        clinic_id=client.clinic_id,
        on=now.date(),
    ):
        raise access.forbidden(actor, "agreement", agreement.pk)
    agreement = ContactAgreement.objects.select_for_update().get(
        pk=agreement.pk, client=client
    )
    if not agreement.awaiting_approval:
        raise ValidationError("This version does not await approval.")
    if ContactAgreement.objects.filter(
        client=client, version__gt=agreement.version
    ).exists():
        raise ValidationError(
            "A newer version has been written since; only the newest version "
            "can be approved."
        )
    agreement.approved_by = actor
    agreement.approved_at = now
    agreement.effective_from = max(agreement.effective_from, _minute(now))
    agreement.save(update_fields=["approved_by", "approved_at", "effective_from"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=agreement,
        clinic_id=client.clinic_id,
        at=now,
    )
    _refresh_forward(agreement)
    return agreement


@transaction.atomic
def agreement_acknowledge(
    *,
    actor: User,
    agreement: ContactAgreement,
    on: dt.date,
    how: str,
    told_of_logging: bool,
    now: dt.datetime,
) -> ContactAgreement:
    """The treating therapist records that the client acknowledged the
    version (in session, a signed copy, or later through the portal), and
    whether the client has been told that contacts are logged and reviewed in
    supervision."""
    client = access.client_for_writing(actor, agreement.client_id, on=now.date())
    agreement = ContactAgreement.objects.select_for_update().get(
        pk=agreement.pk, client=client
    )
    errors: dict[str, str] = {}
    if how not in Acknowledgement.values:
        errors["how"] = "Choose how the client acknowledged it."
    today = now.astimezone(client.zone).date()
    if on > today:
        errors["on"] = "The acknowledgement cannot be dated in the future."
    elif on < agreement.written_at.astimezone(client.zone).date():
        errors["on"] = "The acknowledgement cannot come before the version was written."
    _raise_if(errors)
    agreement.acknowledged_on = on
    agreement.acknowledged_how = how
    agreement.client_told_of_logging = told_of_logging
    agreement.save(
        update_fields=["acknowledged_on", "acknowledged_how", "client_told_of_logging"]
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=agreement,
        clinic_id=client.clinic_id,
        at=now,
    )
    return agreement
