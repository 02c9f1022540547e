"""The record of each notice sent about the cover of an absence: the claim
that makes a second run of the daily task send nothing twice (as
:class:`~attachment.models.DigestLog` does for digests)."""

from __future__ import annotations

import pghistory
from django.db import models
from django.db.models import Q

from clinic.models import Absence


class CoverNoticeKind(models.TextChoices):
    STARTS = "starts", "Who covers, at the start"
    ENDED = "ended", "Which clients were opened, at the end"


@pghistory.track()
class CoverNotice(models.Model):
    """The notice of one kind about one absence, sent to its therapist and
    their supervisors at ``sent_at``."""

    absence = models.ForeignKey(
        Absence, on_delete=models.CASCADE, related_name="cover_notices"
    )
    kind = models.CharField(max_length=8, choices=CoverNoticeKind.choices)
    sent_at = models.DateTimeField()
    # At the end: how many clients' cover pages were opened.
    clients_opened = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["absence", "kind"], name="cover_notice_one_per_absence_and_kind"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CoverNoticeKind.values),
                name="cover_notice_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Cover notice {self.kind} of absence {self.absence_id}"
