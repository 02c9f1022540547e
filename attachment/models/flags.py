"""Flags (the pattern engine's findings), their review history and the
therapists' responses to them.

A flag is keyed by ``(client, kind, window_start)`` so that a scan is
idempotent: running it twice, or re-running a crashed one, updates rows rather
than adding them.  ``kind`` splits the two-part detectors into sub-kinds (for
example ``absence_surge`` and ``absence_ahead``) because both parts can fire for
one client at once; :attr:`Flag.detector` gives the detector of a sub-kind.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q

from attachment.engine.patterns import Kind, Part
from clinic.models import Client


class FlagKind(models.TextChoices):
    """The eight detectors, with sub-kinds for the two-part ones.

    The codes are stored and stay; the labels are what a reader sees, and
    anything in a client's record may be read by the client, so they describe
    what was seen and never blame (no "dependency", "withdrawal",
    "overextension" or "policy")."""

    RISING_CONTACT_FREQUENCY = "rising_contact_frequency", "Contacts rising"
    POLICY_PATTERN = "policy_pattern", "Contacts outside the agreement"
    ABSENCE_SURGE = "absence_surge", "More contact during an absence"
    ABSENCE_AHEAD = "absence_ahead", "Absence ahead: plan cover"
    UNREPAIRED_RUPTURE = "unrepaired_rupture", "Rupture not yet repaired"
    REPEATED_RUPTURES = "repeated_ruptures", "Several ruptures close together"
    DEPENDENCY_ESCALATION = "dependency_escalation", "Attachment distress rising"
    DEPENDENCY_MEASURE_RISE = "dependency_measure_rise", "Attachment measure rising"
    THERAPIST_OVEREXTENSION = (
        "therapist_overextension",
        "Availability rising against own baseline",
    )
    ABRUPT_WITHDRAWAL = "abrupt_withdrawal", "Therapist responsiveness fell"
    AFTER_ENDING_CONTACT = "after_ending_contact", "Contact after the ending"


# The second part of a two-part detector gets its own kind; everything else
# keeps the detector's code.
_SUB_KINDS: dict[tuple[str, str], FlagKind] = {
    (Kind.ABSENCE_SURGE, Part.AHEAD_OF_ABSENCE): FlagKind.ABSENCE_AHEAD,
    (Kind.UNREPAIRED_RUPTURE, Part.REPEATED): FlagKind.REPEATED_RUPTURES,
    (Kind.DEPENDENCY_ESCALATION, Part.MEASURE_RISE): FlagKind.DEPENDENCY_MEASURE_RISE,
}
DETECTOR_OF_KIND: dict[str, str] = {
    **{kind.value: kind.value for kind in FlagKind if kind.value in set(Kind)},
    **{flag_kind.value: detector for (detector, _), flag_kind in _SUB_KINDS.items()},
}


def flag_kind_of(kind: str, part: str) -> FlagKind:
    """The flag kind of a detector's finding (its kind and part)."""
    return _SUB_KINDS.get((kind, part), FlagKind(kind))


class FlagTier(models.TextChoices):
    """How strong the statistics behind a flag are, not how urgent it is: the
    stored values stay ``yellow`` and ``red``, the words are *some evidence*
    and *strong evidence*, and the badges are neutral grey (red is kept for
    the safety alerts)."""

    YELLOW = "yellow", "Some evidence"
    RED = "red", "Strong evidence"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    IN_SUPERVISION = "in_supervision", "In supervision"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


# A scan refreshes the evidence of these; a closed flag is left as reviewed.
LIVE_FLAG_STATUSES = (
    FlagStatus.OPEN,
    FlagStatus.ACKNOWLEDGED,
    FlagStatus.IN_SUPERVISION,
)
CLOSED_FLAG_STATUSES = (FlagStatus.RESOLVED, FlagStatus.DISMISSED)


# Statement-level history, as on Contact: a scan upserts flags in batches, and
# one set-based history INSERT per statement is far cheaper than a row trigger.
@pghistory.track(
    pghistory.InsertEvent(level=pghistory.Statement),
    pghistory.UpdateEvent(level=pghistory.Statement),
    pghistory.DeleteEvent(level=pghistory.Statement),
)
class Flag(models.Model):
    """One detector finding for one client, awaiting (or after) review.

    ``active`` says whether the pattern still held at the latest scan; the
    same fact is in ``evidence["no_longer_active"]`` for the reviewer, and the
    boolean is kept for fast queue queries.
    """

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="flags")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=FlagKind.choices)
    tier = models.CharField(max_length=8, choices=FlagTier.choices)
    window_start = models.DateField()
    window_end = models.DateField()
    detected_at = models.DateTimeField()
    score = models.FloatField()
    evidence = models.JSONField(default=dict, blank=True)
    explanation = models.CharField(max_length=400)
    status = models.CharField(
        max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    active = models.BooleanField(default=True)
    # Set by the scan when a flag has been no longer active for four weeks:
    # still readable, out of the queue.
    archived_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-detected_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "kind", "window_start"],
                name="flag_one_per_client_kind_window",
            ),
            models.CheckConstraint(
                condition=Q(window_end__gte=models.F("window_start")),
                name="flag_window_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=FlagKind.values), name="flag_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(tier__in=FlagTier.values), name="flag_tier_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=FlagStatus.values), name="flag_status_known"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "tier"]),
            models.Index(fields=["client", "kind"]),
            models.Index(fields=["therapist", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_tier_display()})"

    @property
    def detector(self) -> str:
        """The detector (one of the eight) that raised this flag."""
        return DETECTOR_OF_KIND[self.kind]

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_FLAG_STATUSES


class Usefulness(models.TextChoices):
    """The answer to "was this useful in supervision?", asked when a flag is
    closed: the clinic's own check on its detectors."""

    USEFUL = "useful", "Yes"
    NOT_USEFUL = "not_useful", "No"
    NOT_SURE = "not_sure", "Not sure"


@pghistory.track()
class FlagStatusChange(models.Model):
    """One step of a flag's review: who moved it from which status to which.

    A person's closing step carries the answer to "was this useful in
    supervision?" (``usefulness``); other steps leave it empty."""

    flag = models.ForeignKey(
        Flag, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=16, choices=FlagStatus.choices)
    to_status = models.CharField(max_length=16, choices=FlagStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the engine made the change.",
    )
    changed_at = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True)
    usefulness = models.CharField(
        max_length=16, choices=Usefulness.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["flag", "changed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_status=models.F("to_status")),
                name="flag_status_change_changes",
            ),
            models.CheckConstraint(
                condition=Q(usefulness="")
                | Q(
                    usefulness__in=Usefulness.values,
                    to_status__in=CLOSED_FLAG_STATUSES,
                    changed_by__isnull=False,
                ),
                name="flag_status_change_usefulness_on_closing",
            ),
        ]
        indexes = [models.Index(fields=["flag", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


@pghistory.track()
class FlagResponse(models.Model):
    """The treating therapist's answer to a flag on their client ("discussed
    with client; agreed texting only for scheduling").  Clinical text: shown
    to the therapist and the supervisor, never to the clinic admin."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField()
    text = models.TextField(max_length=2000)

    class Meta:
        ordering = ["flag", "written_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""), name="flag_response_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"Response to flag {self.flag_id}"
