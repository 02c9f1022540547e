"""Writes of the clinic admin's detector settings.

A change is validated against each threshold's range and the cross-field
rules (:func:`attachment.engine.patterns.thresholds.threshold_problems`) before
anything is written, audited, kept in history by pghistory, and followed by
a full scan of the clinic so that the flags reflect the new settings without
waiting for the night.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from attachment.engine.patterns import FIELDS
from attachment.engine.services import default_thresholds_row, detector_settings_for
from attachment.engine.tasks import clinic_scan_task
from attachment.models import DetectorSettings
from clinic import access
from clinic.audit import audit_record
from clinic.models import AuditAction, Clinic, User
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


@transaction.atomic
def detector_settings_save(
    *, actor: User, clinic: Clinic, values: dict[str, Any], now: dt.datetime
) -> DetectorSettings:
    """Set the clinic's thresholds to ``values`` (every field of
    :data:`attachment.engine.patterns.FIELDS`); raises ``ValidationError`` for an
    out-of-range or inconsistent value, writing nothing."""
    if access.admin_clinic(actor).pk != clinic.pk:
        raise access.not_found(actor, "clinic", clinic.pk)
    row = DetectorSettings.objects.select_for_update().get(
        pk=detector_settings_for(clinic=clinic).pk
    )
    for spec in FIELDS:
        setattr(row, spec.name, values[spec.name])
    row.full_clean(exclude=["clinic"])
    row.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=row, at=now)
    transaction.on_commit(lambda: _queue_clinic_scan(clinic.pk))
    return row


def detector_settings_reset(
    *, actor: User, clinic: Clinic, now: dt.datetime
) -> DetectorSettings:
    """Put every threshold back to its documented default."""
    return detector_settings_save(
        actor=actor, clinic=clinic, values=default_thresholds_row(), now=now
    )
