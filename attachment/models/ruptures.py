"""Ruptures in the working relationship and the attempts to repair them."""

from __future__ import annotations

import datetime as dt

import pghistory
import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse

from attachment.models._text import duration_text, labels
from clinic.models import Channel, Client


class RuptureSetting(models.TextChoices):
    IN_SESSION = "in_session", "In session"
    BETWEEN_SESSIONS = "between_sessions", "Between sessions"


class RuptureKind(models.TextChoices):
    WITHDRAWAL = "withdrawal", "Withdrawal"
    CONFRONTATION = "confrontation", "Confrontation"


class RuptureMarker(models.TextChoices):
    """Markers informed by the Rupture Resolution Rating System (3RS)."""

    DENIAL = "denial", "Denial"
    MINIMAL_RESPONSE = "minimal_response", "Minimal response"
    ABSTRACT_TALK = "abstract_talk", "Abstract talk"
    TOPIC_SHIFT = "topic_shift", "Topic shifts"
    DEFERENTIAL = "deferential", "Deferential or appeasing"
    CONTENT_AFFECT_SPLIT = "content_affect_split", "Content-affect split"
    SELF_CRITICISM = "self_criticism", "Self-criticism or hopelessness"
    COMPLAINT_THERAPIST = "complaint_therapist", "Complaint about the therapist"
    COMPLAINT_ACTIVITIES = "complaint_activities", "Complaint about the activities"
    COMPLAINT_PARAMETERS = (
        "complaint_parameters",
        "Complaint about the parameters (scheduling, availability)",
    )
    COMPLAINT_PROGRESS = "complaint_progress", "Complaint about progress"
    REJECTING_INTERVENTION = "rejecting_intervention", "Rejecting an intervention"
    DEFENDING = "defending", "Defending against the therapist"
    CONTROLLING = "controlling", "Trying to control or pressure"


WITHDRAWAL_MARKERS: tuple[str, ...] = (
    "denial",
    "minimal_response",
    "abstract_talk",
    "topic_shift",
    "deferential",
    "content_affect_split",
    "self_criticism",
)
CONFRONTATION_MARKERS: tuple[str, ...] = tuple(
    marker for marker in RuptureMarker.values if marker not in WITHDRAWAL_MARKERS
)
MARKERS_OF_KIND: dict[str, tuple[str, ...]] = {
    "withdrawal": WITHDRAWAL_MARKERS,
    "confrontation": CONFRONTATION_MARKERS,
}


class RuptureStatus(models.TextChoices):
    OPEN = "open", "Open"
    REPAIRING = "repairing", "Repairing"
    RESOLVED = "resolved", "Resolved"
    UNRESOLVED_AT_ENDING = "unresolved_at_ending", "Unresolved at ending"


OPEN_RUPTURE_STATUSES = (RuptureStatus.OPEN, RuptureStatus.REPAIRING)


class Severity(models.IntegerChoices):
    MILD = 1, "Mild"
    MODERATE = 2, "Moderate"
    SEVERE = 3, "Severe"


class AgendaPriority(models.IntegerChoices):
    LOW = 1, "Low"
    NORMAL = 2, "Normal"
    HIGH = 3, "High"


