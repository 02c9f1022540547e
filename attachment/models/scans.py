"""Scan runs and their chunks (the nightly full scan, fanned out over workers)
and the per-client re-scan requests that debounce the re-scans a write asks
for."""

from __future__ import annotations

import pghistory
from django.db import models
from django.db.models import Q

from clinic.models import Client, Clinic


@pghistory.track()
class ScanRun(models.Model):
    """One fanned-out full scan of a clinic, so that a second one does not
    start while its chunks are still running, and so that progress (chunks
    done) can be seen."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateTimeField(help_text="The moment the scan judges.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["clinic", "finished_at"])]

    def __str__(self) -> str:
        return f"Scan of clinic {self.clinic_id} as of {self.as_of:%Y-%m-%d %H:%M}"


@pghistory.track()
class ScanChunk(models.Model):
    """A range of client ids of a :class:`ScanRun`, scanned by one task."""

    run = models.ForeignKey(ScanRun, on_delete=models.CASCADE, related_name="chunks")
    first_client_id = models.BigIntegerField()
    last_client_id = models.BigIntegerField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "first_client_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "first_client_id"], name="scan_chunk_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(last_client_id__gte=models.F("first_client_id")),
                name="scan_chunk_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Clients {self.first_client_id}–{self.last_client_id}"


@pghistory.track()
class RescanRequest(models.Model):
    """The debounce of per-client re-scans: when one was last asked for, put
    on the queue and done.  A save while a re-scan is already queued adds
    nothing to the queue; the queued one reads the new contact too."""

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    enqueued_at = models.DateTimeField(null=True, blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Re-scan of client {self.client_id}"
