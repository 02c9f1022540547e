"""Operator admin (superusers only, see ``clinic.admin``): read-mostly lists by id."""

from django.contrib import admin

from .models import (
    AttachmentMeasure,
    Contact,
    CopingPlan,
    DependencyObservation,
    RepairAttempt,
    Rupture,
)

admin.site.register(
    Contact,
    list_display=["id", "client", "occurred_at", "channel", "direction", "source"],
    list_filter=["channel", "direction", "source"],
    raw_id_fields=["client"],
)
admin.site.register(
    Rupture,
    list_display=["id", "client", "noticed_at", "kind", "severity", "status"],
    list_filter=["kind", "status"],
    raw_id_fields=["client"],
)
admin.site.register(
    RepairAttempt,
    list_display=["id", "rupture", "attempted_at", "strategy", "outcome"],
    raw_id_fields=["rupture"],
)
admin.site.register(
    DependencyObservation,
    list_display=["id", "client", "observed_at", "intensity"],
    raw_id_fields=["client"],
)
admin.site.register(
    AttachmentMeasure,
    list_display=["id", "client", "measured_on"],
    raw_id_fields=["client"],
)
admin.site.register(
    CopingPlan,
    list_display=["id", "client", "version", "written_at"],
    raw_id_fields=["client"],
)
