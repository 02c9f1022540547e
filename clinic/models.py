"""People, clinics, clients, supervision links, absences and contact policies.

Invariants live in database constraints so that neither a bulk update nor a
raw SQL statement can break them.  Every model except the append-only audit
log is tracked by pghistory triggers.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Collection, Iterable

import pghistory
from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from clinic.dates import DateLocale


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.")


class Role(models.TextChoices):
    THERAPIST = "therapist", "Therapist"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMIN = "admin", "Clinic admin"


class Channel(models.TextChoices):
    TEXT = "text", "Text message"
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone call"
    VOICEMAIL = "voicemail", "Voicemail"
    PORTAL = "portal", "Portal message"
    VIDEO = "video", "Video call"
    SOCIAL = "social", "Social media"
    IN_PERSON = "in_person", "In person"
    OTHER = "other", "Other"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self, email: str, password: str | None = None, **extra
    ) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


@pghistory.track(exclude=["password", "last_login"])
class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: therapist, supervisor, clinic admin or operator."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False,
        help_text="Operator access to Django admin; never for clinic staff.",
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email


#: Years an ended client's records are kept: the default, and the range a
#: clinic admin may choose from (a database constraint holds it too).
RETENTION_DEFAULT_YEARS = 7
RETENTION_MIN_YEARS = 6
RETENTION_MAX_YEARS = 100


@pghistory.track()
class Clinic(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    timezone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_timezone]
    )
    locale = models.CharField(
        "date format",
        max_length=8,
        choices=DateLocale.choices,
        default=DateLocale.EN_GB,
        help_text="How every page writes dates and times.",
    )
    supervisors_read_trainee_process_notes = models.BooleanField(
        default=False,
        help_text="Training clinics may let a supervisor read a trainee's process notes; "
        "every such read is audited.",
    )
    crisis_lines = models.TextField(
        blank=True,
        max_length=2000,
        help_text="Crisis lines and their numbers for the clinic's country, "
        "printed on every safety plan.",
    )
    # Contacts that arrive from integrations (issue: the ingestion API).
    keep_message_preview = models.BooleanField(
        default=False,
        help_text="Keep the first 200 characters of an arriving message as the "
        "contact's summary. Off: bodies are never stored.",
    )
    reply_counts_any_channel = models.BooleanField(
        default=True,
        help_text="An arriving message from the therapist answers the client's "
        "unanswered contacts on any channel; off: only on the same channel.",
    )
    unmatched_retention_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="Days a message from an unknown address waits in the "
        "unmatched inbox before it is deleted.",
    )
    # Records of an ended client (issue 17: retention and destruction).
    retention_years = models.PositiveSmallIntegerField(
        default=RETENTION_DEFAULT_YEARS,
        validators=[
            MinValueValidator(RETENTION_MIN_YEARS),
            MaxValueValidator(RETENTION_MAX_YEARS),
        ],
        help_text=f"Years an ended client's records are kept after the ending "
        f"date. At least {RETENTION_MIN_YEARS}, the six years HIPAA sets for "
        f"keeping required documentation (45 CFR 164.316(b)(2)); local law or "
        f"professional rules may ask for longer.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(retention_years__gte=RETENTION_MIN_YEARS)
                & Q(retention_years__lte=RETENTION_MAX_YEARS),
                name="clinic_retention_years_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


@pghistory.track()
class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    # The clinic's clinical lead: a supervisor, at most one per clinic, the
    # only person who may change the detectors' thresholds.
    is_clinical_lead = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "clinic", "role"], name="membership_unique_role"
            ),
            models.CheckConstraint(
                condition=Q(is_clinical_lead=False) | Q(role="supervisor"),
                name="membership_clinical_lead_is_a_supervisor",
            ),
            models.UniqueConstraint(
                fields=["clinic"],
                condition=Q(is_clinical_lead=True),
                name="membership_one_clinical_lead_per_clinic",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.clinic}"


class SupervisionQuerySet(models.QuerySet["Supervision"]):
    def current(self, on: dt.date) -> SupervisionQuerySet:
        return self.filter(started_on__lte=on).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=on)
        )


@pghistory.track()
class Supervision(models.Model):
    """A supervisor's link to a supervisee; trainees need their notes co-signed."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="supervisions"
    )
    supervisor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="supervisions_given"
    )
    supervisee = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="supervisions_received"
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    cosign_required = models.BooleanField(default=False)
    # A link opens clinical records, so it takes two people: the clinic admin
    # proposes it, the supervisee accepts it.  Until then it counts for nothing.
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = SupervisionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(supervisor=F("supervisee")), name="supervision_not_self"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="supervision_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supervisor} supervises {self.supervisee}"

    def is_current(self, on: dt.date) -> bool:
        return self.started_on <= on and (self.ended_on is None or self.ended_on >= on)

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None


class ClientStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ENDING = "ending", "Ending"
    ENDED = "ended", "Ended"


# A client code is a pseudonym, not text: a letter or digit, then letters,
# digits, ".", "_" and "-" (ASCII).  So it can never start like a spreadsheet
# formula (see clinic/csv_safety.py) nor carry a name, a space or a sentence.
CLIENT_CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]*"
CLIENT_CODE_RULE = (
    "must start with a letter or digit and hold only letters, digits, '.', '_' and '-'"
)
validate_client_code = RegexValidator(
    rf"\A{CLIENT_CODE_PATTERN}\Z", message=f"A client code {CLIENT_CODE_RULE}."
)


@pghistory.track()
class Client(models.Model):
    """A pseudonymous client: a clinic-unique code and a preferred name, nothing more."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="clients")
    therapist = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="clients"
    )
    code = models.CharField(max_length=32, validators=[validate_client_code])
    preferred_name = models.CharField(max_length=80, blank=True)
    status = models.CharField(
        max_length=8, choices=ClientStatus.choices, default=ClientStatus.ACTIVE
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="The client's time zone, for the hours of the agreement; "
        "empty for the clinic's.",
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "code"], name="client_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="client_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="ended") | Q(ended_on__isnull=False),
                name="client_ended_has_date",
            ),
            # The characters only: an empty code is the field's to refuse.
            models.CheckConstraint(
                condition=Q(code__regex=rf"^({CLIENT_CODE_PATTERN})?$"),
                name="client_code_characters",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "therapist"])]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("clinic:client", args=[self.pk])

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The client's time zone, else the clinic's."""
        return zoneinfo.ZoneInfo(self.timezone or self.clinic.timezone)

    @property
    def display_name(self) -> str:
        if self.preferred_name:
            return f"{self.preferred_name} ({self.code})"
        return self.code


