"""Operator admin (superusers only, see ``clinic.admin``): metadata only,
read-only.

Lists and detail pages show ids, people, dates and codes.  No field that can
hold clinical text (summaries, descriptions, notes, plans, flag explanations
and evidence, responses, review reasons, supervision notes and action items)
is shown anywhere, and nothing can be edited here: records change through
Between's own pages, which check scope and write the audit trail.
"""

from django.contrib import admin

from attachment.engine.patterns import FIELDS
from attachment.models import (
    ActionItem,
    AttachmentMeasure,
    Contact,
    CopingPlan,
    DependencyObservation,
    DetectorSettings,
    Flag,
    FlagStatusChange,
    RepairAttempt,
    Rupture,
    SupervisionSession,
)
from notes.admin import MetadataOnlyAdmin


def _metadata(model, *, list_display, list_filter=(), fields):
    admin.site.register(
        model,
        type(
            f"{model.__name__}Admin",
            (MetadataOnlyAdmin,),
            {
                "list_display": list_display,
                "list_filter": list_filter,
                "fields": fields,
                "readonly_fields": fields,
            },
        ),
    )


_metadata(
    Contact,
    list_display=["id", "client", "occurred_at", "channel", "direction", "source"],
    list_filter=["channel", "direction", "source"],
    fields=["client", "occurred_at", "channel", "direction", "purpose", "source"],
)
_metadata(
    Rupture,
    list_display=["id", "client", "noticed_at", "kind", "severity", "status"],
    list_filter=["kind", "status"],
    fields=["client", "noticed_at", "setting", "kind", "severity", "status"],
)
_metadata(
    RepairAttempt,
    list_display=["id", "rupture", "attempted_at", "strategy", "outcome"],
    fields=["rupture", "attempted_at", "setting", "strategy", "outcome"],
)
_metadata(
    DependencyObservation,
    list_display=["id", "client", "observed_at", "intensity"],
    fields=["client", "observed_at", "intensity"],
)
_metadata(
    AttachmentMeasure,
    list_display=["id", "client", "measured_on"],
    fields=["client", "measured_on"],
)
_metadata(
    CopingPlan,
    list_display=["id", "client", "version", "written_at"],
    fields=["client", "version", "written_at"],
)
_metadata(
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
_metadata(
    FlagStatusChange,
    list_display=["id", "flag", "from_status", "to_status", "changed_at"],
    fields=["flag", "from_status", "to_status", "changed_by", "changed_at"],
)
_metadata(
    SupervisionSession,
    list_display=["id", "supervisor", "supervisee", "held_at"],
    fields=["supervisor", "supervisee", "held_at"],
)
_metadata(
    ActionItem,
    list_display=["id", "session", "owner", "due_on", "done_at"],
    fields=["session", "owner", "due_on", "done_at"],
)

_THRESHOLDS = {spec.name: spec for spec in FIELDS}


@admin.register(DetectorSettings)
class DetectorSettingsAdmin(admin.ModelAdmin):
    list_display = ["id", "clinic", "updated_at"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """Each threshold with the label and meaning the settings page shows:
        the wording lives in the thresholds table, not on the model fields."""
        spec = _THRESHOLDS.get(db_field.name)
        if spec is not None:
            kwargs.setdefault("label", spec.label)
            kwargs.setdefault("help_text", spec.meaning)
        return super().formfield_for_dbfield(db_field, request, **kwargs)
