"""Writes of the safety plan.

A revision never changes a version: it adds the next one, so that every
version the client was given stays readable.  Who may write is
:mod:`clinic.access`'s rule (the treating therapist only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from attachment.models import SAFETY_PLAN_SECTIONS, SafetyPlan
from attachment.models.safety import SAFETY_TEXT_MAX
from clinic import access
from clinic.audit import audit_record
from clinic.models import AuditAction, Client, User

SECTION_NAMES: tuple[str, ...] = tuple(name for name, _ in SAFETY_PLAN_SECTIONS)
NOTHING_WRITTEN = "Write at least one section of the plan."


def safety_plan_write(
    *,
    actor: User,
    client: Client,
    values: Mapping[str, str],
    now: dt.datetime,
) -> SafetyPlan:
    """Add the next version of the client's safety plan, written by ``actor``
    at ``now``.  Sections left out of ``values`` are empty in the new version."""
    with transaction.atomic():
        client = access.client_for_writing(actor, client.pk, on=now.date())
        # The client row lock serialises two revisions written at once.
        Client.objects.select_for_update().filter(pk=client.pk).first()
        sections = {name: (values.get(name) or "").strip() for name in SECTION_NAMES}
        if not any(sections.values()):
            raise ValidationError(NOTHING_WRITTEN)
        # A TextField's max_length is not checked by full_clean.
        too_long = {
            name: f"Keep this section under {SAFETY_TEXT_MAX} characters."
            for name, text in sections.items()
            if len(text) > SAFETY_TEXT_MAX
        }
        if too_long:
            raise ValidationError(too_long)
        latest = SafetyPlan.objects.filter(client=client).aggregate(v=Max("version"))
        plan = SafetyPlan(
            client=client,
            version=(latest["v"] or 0) + 1,
            written_at=now,
            author=actor,
            **sections,
        )
        plan.full_clean(exclude=["client", "author"])
        plan.save()
        audit_record(actor=actor, action=AuditAction.CREATE, obj=plan, at=now)
        return plan