@pghistory.track()
class Absence(models.Model):
    """A therapist's time away, with the colleague who covers."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="absences"
    )
    therapist = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="absences"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    covering_therapist = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="absences_covered",
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="absence_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(covering_therapist=F("therapist")),
                name="absence_cover_is_someone_else",
            ),
        ]
        indexes = [models.Index(fields=["therapist", "starts_on"])]

    def __str__(self) -> str:
        return f"{self.therapist} away {self.starts_on}–{self.ends_on}"

    def covers(self, on: dt.date) -> bool:
        return self.starts_on <= on <= self.ends_on


def default_contact_hours() -> dict[str, list[str]]:
    return {str(day): ["09:00", "17:00"] for day in range(5)}


class ContactTerms(models.Model):
    """Contact terms: the channels, the hours and the weekly limit that both the
    clinic's frame (:class:`ContactPolicy`) and a client's between-sessions
    agreement (``attachment.models.ContactAgreement``) state.

    ``contact_hours`` maps a weekday number (0 = Monday) to ``[start, end]`` as
    ``HH:MM`` (the frame's in the clinic's time zone, an agreement's in the
    client's); a missing weekday means no contact that day.  Use
    :meth:`hours_on` rather than reading the JSON directly.
    """

    allowed_channels = ArrayField(
        models.CharField(max_length=16, choices=Channel.choices), default=list
    )
    contact_hours = models.JSONField(default=default_contact_hours)
    weekly_limit = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Most client-initiated contacts in any rolling 7 days; empty for no limit.",
    )
    after_ending_allowed = models.BooleanField(default=False)

    class Meta:
        abstract = True

    def hours_on(self, weekday: int) -> tuple[dt.time, dt.time] | None:
        window = self.contact_hours.get(str(weekday))
        if not window:
            return None
        start, end = window
        return dt.time.fromisoformat(start), dt.time.fromisoformat(end)

    def weekly_hours(self) -> list[tuple[str, str]]:
        """Each weekday with its window as text, for display."""
        shown = []
        for day in Weekday:
            window = self.hours_on(day.value)
            text = f"{window[0]:%H:%M}–{window[1]:%H:%M}" if window else "no contact"
            shown.append((day.label[:3], text))
        return shown

    def allows_channel(self, channel: str) -> bool:
        return channel in self.allowed_channels

    def allows_purpose(self, channel: str, purpose: str) -> bool:
        """The frame has no rules by purpose; an agreement may (it overrides this)."""
        return True

    def is_within_hours(self, local_moment: dt.datetime) -> bool:
        window = self.hours_on(local_moment.weekday())
        if window is None:
            return False
        start, end = window
        return start <= local_moment.time() < end


CRISIS_REPLY_MINUTES_DEFAULT = 120


@pghistory.track()
class ContactPolicy(ContactTerms):
    """The clinic's frame: the contact boundaries the clinic admin sets, one per
    clinic.  It is the frame and the template of every client's between-sessions
    agreement, and it holds no client's clinical text."""

    clinic = models.OneToOneField(
        Clinic, on_delete=models.CASCADE, related_name="contact_policy"
    )
    response_window_hours = models.PositiveSmallIntegerField(default=24)
    crisis_reply_minutes = models.PositiveSmallIntegerField(
        default=CRISIS_REPLY_MINUTES_DEFAULT,
        help_text="A crisis contact still unanswered after this many minutes "
        "alerts the therapist (or the cover during an absence).",
    )
    # When these terms took effect: set by the service that saves them, so
    # that the frame's history says from when each state judges contacts.
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "contact policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(response_window_hours__gte=1),
                name="contact_policy_response_window_positive",
            ),
            models.CheckConstraint(
                condition=Q(crisis_reply_minutes__gte=5),
                name="contact_policy_crisis_reply_at_least_5_minutes",
            ),
        ]

    def __str__(self) -> str:
        return f"Contact policy of {self.clinic}"


class AuditAction(models.TextChoices):
    READ = "read", "Read"
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    SIGN = "sign", "Sign"
    EXPORT = "export", "Export"
    DENIED = "denied", "Denied"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def bulk_create(
        self,
        objs: Iterable[AuditEvent],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Collection[str] | None = None,
        unique_fields: Collection[str] | None = None,
    ) -> list[AuditEvent]:
        """Insert the events as links of the hash chain.

        The one way in for audit rows (``audit_record`` and the batch writers
        all come here), so no writer can leave a row out of the chain; the
        chain's rule itself is ``clinic.audit.chain_link``'s.  A skipped
        conflict would leave a gap, so conflicts cannot be ignored.
        """
        if ignore_conflicts or update_conflicts or update_fields or unique_fields:
            raise ValueError("audit events are appended, never merged or skipped")
        from clinic.audit import chain_link  # clinic.audit imports this module

        events = list(objs)
        if not events:
            return events
        with transaction.atomic(using=self.db, savepoint=False):
            chain_link(events, using=self.db)
            return super().bulk_create(events, batch_size=batch_size)


class AuditEvent(models.Model):
    """Who read or wrote which record, when, from where.  Append-only.

    Only ids are stored: never clinical text.  History of *what* changed is
    kept separately by pghistory triggers.  The rows form a hash chain
    (``seq``, ``mac``; see clinic/audit.py), and ``at`` is the database's
    clock when the row joined it.
    """

    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=8, choices=AuditAction.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.BigIntegerField(null=True, blank=True)
    client_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    seq = models.BigIntegerField(unique=True, editable=False)
    mac = models.CharField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["client_id", "at"]),
            models.Index(fields=["actor", "at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(seq__gte=1), name="audit_seq_positive"),
            models.CheckConstraint(
                condition=Q(mac__regex=r"^[0-9a-f]{64}$"), name="audit_mac_is_hex"
            ),
        ]
        # Append-only by a plain SQL guard (clinic/database_guards.py) and
        # by the application role's grants (clinic/database_roles.py).

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.object_type}#{self.object_id}"


