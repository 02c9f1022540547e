"""What a FHIR import brought in (``attachment/fhir/``).

Each resource of an imported bundle that became a record here is remembered
by where it came from, so that importing the same bundle again changes
nothing, and so that a record's origin (the other system's signer and
signing time, for a note) stays known without rewriting the record.
"""

from __future__ import annotations

import pghistory
from django.db import models

from clinic.models import Client


@pghistory.track()
class ImportedRecord(models.Model):
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="imported_records"
    )
    #: The source's identity of the resource: the bundle entry's ``fullUrl``
    #: or, without one, ``ResourceType/id``.
    source_key = models.CharField(max_length=255)
    resource_type = models.CharField(max_length=40)
    #: The record it became: ``app_label.model`` and its primary key.
    record_model = models.CharField(max_length=64)
    record_id = models.BigIntegerField()
    #: Metadata only (the source's signer's display name, times): never text
    #: a client wrote or a clinician wrote about them.
    origin = models.JSONField(default=dict, blank=True)
    imported_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "source_key"],
                name="imported_record_once_per_client",
            )
        ]
        indexes = [models.Index(fields=["record_model", "record_id"])]

    def __str__(self) -> str:
        return f"imported {self.resource_type} #{self.pk}"
