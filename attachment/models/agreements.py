"""The between-sessions agreement: what the therapist and the client agreed
about contact between sessions, inside the clinic's frame.

Versioned: a revision adds a version with the moment it takes effect, and
older versions stay readable.  A contact is judged against the version in
force when it happened (``attachment.agreements.terms``), never against a
later one.  A version wider than the clinic's frame is in force only once the
treating therapist's supervisor has approved it.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from attachment.models.contacts import Purpose
from clinic.models import Channel, Client, ContactTerms

AGREEMENT_TEXT_MAX = 2000


class Acknowledgement(models.TextChoices):
    """How the client acknowledged a version of the agreement."""

    IN_SESSION = "in_session", "Agreed in session"
    SIGNED_COPY = "signed_copy", "Signed the client copy"
    PORTAL = "portal", "Acknowledged later through the portal"


# Purposes that are never a breach of an agreement: a client in distress or
# in crisis reaching out is what the agreement is for.
NEVER_A_BREACH = frozenset({Purpose.DISTRESS.value, Purpose.CRISIS.value})


@pghistory.track()
class ContactAgreement(ContactTerms):
    """One version of a client's between-sessions agreement.

    ``contact_hours`` are in the client's time zone (``Client.zone``).
    ``purpose_rules`` maps a channel to the purposes that channel is for
    (``{"text": ["scheduling"]}``: texts for scheduling only); a channel
    without a rule takes any purpose.
    """

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="agreements"
    )
    version = models.PositiveIntegerField()
    effective_from = models.DateTimeField(
        help_text="Contacts from this moment on are judged against this version."
    )
    purpose_rules = models.JSONField(default=dict, blank=True)
    reply_hours = models.PositiveSmallIntegerField(
        default=24, help_text="The therapist's expected reply time, in hours."
    )
    in_our_words = models.TextField(
        blank=True,
        max_length=AGREEMENT_TEXT_MAX,
        help_text="Anything else agreed, in plain words.",
    )
    break_arrangements = models.TextField(
        blank=True,
        max_length=AGREEMENT_TEXT_MAX,
        help_text="Who answers during the therapist's absences.",
    )
    crisis_route = models.TextField(blank=True, max_length=AGREEMENT_TEXT_MAX)
    after_ending = models.TextField(
        blank=True,
        max_length=AGREEMENT_TEXT_MAX,
        help_text="What happens with contact after therapy ends.",
    )
    wider_than_frame = models.BooleanField(
        default=False,
        editable=False,
        help_text="Set when written: the version allows more than the clinic's frame.",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    acknowledged_on = models.DateField(null=True, blank=True)
    acknowledged_how = models.CharField(
        max_length=16, choices=Acknowledgement.choices, blank=True
    )
    client_told_of_logging = models.BooleanField(
        default=False,
        help_text="The client has been told that contacts are logged and "
        "reviewed in supervision.",
    )
    written_at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["client", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "version"], name="agreement_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="agreement_version_positive"
            ),
            models.CheckConstraint(
                condition=Q(reply_hours__gte=1), name="agreement_reply_hours_positive"
            ),
            models.CheckConstraint(
                condition=Q(allowed_channels__contained_by=Channel.values),
                name="agreement_channels_known",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True, approved_at__isnull=True)
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="agreement_approval_complete",
            ),
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True) | Q(wider_than_frame=True),
                name="agreement_approval_only_when_wider",
            ),
            models.CheckConstraint(
                condition=~Q(approved_by=F("author")),
                name="agreement_approved_by_someone_else",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_on__isnull=True, acknowledged_how="")
                | (Q(acknowledged_on__isnull=False) & ~Q(acknowledged_how="")),
                name="agreement_acknowledgement_complete",
            ),
        ]
        indexes = [models.Index(fields=["client", "effective_from"])]

    def __str__(self) -> str:
        return f"Agreement v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse(
            "attachment:agreement_version", args=[self.client_id, self.version]
        )

    @property
    def in_force_possible(self) -> bool:
        """Inside the frame, or approved by the supervisor."""
        return not self.wider_than_frame or self.approved_at is not None

    @property
    def awaiting_approval(self) -> bool:
        return self.wider_than_frame and self.approved_at is None

    def allows_purpose(self, channel: str, purpose: str) -> bool:
        """Whether a contact of ``purpose`` on ``channel`` keeps to the rules by
        purpose.  A contact with no purpose recorded keeps to them: it is not
        known to break one."""
        allowed = self.purpose_rules.get(channel)
        if not allowed or not purpose:
            return True
        return purpose in allowed
