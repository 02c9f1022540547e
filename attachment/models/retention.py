"""Retention of an ended client's records, legal holds, and destruction
(``attachment/retention/``).

``RetentionDue`` is the nightly list of clients past their clinic's
retention period; ``LegalHold`` stops a client's destruction while it is in
force; ``ClientDestruction`` is the tombstone left when a client's records
are destroyed.  None of them holds clinical text: codes, dates, counts and
the admin's short reasons.  The tombstone is insert-only, and the database
lets a client's records and their history go only once it exists
(attachment/retention/guards.py).
"""

from __future__ import annotations

import pghistory
from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q

from clinic.models import Client, Clinic

REASON_MAX_LENGTH = 300


class RetentionDue(models.Model):
    """A client whose ending date plus the clinic's retention period has
    come, as the nightly listing last found it."""

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, related_name="retention_due"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField()
    listed_at = models.DateTimeField()

    class Meta:
        ordering = ["due_on", "client_id"]
        indexes = [models.Index(fields=["clinic", "due_on"])]

    def __str__(self) -> str:
        return f"client {self.client_id} due on {self.due_on}"


@pghistory.track()
class LegalHold(models.Model):
    """A hold on a client's records: while it is in force (not lifted) the
    records cannot be destroyed.  Never deleted; lifting fills the
    ``lifted_*`` fields once."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="legal_holds"
    )
    reason = models.CharField(max_length=REASON_MAX_LENGTH)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.CharField(max_length=REASON_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(lifted_at__isnull=True),
                name="legal_hold_one_in_force_per_client",
            ),
            models.CheckConstraint(
                condition=(
                    Q(lifted_at__isnull=True, lifted_by__isnull=True, lift_reason="")
                    | (
                        Q(lifted_at__isnull=False, lifted_by__isnull=False)
                        & ~Q(lift_reason="")
                        & Q(lifted_at__gte=models.F("placed_at"))
                    )
                ),
                name="legal_hold_lifted_whole",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="legal_hold_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"legal hold #{self.pk} on client {self.client_id}"

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None


class ClientDestruction(models.Model):
    """The tombstone of a client whose records were destroyed: what is left
    to say that they existed and who ended them.  The client row stays, as an
    ended shell without its preferred name, so that the audit trail and the
    code's uniqueness keep pointing at something."""

    client = models.OneToOneField(
        Client, on_delete=models.PROTECT, related_name="destruction"
    )
    code = models.CharField(max_length=32)
    started_on = models.DateField()
    ended_on = models.DateField()
    destroyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    destroyed_at = models.DateTimeField()
    reason = models.CharField(max_length=REASON_MAX_LENGTH)
    #: How many records of each kind went (model label → count), history
    #: rows not counted.
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-destroyed_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="client_destruction_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"destruction of {self.code}"

    @property
    def counted_kinds(self) -> list[tuple[str, int]]:
        """The counts under the kinds' names, as the pages show them."""
        return kinds_counted(self.counts)


def kinds_counted(counts: dict[str, int]) -> list[tuple[str, int]]:
    """(plural name of the kind, count), by name; ``counts`` by model label."""
    return sorted(
        (str(apps.get_model(label)._meta.verbose_name_plural), count)
        for label, count in counts.items()
    )
