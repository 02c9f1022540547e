"""The client's coping plan, versioned: every revision is kept."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse

from attachment.models._text import labels
from attachment.models.dependency import DependencyTrigger
from clinic.models import Client


class CopingStrategy(models.TextChoices):
    JOURNAL = "journal", "Write in a journal"
    REACH_FRIEND = "reach_friend", "Reach out to a friend"
    SELF_CARE = "self_care", "Self-care"
    EXERCISE = "exercise", "Exercise"
    MINDFULNESS = "mindfulness", "Mindfulness or breathing"
    REVIEW_PROGRESS = "review_progress", "Review progress"
    SESSION_NOTES = "session_notes", "Re-read own session notes"
    GROUNDING = "grounding", "Grounding"
    CREATIVE = "creative", "Something creative"


@pghistory.track()
class CopingPlan(models.Model):
    """One version of a client's plan for the time between sessions.  A revision
    adds a version; older ones stay readable.  The current plan is the highest
    version."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="coping_plans"
    )
    version = models.PositiveIntegerField()
    triggers = ArrayField(
        models.CharField(max_length=24, choices=DependencyTrigger.choices),
        default=list,
        blank=True,
    )
    trigger_details = models.TextField(blank=True, max_length=4000)
    strategies = ArrayField(
        models.CharField(max_length=24, choices=CopingStrategy.choices),
        default=list,
        blank=True,
    )
    other_strategies = models.TextField(blank=True, max_length=4000)
    supports = models.TextField(blank=True, max_length=4000)
    crisis_steps = models.TextField(blank=True, max_length=4000)
    review_on = models.DateField(null=True, blank=True)
    written_at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["client", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "version"], name="coping_plan_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="coping_plan_version_positive"
            ),
            models.CheckConstraint(
                condition=Q(triggers__contained_by=DependencyTrigger.values),
                name="coping_plan_triggers_known",
            ),
            models.CheckConstraint(
                condition=Q(strategies__contained_by=CopingStrategy.values),
                name="coping_plan_strategies_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Coping plan v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("attachment:plan_version", args=[self.client_id, self.version])

    @property
    def trigger_labels(self) -> list[str]:
        return labels(DependencyTrigger, self.triggers)

    @property
    def strategy_labels(self) -> list[str]:
        return labels(CopingStrategy, self.strategies)
