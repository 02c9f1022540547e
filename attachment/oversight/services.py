"""Writes of the clinic's detector settings, by its clinical lead alone.

A change needs a reason; it is validated against each threshold's range and the cross-field
rules (:func:`attachment.engine.patterns.thresholds.threshold_problems`) before
anything is written, audited, kept in history by pghistory, and followed by
a full scan of the clinic so that the flags reflect the new settings without
waiting for the night.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from attachment.engine.patterns import FIELDS
from attachment.engine.services import default_thresholds_row, detector_settings_for
from attachment.engine.tasks import clinic_scan_task
from attachment.models import DetectorSettings, DetectorSettingsChange
from clinic import access
from clinic.audit import audit_record
from clinic.models import AuditAction, Clinic, Role, User
from clinic.publishing import publish


def _nightly_scan_catches_up() -> None:
    """Nothing to do here when the broker is down: the settings are saved, and
    the nightly scan of every clinic reads them."""


def _queue_clinic_scan(clinic_id: int) -> None:
    publish(
        clinic_scan_task,
        kwargs={"clinic_id": clinic_id},
        fallback=_nightly_scan_catches_up,
        what="scan after settings change",
    )


def _require_clinical_lead(actor: User, clinic: Clinic) -> None:
    """Only the clinic's clinical lead changes thresholds: anyone else of
    the clinic gets 403, anyone of another clinic 404."""
    lead_of = access.clinical_lead_clinic(actor)
    if lead_of is not None and lead_of.pk == clinic.pk:
        return
    if clinic.pk in access.clinic_ids_with_role(actor, *Role.values):
        raise access.forbidden(actor, "detector-settings-change", clinic.pk)
    raise access.not_found(actor, "clinic", clinic.pk)


def _differences(row: DetectorSettings, values: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        spec.name: [getattr(row, spec.name), values[spec.name]]
        for spec in FIELDS
        if getattr(row, spec.name) != values[spec.name]
    }


@transaction.atomic
def detector_settings_save(
    *,
    actor: User,
    clinic: Clinic,
    values: dict[str, Any],
    reason: str,
    now: dt.datetime,
) -> DetectorSettings:
    """Set the clinic's thresholds to ``values`` (every field of
    :data:`attachment.engine.patterns.FIELDS`), for ``reason``, listed with
    who and when; raises ``ValidationError`` for a missing reason or an
    out-of-range or inconsistent value, writing nothing.  Values equal to
    the stored ones change nothing and list nothing."""
    _require_clinical_lead(actor, clinic)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the thresholds change."})
    row = DetectorSettings.objects.select_for_update().get(
        pk=detector_settings_for(clinic=clinic).pk
    )
    changes = _differences(row, values)
    if not changes:
        return row
    for spec in FIELDS:
        setattr(row, spec.name, values[spec.name])
    row.full_clean(exclude=["clinic"])
    row.save()
    change = DetectorSettingsChange(
        clinic=clinic, changed_by=actor, changed_at=now, reason=reason, changes=changes
    )
    change.full_clean()
    change.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=row, at=now)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=change, at=now)
    transaction.on_commit(lambda: _queue_clinic_scan(clinic.pk))
    return row


def detector_settings_reset(
    *, actor: User, clinic: Clinic, reason: str, now: dt.datetime
) -> DetectorSettings:
    """Put every threshold back to its documented default."""
    return detector_settings_save(
        actor=actor,
        clinic=clinic,
        values=default_thresholds_row(),
        reason=reason,
        now=now,
    )
