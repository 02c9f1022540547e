"""Between-session contacts.

The policy facts on :class:`Contact` are derived by :mod:`attachment.records.facts` at
write time and stored, so that the pattern engine can scan them with plain
aggregate queries.  Invariants live in database constraints and triggers so
that imports and bulk writes cannot break them either.
"""

from __future__ import annotations

import datetime as dt

import pghistory
import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from attachment.models._text import duration_text
from clinic.models import Channel, Client


class Direction(models.TextChoices):
    FROM_CLIENT = "from_client", "From client"
    FROM_THERAPIST = "from_therapist", "From therapist"


class Purpose(models.TextChoices):
    SCHEDULING = "scheduling", "Scheduling"
    REASSURANCE = "reassurance", "Check-in or reassurance seeking"
    SHARING = "sharing", "Sharing"
    DISTRESS = "distress", "Distress"
    CRISIS = "crisis", "Crisis"
    RUPTURE = "rupture", "Rupture"
    OTHER = "other", "Other"


class Source(models.TextChoices):
    MANUAL = "manual", "Logged by hand"
    IMPORT = "import", "Imported"
    INTEGRATION = "integration", "Integration"


class LoggedWhile(models.TextChoices):
    """How someone other than the treating therapist came to log a contact
    (the label completes "logged by <name> …")."""

    COVERING = "covering", "while covering"
    BREAK_GLASS = "break_glass", "with break-glass access"


SUMMARY_MAX_LENGTH = 280
MAX_CALL_MINUTES = 24 * 60


# Statement-level history triggers: an import of 100,000 contacts writes its
# history in one set-based INSERT from the transition table instead of
# running a trigger per row (which cost most of the import's time).
@pghistory.track(
    pghistory.InsertEvent(level=pghistory.Statement),
    pghistory.UpdateEvent(level=pghistory.Statement),
    pghistory.DeleteEvent(level=pghistory.Statement),
)
class Contact(models.Model):
    """One between-session contact, with the policy facts it carried when logged."""

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="contacts"
    )
    occurred_at = models.DateTimeField()
    channel = models.CharField(max_length=16, choices=Channel.choices)
    direction = models.CharField(max_length=16, choices=Direction.choices)
    purpose = models.CharField(max_length=16, choices=Purpose.choices, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_CALL_MINUTES)],
        help_text="For calls.",
    )
    summary = models.CharField(max_length=SUMMARY_MAX_LENGTH, blank=True)
    # Characters of an arrived message's body; the body itself is not kept.
    message_length = models.PositiveIntegerField(null=True, blank=True, editable=False)
    responded_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the therapist answered this client contact; empty if not yet.",
    )
    # A therapist contact that answers a client contact is a reply, never a
    # contact the therapist started.
    in_reply_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
        help_text="The client contact this therapist contact answers.",
    )
    source = models.CharField(
        max_length=16, choices=Source.choices, default=Source.MANUAL
    )
    discussed_in = models.ForeignKey(
        "notes.SessionNote",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="discussed_contacts",
        help_text="The session note in which the contact was brought up.",
    )
    # A colleague who logged the contact from the client's cover page; the
    # treating therapist finds it marked on their return.
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # The database default keeps raw inserts (the benchmarks') valid.
    logged_while = models.CharField(
        max_length=16,
        choices=LoggedWhile.choices,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    # Natural key of an imported row, so that importing a file twice adds nothing.
    row_hash = models.CharField(max_length=64, blank=True, editable=False)

    # Derived facts (attachment.records.facts), stored for set-based scans.
    after_hours = models.BooleanField(default=False, editable=False)
    outside_agreement = models.BooleanField(default=False, editable=False)
    over_weekly_limit = models.BooleanField(default=False, editable=False)
    during_absence = models.BooleanField(default=False, editable=False)
    after_ending = models.BooleanField(default=False, editable=False)
    response_minutes = models.PositiveIntegerField(
        null=True, blank=True, editable=False
    )
    responded_after_hours = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "row_hash"],
                condition=~Q(row_hash=""),
                name="contact_row_hash_unique_per_client",
            ),
            models.CheckConstraint(
                condition=Q(responded_at__isnull=True)
                | (Q(direction="from_client") & Q(responded_at__gte=F("occurred_at"))),
                name="contact_response_follows_client_contact",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True)
                | Q(duration_minutes__lte=MAX_CALL_MINUTES),
                name="contact_duration_at_most_a_day",
            ),
            models.CheckConstraint(
                condition=Q(response_minutes__isnull=True)
                | Q(responded_at__isnull=False),
                name="contact_response_minutes_needs_response",
            ),
            models.CheckConstraint(
                condition=Q(logged_by__isnull=True, logged_while="")
                | (Q(logged_by__isnull=False) & Q(logged_while__in=LoggedWhile.values)),
                name="contact_logged_by_a_colleague_says_how",
            ),
            models.CheckConstraint(
                condition=Q(in_reply_to__isnull=True) | Q(direction="from_therapist"),
                name="contact_only_therapist_contacts_reply",
            ),
        ]
        triggers = [
            # A reply answers an earlier client contact of the same client,
            # whatever path writes it.
            pgtrigger.Trigger(
                name="contact_reply_answers_earlier_client_contact",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                condition=pgtrigger.Q(new__in_reply_to__isnull=False),
                func="""
                    IF NOT EXISTS (
                        SELECT 1 FROM attachment_contact
                        WHERE id = NEW.in_reply_to_id
                          AND client_id = NEW.client_id
                          AND direction = 'from_client'
                          AND occurred_at <= NEW.occurred_at
                    ) THEN
                        RAISE EXCEPTION 'reply does not answer an earlier client contact'
                            USING ERRCODE = 'check_violation';
                    END IF;
                    RETURN NEW;
                """,
            ),
        ]
        indexes = [
            models.Index(fields=["client", "occurred_at"]),
            models.Index(fields=["occurred_at"]),
            models.Index(fields=["client", "direction", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.get_direction_display().lower()}"

    def get_absolute_url(self) -> str:
        return reverse("attachment:contact_edit", args=[self.client_id, self.pk])

    @property
    def response_text(self) -> str:
        if self.response_minutes is None:
            return ""
        return duration_text(dt.timedelta(minutes=self.response_minutes))

    @property
    def outside_policy(self) -> bool:
        return self.after_hours or self.outside_agreement or self.over_weekly_limit