# --- two-person changes of who may do what ----------------------------------


class StaffProposalKind(models.TextChoices):
    GRANT = "grant", "Grant roles"
    REACTIVATE = "reactivate", "Reactivate the account"
    REASSIGN = "reassign", "Move a client to another therapist"


class StaffProposalStatus(models.TextChoices):
    PENDING = "pending", "Awaiting a second clinic admin"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


@pghistory.track()
class StaffProposal(models.Model):
    """A change of who may do what in a clinic (roles granted, an account
    reactivated), proposed by one clinic admin and in force only once a
    second clinic admin of the same clinic approves it.

    A grant to someone new names them by ``email`` and ``full_name``; their
    account is created when the grant is approved, and ``person`` then points
    to it.  Taking access away needs no proposal: it takes one person.
    """

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="staff_proposals"
    )
    kind = models.CharField(max_length=16, choices=StaffProposalKind.choices)
    person = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_proposals_about",
    )
    email = models.EmailField(blank=True)
    full_name = models.CharField(max_length=150, blank=True)
    # A move of this client to ``person``, its new therapist (``reassign``).
    client = models.ForeignKey(
        "Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reassignment_proposals",
    )
    roles = ArrayField(
        models.CharField(max_length=16, choices=Role.choices), default=list, blank=True
    )
    status = models.CharField(
        max_length=16,
        choices=StaffProposalStatus.choices,
        default=StaffProposalStatus.PENDING,
    )
    proposed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="staff_proposals_made"
    )
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_proposals_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(proposed_by=F("person")),
                name="staff_proposal_not_about_proposer",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | (~Q(decided_by=F("proposed_by")) & ~Q(decided_by=F("person"))),
                name="staff_proposal_approved_by_a_second_person",
            ),
            models.CheckConstraint(
                condition=Q(
                    status="pending", decided_by__isnull=True, decided_at__isnull=True
                )
                | (
                    ~Q(status="pending")
                    & Q(decided_by__isnull=False, decided_at__isnull=False)
                ),
                name="staff_proposal_decided_once",
            ),
            models.CheckConstraint(
                condition=~Q(kind="grant") | ~Q(roles=[]),
                name="staff_proposal_grant_has_roles",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False)
                | (
                    Q(kind="grant")
                    & ~Q(status="approved")
                    & ~Q(email="")
                    & ~Q(full_name__regex=r"^\s*$")
                ),
                name="staff_proposal_names_its_person",
            ),
            models.UniqueConstraint(
                fields=["clinic", "email"],
                condition=Q(status="pending", person__isnull=True),
                name="staff_proposal_one_pending_invitation_per_address",
            ),
            models.UniqueConstraint(
                fields=["clinic", "person", "kind"],
                condition=Q(status="pending") & ~Q(kind="reassign"),
                name="staff_proposal_one_pending_per_person_and_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="reassign", client__isnull=False, person__isnull=False)
                | (~Q(kind="reassign") & Q(client__isnull=True)),
                name="staff_proposal_a_move_names_client_and_therapist",
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(status="pending", kind="reassign"),
                name="staff_proposal_one_pending_move_per_client",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.person or self.full_name}"

    @property
    def is_pending(self) -> bool:
        return self.status == StaffProposalStatus.PENDING

    @property
    def invites(self) -> bool:
        """A grant to someone without an account yet."""
        return self.person_id is None

    @property
    def role_labels(self) -> str:
        labels = dict(Role.choices)
        return ", ".join(str(labels.get(role, role)) for role in self.roles)


@pghistory.track()
class EnrolmentLink(models.Model):
    """A one-time link, sent by e-mail, through which a person sets their
    password (when they have none yet) and enrols their authenticator.

    Only the SHA-256 of the link's token is kept.  A link counts until it is
    used or expires, and only while it is the person's newest: sending a new
    one retires every earlier link without writing to it.
    """

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="enrolment_links"
    )
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="enrolment_links"
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="enrolment_link_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=Q(token_sha256__regex=r"^[0-9a-f]{64}$"),  # noqa: S106
                name="enrolment_link_token_is_a_digest",
            ),
            models.CheckConstraint(
                condition=~Q(created_by=F("user")),
                name="enrolment_link_not_sent_to_oneself",
            ),
        ]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"Enrolment link #{self.pk} for {self.user}"