@pghistory.track()
class Rupture(models.Model):
    """A strain in the working relationship.  An open rupture is an agenda
    item, not an error: some wait weeks for the right moment."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="ruptures"
    )
    noticed_at = models.DateTimeField()
    setting = models.CharField(max_length=16, choices=RuptureSetting.choices)
    channel = models.CharField(
        max_length=16,
        choices=Channel.choices,
        blank=True,
        help_text="Between sessions only: where it happened.",
    )
    kind = models.CharField(max_length=16, choices=RuptureKind.choices)
    markers = ArrayField(
        models.CharField(max_length=24, choices=RuptureMarker.choices),
        default=list,
        blank=True,
    )
    severity = models.PositiveSmallIntegerField(
        choices=Severity.choices, default=Severity.MILD
    )
    description = models.TextField(blank=True, max_length=4000)
    priority = models.PositiveSmallIntegerField(
        choices=AgendaPriority.choices,
        default=AgendaPriority.NORMAL,
        help_text="Where it sits on the next-session agenda.",
    )
    status = models.CharField(
        max_length=24, choices=RuptureStatus.choices, default=RuptureStatus.OPEN
    )
    last_discussed_in = models.ForeignKey(
        "notes.SessionNote",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="discussed_ruptures",
    )
    last_discussed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-noticed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1) & Q(severity__lte=3),
                name="rupture_severity_1_to_3",
            ),
            models.CheckConstraint(
                condition=Q(priority__gte=1) & Q(priority__lte=3),
                name="rupture_priority_1_to_3",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=RuptureKind.WITHDRAWAL)
                    & Q(markers__contained_by=list(WITHDRAWAL_MARKERS))
                )
                | (
                    Q(kind=RuptureKind.CONFRONTATION)
                    & Q(markers__contained_by=list(CONFRONTATION_MARKERS))
                ),
                name="rupture_markers_match_kind",
            ),
            models.CheckConstraint(
                condition=(Q(setting=RuptureSetting.IN_SESSION) & Q(channel=""))
                | (Q(setting=RuptureSetting.BETWEEN_SESSIONS) & ~Q(channel="")),
                name="rupture_channel_only_between_sessions",
            ),
        ]
        indexes = [models.Index(fields=["client", "status", "noticed_at"])]
        triggers = [
            pgtrigger.Trigger(
                name="rupture_not_after_its_repairs",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(
                    old__noticed_at__df=pgtrigger.F("new__noticed_at")
                ),
                func="""
                    IF EXISTS (
                        SELECT 1 FROM attachment_repairattempt
                        WHERE rupture_id = NEW.id AND attempted_at < NEW.noticed_at
                    ) THEN
                        RAISE EXCEPTION 'rupture noticed after its repair attempts'
                            USING ERRCODE = 'check_violation';
                    END IF;
                    RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} rupture ({self.get_severity_display()})"

    def get_absolute_url(self) -> str:
        return reverse("attachment:rupture_detail", args=[self.client_id, self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RUPTURE_STATUSES

    @property
    def marker_labels(self) -> list[str]:
        return labels(RuptureMarker, self.markers)

    @property
    def time_to_repair_text(self) -> str:
        span = self.time_to_repair
        return duration_text(span) if span is not None else ""

    @property
    def time_to_repair(self) -> dt.timedelta | None:
        """From noticing to the first completely successful repair attempt.

        List selectors annotate ``repaired_at`` so that this costs no query.
        """
        if hasattr(self, "repaired_at"):
            repaired_at = self.repaired_at
        else:
            repaired_at = self.attempts.filter(
                outcome=RepairOutcome.COMPLETE
            ).aggregate(first=models.Min("attempted_at"))["first"]
        return repaired_at - self.noticed_at if repaired_at else None


class RepairStrategy(models.TextChoices):
    CLARIFY = "clarify", "Clarify a misunderstanding"
    ACKNOWLEDGE = "acknowledge", "Acknowledge own contribution"
    VALIDATE = "validate", "Validate"
    EXPLORE = "explore", "Explore the relationship"
    RATIONALE = "rationale", "Give a rationale"
    CHANGE_TASK = "change_task", "Change task or goal"
    DISCLOSE = "disclose", "Disclose own experience"
    LINK_PATTERNS = "link_patterns", "Link to patterns"


class RepairOutcome(models.TextChoices):
    NONE = "none", "None"
    PARTIAL = "partial", "Partial"
    COMPLETE = "complete", "Complete"


@pghistory.track()
class RepairAttempt(models.Model):
    rupture = models.ForeignKey(
        Rupture, on_delete=models.CASCADE, related_name="attempts"
    )
    attempted_at = models.DateTimeField()
    setting = models.CharField(max_length=16, choices=RuptureSetting.choices)
    strategy = models.CharField(max_length=16, choices=RepairStrategy.choices)
    client_response = models.TextField(blank=True, max_length=4000)
    outcome = models.CharField(max_length=8, choices=RepairOutcome.choices)

    class Meta:
        ordering = ["attempted_at", "pk"]
        indexes = [models.Index(fields=["rupture", "attempted_at"])]
        triggers = [
            # A repair cannot precede its rupture, whatever path writes it.
            pgtrigger.Trigger(
                name="repair_not_before_rupture",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func="""
                    IF NEW.attempted_at < (
                        SELECT noticed_at FROM attachment_rupture
                        WHERE id = NEW.rupture_id
                    ) THEN
                        RAISE EXCEPTION 'repair attempt before its rupture'
                            USING ERRCODE = 'check_violation';
                    END IF;
                    RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_strategy_display()} ({self.get_outcome_display()})"
