"""Session notes, addenda, co-signature returns, process notes and reflections.

A signed session note is a legal record.  The services refuse to change one,
and so does the database: triggers on ``notes_sessionnote`` reject any UPDATE
that touches a signed row's content, and any change of its signature other
than the one the return-for-revision service makes (clearing the whole
signature of a note that was never co-signed).  Addenda and returns are
append-only.  Every model is tracked by pghistory.
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse

from notes.signature_hashes import SIGNING_SCHEME, DigestScheme


class NoteFormat(models.TextChoices):
    SOAP = "soap", "SOAP"
    DAP = "dap", "DAP"
    BIRP = "birp", "BIRP"
    FREE = "free", "Free text"


class Modality(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video"
    PHONE = "phone", "Phone"


class Attendance(models.TextChoices):
    ATTENDED = "attended", "Attended"
    CANCELLED_LATE = "cancelled_late", "Cancelled late"
    NO_SHOW = "no_show", "No-show"


class NoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"
    AWAITING_COSIGN = "awaiting_cosign", "Awaiting co-signature"
    COSIGNED = "cosigned", "Co-signed"


class RiskLevel(models.TextChoices):
    """The risk the therapist judged at the session (the note's risk section)."""

    NONE = "none", "None"
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"


#: Risk levels above low: a distress contact from such a client raises the
#: unanswered-distress alert.
RISK_ABOVE_LOW = (RiskLevel.MODERATE.value, RiskLevel.HIGH.value)
RISK_SUMMARY_MAX = 1000


#: The sections of each format, in the order they are written and shown.
FORMAT_SECTIONS: dict[str, tuple[str, ...]] = {
    NoteFormat.SOAP: ("subjective", "objective", "assessment", "plan"),
    NoteFormat.DAP: ("data", "assessment", "plan"),
    NoteFormat.BIRP: ("behaviour", "intervention", "response", "plan"),
    NoteFormat.FREE: ("free_text",),
}
ALL_SECTIONS: tuple[str, ...] = (
    "subjective",
    "objective",
    "assessment",
    "plan",
    "data",
    "behaviour",
    "intervention",
    "response",
    "free_text",
)

SECTION_LABELS: dict[str, str] = {
    "subjective": "Subjective",
    "objective": "Objective",
    "assessment": "Assessment",
    "plan": "Plan",
    "data": "Data",
    "behaviour": "Behaviour",
    "intervention": "Intervention",
    "response": "Response",
    "free_text": "Note",
}


def _format_condition(code: str) -> Q:
    """Rows of format ``code`` hold only that format's sections, and all of
    them once signed."""
    own = FORMAT_SECTIONS[code]
    others = Q(**{name: "" for name in ALL_SECTIONS if name not in own})
    complete = Q()
    for name in own:
        complete &= ~Q(**{name: ""})
    return ~Q(format=code) | (others & (Q(signed_at__isnull=True) | complete))


@pghistory.track()
class NotePreference(models.Model):
    """A therapist's default note format, used to pre-select new notes."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    default_format = models.CharField(
        max_length=8, choices=NoteFormat.choices, default=NoteFormat.SOAP
    )

    def __str__(self) -> str:
        return f"{self.user_id}: {self.default_format}"


@pghistory.track()
class SessionNote(models.Model):
    """The record of one session, in one of four formats.

    ``status`` is stored (rather than derived) because whether a signed note
    needs co-signature depends on the supervision link at the moment of
    signing; constraints keep it consistent with the signature columns.
    """

    client = models.ForeignKey(
        "clinic.Client", on_delete=models.PROTECT, related_name="session_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    session_at = models.DateTimeField("session start")
    duration_minutes = models.PositiveSmallIntegerField(default=50)
    modality = models.CharField(
        max_length=16, choices=Modality.choices, default=Modality.IN_PERSON
    )
    attendance = models.CharField(
        max_length=16, choices=Attendance.choices, default=Attendance.ATTENDED
    )
    format = models.CharField(
        max_length=8, choices=NoteFormat.choices, default=NoteFormat.SOAP
    )
    subjective = models.TextField(blank=True)
    objective = models.TextField(blank=True)
    assessment = models.TextField(blank=True)
    plan = models.TextField(blank=True)
    data = models.TextField(blank=True)
    behaviour = models.TextField(blank=True)
    intervention = models.TextField(blank=True)
    response = models.TextField(blank=True)
    free_text = models.TextField("note", blank=True)
    # The risk section, in every format.  Empty on notes written before the
    # section existed; required to sign (notes.services.note_sign).
    risk_level = models.CharField(max_length=8, choices=RiskLevel.choices, blank=True)
    risk_summary = models.TextField(
        "risk, in a sentence", blank=True, max_length=RISK_SUMMARY_MAX
    )
    status = models.CharField(
        max_length=16, choices=NoteStatus.choices, default=NoteStatus.DRAFT
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    content_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    # How content_sha256 is computed (notes/signature_hashes.py).  A draft
    # holds the scheme its signature will use, so a digest is always computed
    # and checked under the scheme the row names.
    digest_scheme = models.CharField(
        max_length=16,
        choices=DigestScheme.choices,
        default=SIGNING_SCHEME,
        editable=False,
    )
    cosigned_at = models.DateTimeField(null=True, blank=True)
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-session_at", "-pk"]
        indexes = [
            models.Index(fields=["client", "session_at"]),
            models.Index(fields=["status", "author"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=600),
                name="session_note_duration_range",
            ),
            *[
                models.CheckConstraint(
                    condition=_format_condition(code),
                    name=f"session_note_{code}_sections",
                )
                for code in FORMAT_SECTIONS
            ],
            models.CheckConstraint(
                condition=(
                    Q(signed_at__isnull=True)
                    & Q(signed_by__isnull=True)
                    & Q(content_sha256="")
                    & Q(status=NoteStatus.DRAFT)
                )
                | (
                    Q(signed_at__isnull=False)
                    & Q(signed_by__isnull=False)
                    & Q(content_sha256__regex=r"^[0-9a-f]{64}$")
                    & ~Q(status=NoteStatus.DRAFT)
                ),
                name="session_note_signature_complete",
            ),
            models.CheckConstraint(
                condition=(
                    Q(cosigned_at__isnull=True)
                    & Q(cosigned_by__isnull=True)
                    & ~Q(status=NoteStatus.COSIGNED)
                )
                | (
                    Q(cosigned_at__isnull=False)
                    & Q(cosigned_by__isnull=False)
                    & Q(status=NoteStatus.COSIGNED)
                ),
                name="session_note_cosignature_complete",
            ),
            models.CheckConstraint(
                condition=Q(digest_scheme__in=DigestScheme.values),
                name="session_note_digest_scheme_known",
            ),
            models.CheckConstraint(
                condition=Q(risk_level__in=["", *RiskLevel.values]),
                name="session_note_risk_level_known",
            ),
            # A risk above none is described in a sentence; a note with no
            # risk level recorded has no risk sentence either.
            models.CheckConstraint(
                condition=Q(risk_level__in=["", RiskLevel.NONE])
                | ~Q(risk_summary__regex=r"^\s*$"),
                name="session_note_risk_described",
            ),
            models.CheckConstraint(
                condition=~Q(risk_level="") | Q(risk_summary=""),
                name="session_note_risk_summary_has_level",
            ),
        ]
        # The signature locks are plain SQL guards (notes/guards.py).

    def __str__(self) -> str:
        return f"Session note #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("notes:note", args=[self.pk])

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def sections(self) -> list[tuple[str, str, str]]:
        """(field name, label, text) for the sections of this note's format."""
        return [
            (name, SECTION_LABELS[name], getattr(self, name))
            for name in FORMAT_SECTIONS[self.format]
        ]


@pghistory.track()
class Addendum(models.Model):
    """A dated correction or late entry under a signed note; signed at creation
    and never changed."""

    note = models.ForeignKey(
        SessionNote, on_delete=models.PROTECT, related_name="addenda"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField()
    text = models.TextField()
    content_sha256 = models.CharField(max_length=64, editable=False)
    digest_scheme = models.CharField(
        max_length=16,
        choices=DigestScheme.choices,
        default=SIGNING_SCHEME,
        editable=False,
    )

    class Meta:
        ordering = ["written_at", "pk"]
        verbose_name_plural = "addenda"
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="addendum_has_text"),
            models.CheckConstraint(
                condition=Q(content_sha256__regex=r"^[0-9a-f]{64}$"),
                name="addendum_signed",
            ),
            models.CheckConstraint(
                condition=Q(digest_scheme__in=DigestScheme.values),
                name="addendum_digest_scheme_known",
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="addendum_only_on_settled_signed_note",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func=(
                    "IF NOT EXISTS (SELECT 1 FROM notes_sessionnote "
                    "WHERE id = NEW.note_id AND status IN ('signed', 'cosigned')) "
                    "THEN RAISE EXCEPTION 'addendum refused: note % is not signed', "
                    "NEW.note_id USING ERRCODE = 'P0001'; END IF; RETURN NEW;"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Addendum #{self.pk} to note #{self.note_id}"


@pghistory.track()
class NoteReturn(models.Model):
    """A supervisor sent a trainee's signed note back for revision."""

    note = models.ForeignKey(
        SessionNote, on_delete=models.PROTECT, related_name="returns"
    )
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField()
    comment = models.TextField()

    class Meta:
        ordering = ["returned_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(comment=""), name="note_return_has_comment"
            ),
        ]

    def __str__(self) -> str:
        return f"Return #{self.pk} of note #{self.note_id}"


# The history rows leave the text out: a process note's text is kept apart
# from everything else, history tables included.  The digest changes with
# every edit, so each edit is still recorded.
@pghistory.track(exclude=["text"])
class ProcessNote(models.Model):
    """The therapist's private analysis (psychotherapy notes).

    Kept apart on purpose: no list, export, search, import, scan, timeline or
    admin page includes it.  Only ``notes.selectors.process_note_for_reading``
    hands one out.
    """

    client = models.ForeignKey(
        "clinic.Client", on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField()
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64, editable=False)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-written_at", "-pk"]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="process_note_has_text"),
        ]

    def __str__(self) -> str:
        return f"Process note #{self.pk}"


@pghistory.track()
class Reflection(models.Model):
    """The therapist's between-session thinking about a client."""

    client = models.ForeignKey(
        "clinic.Client", on_delete=models.PROTECT, related_name="reflections"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField()
    text = models.TextField()
    bring_to_next_session = models.BooleanField(default=False)
    brought_in = models.ForeignKey(
        SessionNote,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reflections_brought",
    )

    class Meta:
        ordering = ["-written_at", "-pk"]
        indexes = [models.Index(fields=["client", "written_at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="reflection_has_text"),
            models.CheckConstraint(
                condition=Q(brought_in__isnull=True) | Q(bring_to_next_session=True),
                name="reflection_brought_only_if_marked",
            ),
        ]
        triggers = [
            # What a signed note took up is part of its record: a reflection
            # is linked to (or unlinked from) a note only while it is a draft.
            pgtrigger.Trigger(
                name="reflection_links_only_draft_notes",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(
                    old__brought_in__df=pgtrigger.F("new__brought_in")
                ),
                func=(
                    "IF EXISTS (SELECT 1 FROM notes_sessionnote WHERE id IN "
                    "(OLD.brought_in_id, NEW.brought_in_id) AND signed_at IS NOT NULL) "
                    "THEN RAISE EXCEPTION 'reflection % cannot change its link to a "
                    "signed note', NEW.id; END IF; RETURN NEW;"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Reflection #{self.pk}"


class UnkeyedDigestRoll(models.Model):
    """The signed rows whose digests predate keyed signatures, under the key.

    Only a row listed in a roll whose ``mac`` holds may keep an unkeyed
    SHA-256 (notes/signature_hashes.py): whoever rewrites a keyed note in the
    database and relabels it as unkeyed cannot list it here without the key.
    The migration to keyed signatures wrote one roll per kind; rolls are
    append-only.
    """

    kind = models.CharField(max_length=16)  # "note" or "addendum"
    ids = ArrayField(models.BigIntegerField())
    mac = models.CharField(max_length=64)

    class Meta:
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["note", "addendum"]), name="unkeyed_roll_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"Roll of {len(self.ids)} unkeyed {self.kind} digests"
