"""What the clinic admin's pages learn of the between-sessions agreements.

The clinic admin configures the frame and never reads what a therapist and a
client agreed, so the status handed to :mod:`clinic.extensions` is numbers,
dates and yes/no: the version in force and when it took effect, where it
stands against the frame, and whether the client acknowledged it.  The query
loads the terms' own columns only (channels, hours, limits), never a text
field of the agreement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from attachment.agreements.frame import widenings
from attachment.agreements.terms import version_in_force
from attachment.models import ContactAgreement
from clinic.extensions import AgreementStatus, FrameStanding, register_agreement_status
from clinic.models import Clinic, ContactPolicy
from clinic.policies import clinic_default_policy

# The columns the status needs; every text field of the agreement is left out.
STATUS_COLUMNS = (
    "id",
    "client_id",
    "version",
    "effective_from",
    "allowed_channels",
    "contact_hours",
    "weekly_limit",
    "after_ending_allowed",
    "reply_hours",
    "wider_than_frame",
    "approved_at",
    "acknowledged_on",
)


def _standing(version: ContactAgreement, frame: ContactPolicy) -> FrameStanding:
    """The frame as it stands now decides "inside"; a version wider than it
    was either approved, awaits approval, or was written inside an earlier,
    wider frame."""
    if not widenings(version, frame):
        return FrameStanding.INSIDE
    if version.approved_at is not None:
        return FrameStanding.WIDER_APPROVED
    if version.wider_than_frame:
        return FrameStanding.WIDER_AWAITING
    return FrameStanding.WIDER_SINCE_CHANGE


def _status(
    versions: Iterable[ContactAgreement],
    frame: ContactPolicy,
    now: dt.datetime,
) -> AgreementStatus:
    versions = sorted(versions, key=lambda version: version.version)
    newest = versions[-1]
    in_force = version_in_force(versions, now)
    shown = in_force or newest
    return AgreementStatus(
        version=shown.version,
        effective_from=shown.effective_from,
        in_force=in_force is not None,
        standing=_standing(shown, frame),
        acknowledged=shown.acknowledged_on is not None,
        newer_awaiting_approval=any(
            version.awaiting_approval and version.version > shown.version
            for version in versions
        ),
    )


def agreement_status(
    *, clinic: Clinic, client_ids: list[int], now: dt.datetime
) -> dict[int, AgreementStatus]:
    """The status of the agreements of ``client_ids`` (of ``clinic``), in two
    queries: the frame, and every version's non-text columns."""
    if not client_ids:
        return {}
    frame = clinic_default_policy(clinic=clinic)
    by_client: dict[int, list[ContactAgreement]] = {}
    for version in ContactAgreement.objects.filter(
        client_id__in=client_ids, client__clinic=clinic
    ).only(*STATUS_COLUMNS):
        by_client.setdefault(version.client_id, []).append(version)
    return {
        client_id: _status(versions, frame, now)
        for client_id, versions in by_client.items()
    }


def register_agreement_admin_integrations() -> None:
    """Called from ``AttachmentConfig.ready``."""
    register_agreement_status("attachment_agreements", agreement_status)
