"""Between-session records: contacts, ruptures and repairs, dependency
observations, attachment measures and coping plans.

The policy facts on :class:`Contact` are derived by
:func:`attachment.facts.derive_facts` at write time and stored, so that the
pattern engine can scan them with plain aggregate queries.  Invariants live in
database constraints and triggers so that imports and bulk writes cannot break
them either.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

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


def labels(choices: type[models.TextChoices], codes: list[str]) -> list[str]:
    """Display labels of an ArrayField of codes (Django has no get_FOO_display
    for arrays)."""
    known = dict(choices.choices)
    return [known.get(code, code) for code in codes]


def duration_text(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // (24 * 60)} days"


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
    responded_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the therapist answered this client contact; empty if not yet.",
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
    # Natural key of an imported row, so that importing a file twice adds nothing.
    row_hash = models.CharField(max_length=64, blank=True, editable=False)

    # Derived facts (attachment.facts), stored for set-based scans.
    after_hours = models.BooleanField(default=False, editable=False)
    channel_outside_policy = models.BooleanField(default=False, editable=False)
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
        return self.after_hours or self.channel_outside_policy or self.over_weekly_limit


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
    contact_agreement = models.TextField(
        blank=True,
        max_length=4000,
        help_text="The agreed contact rules in plain words.",
    )
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
