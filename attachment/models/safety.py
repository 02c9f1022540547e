"""Safety: the client's safety plan and the alerts raised when a distress or
crisis contact stays unanswered.

The safety plan follows the Stanley–Brown structure; the crisis lines come
from the clinic (``Clinic.crisis_lines``), so that every plan carries the
numbers the clinic set for its country.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from attachment.models.contacts import Contact
from clinic.models import Client

SAFETY_TEXT_MAX = 2000

#: The sections of a safety plan, in the order they are written and shown,
#: with the heading of each in the client's copy.
SAFETY_PLAN_SECTIONS: tuple[tuple[str, str], ...] = (
    ("warning_signs", "Warning signs that a crisis may be developing"),
    ("internal_coping", "Things I can do on my own to take my mind off problems"),
    ("distraction", "People and places that help me take my mind off things"),
    ("help_people", "People I can ask for help"),
    ("professionals", "Professionals I can contact"),
    ("environment", "Making my surroundings safer"),
)


@pghistory.track()
class SafetyPlan(models.Model):
    """One version of a client's safety plan.  A revision adds a version; the
    current plan is the highest version."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="safety_plans"
    )
    version = models.PositiveIntegerField()
    warning_signs = models.TextField(blank=True, max_length=SAFETY_TEXT_MAX)
    internal_coping = models.TextField(blank=True, max_length=SAFETY_TEXT_MAX)
    distraction = models.TextField(blank=True, max_length=SAFETY_TEXT_MAX)
    help_people = models.TextField(blank=True, max_length=SAFETY_TEXT_MAX)
    professionals = models.TextField(blank=True, max_length=SAFETY_TEXT_MAX)
    environment = models.TextField(blank=True, max_length=SAFETY_TEXT_MAX)
    written_at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["client", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "version"], name="safety_plan_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="safety_plan_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Safety plan v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse(
            "attachment:safety_plan_version", args=[self.client_id, self.version]
        )

    def sections(self) -> list[tuple[str, str, str]]:
        """(field name, heading, text) of every section."""
        return [
            (name, heading, getattr(self, name))
            for name, heading in SAFETY_PLAN_SECTIONS
        ]


@pghistory.track()
class SafetyAlert(models.Model):
    """A distress or crisis contact still unanswered when its reply was due.

    Raised once per contact by the every-five-minutes task, which tells the
    treating therapist (or the cover during an absence); escalated once to the
    supervisor when it stays unanswered for another reply window.  Settled
    when the contact is answered.
    """

    contact = models.OneToOneField(
        Contact, on_delete=models.PROTECT, related_name="safety_alert"
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="safety_alerts"
    )
    due_at = models.DateTimeField(help_text="When the reply was due.")
    raised_at = models.DateTimeField()
    notified = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    escalate_at = models.DateTimeField(
        help_text="When the supervisor is told if it is still unanswered."
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(raised_at__gte=models.F("due_at")),
                name="safety_alert_raised_when_due",
            ),
            models.CheckConstraint(
                condition=Q(escalate_at__gt=models.F("due_at")),
                name="safety_alert_escalates_later",
            ),
            models.CheckConstraint(
                condition=Q(escalated_at__isnull=True) | Q(escalated_to__isnull=False),
                name="safety_alert_escalated_to_someone",
            ),
        ]
        indexes = [
            models.Index(
                fields=["escalate_at"],
                condition=Q(answered_at__isnull=True, escalated_at__isnull=True),
                name="safety_alert_to_escalate",
            ),
        ]

    def __str__(self) -> str:
        return f"Safety alert {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None
