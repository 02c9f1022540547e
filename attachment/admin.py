"""Operator admin (superusers only, see ``clinic.admin``): metadata only,
read-only.

Lists and detail pages show ids, people, dates and codes.  No field that can
hold clinical text (summaries, descriptions, notes, plans, agreements and
safety plans, flag explanations and evidence, responses, review reasons,
supervision notes and action items)
is shown anywhere, and nothing can be edited here: records change through
Between's own pages, which check scope and write the audit trail (see
``clinic.admin.MetadataOnlyAdmin``).
"""

from typing import Any

from django.contrib import admin

from attachment.engine.patterns import FIELDS, ThresholdField
from attachment.models import (
    ActionItem,
    AttachmentMeasure,
    Contact,
    ContactAgreement,
    CopingPlan,
    DependencyObservation,
    DetectorSettings,
    Flag,
    FlagStatusChange,
    RepairAttempt,
    Rupture,
    SafetyAlert,
    SafetyPlan,
    SupervisionSession,
)
from clinic.admin import MetadataOnlyAdmin, register_metadata

register_metadata(
    Contact,
    list_display=["id", "client", "occurred_at", "channel", "direction", "source"],
    list_filter=["channel", "direction", "source"],
    fields=["client", "occurred_at", "channel", "direction", "purpose", "source"],
)
register_metadata(
    Rupture,
    list_display=["id", "client", "noticed_at", "kind", "severity", "status"],
    list_filter=["kind", "status"],
    fields=["client", "noticed_at", "setting", "kind", "severity", "status"],
)
register_metadata(
    RepairAttempt,
    list_display=["id", "rupture", "attempted_at", "strategy", "outcome"],
    fields=["rupture", "attempted_at", "setting", "strategy", "outcome"],
)
register_metadata(
    DependencyObservation,
    list_display=["id", "client", "observed_at", "intensity"],
    fields=["client", "observed_at", "intensity"],
)
register_metadata(
    AttachmentMeasure,
    list_display=["id", "client", "measured_on"],
    fields=["client", "measured_on"],
)
register_metadata(
    CopingPlan,
    list_display=["id", "client", "version", "written_at"],
    fields=["client", "version", "written_at"],
)
# The agreement's terms and words (hours, purposes, what was agreed, the
# crisis route) are left out: versions, dates and flags only.
register_metadata(
    ContactAgreement,
    list_display=[
        "id",
        "client",
        "version",
        "effective_from",
        "wider_than_frame",
        "approved_at",
    ],
    list_filter=["wider_than_frame"],
    fields=[
        "client",
        "version",
        "effective_from",
        "written_at",
        "author",
        "wider_than_frame",
        "approved_by",
        "approved_at",
        "acknowledged_on",
        "acknowledged_how",
        "client_told_of_logging",
    ],
)
register_metadata(
    SafetyPlan,
    list_display=["id", "client", "version", "written_at"],
    fields=["client", "version", "written_at", "author"],
)
register_metadata(
    SafetyAlert,
    list_display=["id", "client", "due_at", "raised_at", "escalated_at"],
    fields=[
        "client",
        "contact",
        "due_at",
        "raised_at",
        "notified",
        "escalate_at",
        "escalated_at",
        "escalated_to",
        "answered_at",
    ],
)
register_metadata(
    Flag,
    list_display=["id", "client", "kind", "tier", "status", "detected_at"],
    list_filter=["kind", "tier", "status"],
    fields=[
        "client",
        "therapist",
        "kind",
        "tier",
        "status",
        "window_start",
        "window_end",
        "detected_at",
        "active",
    ],
)
register_metadata(
    FlagStatusChange,
    list_display=["id", "flag", "from_status", "to_status", "changed_at"],
    fields=["flag", "from_status", "to_status", "changed_by", "changed_at"],
)
register_metadata(
    SupervisionSession,
    list_display=["id", "supervisor", "supervisee", "held_at"],
    fields=["supervisor", "supervisee", "held_at"],
)
register_metadata(
    ActionItem,
    list_display=["id", "session", "owner", "due_on", "done_at"],
    fields=["session", "owner", "due_on", "done_at"],
)


def _threshold(spec: ThresholdField) -> Any:
    """One threshold's value under the label the settings page gives it: the
    wording lives in the thresholds table, not on the model fields."""

    @admin.display(description=spec.label)
    def value(model_admin: admin.ModelAdmin, obj: DetectorSettings) -> Any:
        return getattr(obj, spec.name)

    return value


# The clinic admin edits the thresholds on Between's settings page, whose
# service writes the audit event; here they are only shown.
admin.site.register(
    DetectorSettings,
    type(
        "DetectorSettingsAdmin",
        (MetadataOnlyAdmin,),
        {
            "__module__": __name__,
            "list_display": ["id", "clinic", "updated_at"],
            "fields": ["clinic", "updated_at", *(f"{spec.name}_" for spec in FIELDS)],
            **{f"{spec.name}_": _threshold(spec) for spec in FIELDS},
        },
    ),
)
