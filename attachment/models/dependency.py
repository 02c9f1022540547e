"""Dependency observations and attachment measures (subscale scores only)."""

from __future__ import annotations

from decimal import Decimal

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from attachment.models._text import labels
from clinic.models import Client


class DependencyMarker(models.TextChoices):
    LONGING = "longing", "Missing or longing"
    REASSURANCE_SEEKING = "reassurance_seeking", "Reassurance seeking"
    SESSION_END_DISTRESS = "session_end_distress", "Distress at session end"
    ANGER_AT_UNAVAILABILITY = "anger_unavailability", "Anger at unavailability"
    SHAME = "shame", "Shame"
    PANIC = "panic", "Panic"
    HELPLESSNESS = "helplessness", "Helplessness"
    ISOLATION = "isolation", "Isolation"
    FEAR_OF_ABANDONMENT = "fear_of_abandonment", "Fear of abandonment"
    IDEALISATION = "idealisation", "Idealisation"
    RUMINATION = "rumination", "Rumination"
    INTERNALISED_SECURITY = (
        "internalised_security",
        "Internalised security (holds the relationship in mind without contact)",
    )


class DependencyTrigger(models.TextChoices):
    THERAPIST_ABSENCE = "therapist_absence", "Therapist absence"
    SESSION_ENDING = "session_ending", "Session ending"
    LIFE_TRANSITION = "life_transition", "Life transition"
    CONFLICT = "conflict", "Conflict"
    ENDING_APPROACHING = "ending_approaching", "Ending of therapy approaching"
    OTHER = "other", "Other"


@pghistory.track()
class DependencyObservation(models.Model):
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="dependency_observations"
    )
    observed_at = models.DateTimeField()
    markers = ArrayField(
        models.CharField(max_length=24, choices=DependencyMarker.choices)
    )
    intensity = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(4)],
        help_text="0 none to 4 overwhelming.",
    )
    triggers = ArrayField(
        models.CharField(max_length=24, choices=DependencyTrigger.choices),
        default=list,
        blank=True,
    )
    note = models.TextField(blank=True, max_length=4000)

    class Meta:
        ordering = ["-observed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(intensity__gte=0) & Q(intensity__lte=4),
                name="observation_intensity_0_to_4",
            ),
            models.CheckConstraint(
                condition=~Q(markers=[]), name="observation_has_a_marker"
            ),
            models.CheckConstraint(
                condition=Q(markers__contained_by=DependencyMarker.values),
                name="observation_markers_known",
            ),
            models.CheckConstraint(
                condition=Q(triggers__contained_by=DependencyTrigger.values),
                name="observation_triggers_known",
            ),
        ]
        indexes = [models.Index(fields=["client", "observed_at"])]

    def __str__(self) -> str:
        return f"Observation, intensity {self.intensity}"

    @property
    def marker_labels(self) -> list[str]:
        return labels(DependencyMarker, self.markers)

    @property
    def trigger_labels(self) -> list[str]:
        return labels(DependencyTrigger, self.triggers)


MEASURE_MIN = Decimal("1.00")
MEASURE_MAX = Decimal("6.00")


def _score_field(label: str) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=3,
        decimal_places=2,
        validators=[MinValueValidator(MEASURE_MIN), MaxValueValidator(MEASURE_MAX)],
        help_text="Mean item score, 1 to 6.",
    )


@pghistory.track()
class AttachmentMeasure(models.Model):
    """Subscale scores of a client-attachment-to-therapist scale, entered by
    the clinician.  Scores only: the instrument's wording is licensed and is
    never stored."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="attachment_measures"
    )
    measured_on = models.DateField()
    secure = _score_field("secure")
    avoidant_fearful = _score_field("avoidant-fearful")
    preoccupied_merger = _score_field("preoccupied-merger")

    class Meta:
        ordering = ["-measured_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "measured_on"], name="measure_one_per_client_day"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": MEASURE_MIN})
                    & Q(**{f"{name}__lte": MEASURE_MAX}),
                    name=f"measure_{name}_in_range",
                )
                for name in ("secure", "avoidant_fearful", "preoccupied_merger")
            ],
        ]

    def __str__(self) -> str:
        return f"Attachment measure {self.measured_on}"