@pghistory.track()
class SupervisionProposal(models.Model):
    """Who proposed a supervision link, and the second clinic admin who
    approved it in place of the supervisee's acceptance, if one did.

    Links made before proposals were recorded have none; only their
    supervisee can accept them.
    """

    link = models.OneToOneField(
        Supervision, on_delete=models.CASCADE, related_name="proposal"
    )
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(approved_by=F("proposed_by")),
                name="supervision_proposal_approved_by_a_second_admin",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True, approved_at__isnull=True)
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="supervision_proposal_approval_has_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Proposal of {self.link}"


# --- break-glass: unplanned access to one client's cover page ----------------

# How long a grant opens the client's cover page, and the shortest reason
# (free text, trimmed) that opens it.
BREAK_GLASS_DURATION = dt.timedelta(hours=12)
BREAK_GLASS_EXPLANATION_MIN = 20
BREAK_GLASS_EXPLANATION_MAX = 1000
BREAK_GLASS_REVIEW_NOTE_MAX = 1000


class BreakGlassReason(models.TextChoices):
    CRISIS_CONTACT = "crisis_contact", "The client made contact in crisis or distress"
    SAFETY_CONCERN = "safety_concern", "There is a concern for the client's safety"
    THERAPIST_UNREACHABLE = (
        "therapist_unreachable",
        "The treating therapist cannot be reached",
    )
    NO_COVER = "no_cover", "The therapist is away and no cover is named"
    OTHER = "other", "Another urgent reason"


class BreakGlassVerdict(models.TextChoices):
    JUSTIFIED = "justified", "Justified"
    NOT_JUSTIFIED = "not_justified", "Not justified"


@pghistory.track()
class BreakGlassGrant(models.Model):
    """A clinician's access to one client's cover page for twelve hours,
    opened by themselves with a reason when nobody with access can act, and
    reviewed afterwards by the clinic admin or the therapist's supervisor.

    Who may open one, and what it opens, is decided in :mod:`clinic.access`.
    """

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    grantee = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    reason = models.CharField(max_length=32, choices=BreakGlassReason.choices)
    explanation = models.TextField(max_length=BREAK_GLASS_EXPLANATION_MAX)
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    verdict = models.CharField(
        max_length=16, choices=BreakGlassVerdict.choices, blank=True
    )
    review_note = models.TextField(max_length=BREAK_GLASS_REVIEW_NOTE_MAX, blank=True)
    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at=F("granted_at") + BREAK_GLASS_DURATION),
                name="break_glass_lasts_twelve_hours",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=BreakGlassReason.values),
                name="break_glass_reason_known",
            ),
            # At least 20 characters between the first and the last that
            # are not blank.
            models.CheckConstraint(
                condition=Q(explanation__regex=r"^\s*\S[\s\S]{18,}\S\s*$"),
                name="break_glass_explained",
            ),
            models.CheckConstraint(
                condition=Q(
                    verdict="",
                    review_note="",
                    reviewed_by__isnull=True,
                    reviewed_at__isnull=True,
                )
                | (
                    Q(verdict__in=BreakGlassVerdict.values)
                    & ~Q(review_note__regex=r"^\s*$")
                    & Q(reviewed_by__isnull=False, reviewed_at__isnull=False)
                ),
                name="break_glass_reviewed_with_a_note",
            ),
            models.CheckConstraint(
                condition=~Q(reviewed_by=F("grantee")),
                name="break_glass_not_reviewed_by_its_grantee",
            ),
        ]
        indexes = [
            models.Index(fields=["grantee", "expires_at"]),
            models.Index(fields=["clinic", "granted_at"]),
        ]

    def __str__(self) -> str:
        return f"Break-glass #{self.pk} by {self.grantee_id} on client {self.client_id}"

    @property
    def is_reviewed(self) -> bool:
        return bool(self.verdict)

    def is_in_force(self, now: dt.datetime) -> bool:
        return self.granted_at <= now < self.expires_at


# Models of the clinic app kept in modules of their own.
from clinic.integrations.models import (  # noqa: E402, F401
    Integration,
    IntegrationDay,
    MailboxSettings,
)
