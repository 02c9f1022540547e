"""Supervision sessions with their action items, in-app notifications, and the
record of each supervisor's daily digest.

A session belongs to the clinic of the supervision link it was held under, so
that it stays in that clinic's scope when the people work elsewhere too.
Notifications carry counts, fixed wording and a path only, never clinical
text: they are shown in the navigation and copied into no e-mail.
"""

from __future__ import annotations

import datetime as dt

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from attachment.models.flags import Flag
from clinic.models import Client, Clinic

ACTION_TEXT_MAX = 300
SESSION_NOTES_MAX = 8000
NOTIFICATION_MESSAGE_MAX = 200


class ActionCategory(models.TextChoices):
    ADJUST_CONTACT_POLICY = "adjust_contact_policy", "Adjust the contact policy"
    PLAN_ABSENCE_COVER = "plan_absence_cover", "Plan cover for an absence"
    REVISIT_COPING_PLAN = "revisit_coping_plan", "Revisit the coping plan"
    CONSIDER_REFERRAL = "consider_referral", "Consider referral"
    OTHER = "other", "Other"


@pghistory.track()
class SupervisionSession(models.Model):
    """One supervision meeting: the flags talked through, the supervisor's
    notes (clinical text) and when to look at it all again."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="supervision_sessions_led",
    )
    supervisee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="supervision_sessions_attended",
    )
    held_at = models.DateTimeField()
    notes = models.TextField(blank=True, max_length=SESSION_NOTES_MAX)
    follow_up_on = models.DateField(null=True, blank=True)
    flags_discussed: models.ManyToManyField[Flag, DiscussedFlag] = (
        models.ManyToManyField(
            Flag,
            through="DiscussedFlag",
            related_name="supervision_sessions",
            blank=True,
        )
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(supervisor=F("supervisee")),
                name="supervision_session_not_self",
            ),
            models.CheckConstraint(
                condition=Q(held_at__lte=F("recorded_at")),
                name="supervision_session_recorded_after_held",
            ),
        ]
        indexes = [
            models.Index(fields=["supervisor", "supervisee", "held_at"]),
            models.Index(fields=["supervisee", "held_at"]),
        ]

    def __str__(self) -> str:
        return f"Supervision session {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("attachment:supervision_session", args=[self.pk])


@pghistory.track()
class DiscussedFlag(models.Model):
    """A flag talked through in a session (the explicit link keeps its history)."""

    session = models.ForeignKey(
        SupervisionSession, on_delete=models.CASCADE, related_name="+"
    )
    flag = models.ForeignKey(Flag, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "flag"], name="discussed_flag_once_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"Flag {self.flag_id} in session {self.session_id}"


@pghistory.track()
class ActionItem(models.Model):
    """Something the supervisee or the supervisor agreed to do by a date,
    optionally about one of the supervisee's clients.  ``set_on`` is the
    clinic-local day it was agreed; it cannot be due before that day."""

    session = models.ForeignKey(
        SupervisionSession, on_delete=models.CASCADE, related_name="action_items"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_items"
    )
    text = models.CharField(max_length=ACTION_TEXT_MAX)
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
    )
    category = models.CharField(max_length=24, choices=ActionCategory.choices)
    set_on = models.DateField()
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Not a column: the pages that list items set it for the clinic's today
    # (:meth:`is_overdue`), and the items table reads it.
    overdue: bool

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=F("set_on")),
                name="action_item_due_after_set",
            ),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True, done_by__isnull=True)
                | Q(done_at__isnull=False, done_by__isnull=False),
                name="action_item_done_by_iff_done_at",
            ),
            models.CheckConstraint(
                condition=~Q(text__regex=r"^\s*$"), name="action_item_has_text"
            ),
            models.CheckConstraint(
                condition=Q(category__in=ActionCategory.values),
                name="action_item_category_known",
            ),
        ]
        indexes = [models.Index(fields=["owner", "done_at", "due_on"])]

    def __str__(self) -> str:
        return f"Action item {self.pk}"

    @property
    def clinic_id(self) -> int:
        """The clinic of the item's session: an item belongs there, and the
        audit files a read of it there."""
        return self.session.clinic_id

    def is_overdue(self, today: dt.date) -> bool:
        return self.done_at is None and self.due_on < today


class NotificationKind(models.TextChoices):
    NEW_RED_FLAGS = "new_red_flags", "New red flags"
    ACTION_ITEMS_ASSIGNED = "action_items_assigned", "Action items assigned"
    COVER_STARTS = "cover_starts", "Cover during an absence starts"
    COVER_ENDED = "cover_ended", "Cover during an absence ended"
    BREAK_GLASS = "break_glass", "Break-glass access"
    UNANSWERED_DISTRESS = (
        "unanswered_distress",
        "A distress or crisis contact is unanswered",
    )
    UNANSWERED_ESCALATED = "unanswered_escalated", "An unanswered contact was escalated"


@pghistory.track()
class Notification(models.Model):
    """An in-app notice: fixed wording with counts, and a path inside Between."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    url = models.CharField(max_length=200, help_text="A path inside Between.")
    message = models.CharField(max_length=NOTIFICATION_MESSAGE_MAX)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(url__regex=r"^/[^/]"), name="notification_url_is_a_path"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values),
                name="notification_kind_known",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["recipient", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"Notification {self.pk}"


@pghistory.track()
class DigestLog(models.Model):
    """One supervisor's digest of one (UTC) day: the claim that makes a second
    run the same day send nothing, and the moment the next digest counts from."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_on = models.DateField()
    sent_at = models.DateTimeField()
    new_red_flags = models.PositiveIntegerField()
    items_due = models.PositiveIntegerField()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "sent_on"], name="digest_log_one_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"Digest of {self.sent_on} for user {self.recipient_id}"
