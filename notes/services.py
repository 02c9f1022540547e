"""Every write of the notes app.

Each service checks permission through :mod:`clinic.access`, validates,
writes, and records an audit event.  Refusals raise :class:`NoteRefused`
(or a subclass), a :class:`clinic.refusals.Refused`: its message never carries
note text, and views show it through :func:`clinic.refusals.show_refusal`.
Who currently supervises whom is :mod:`clinic.access`'s rule alone.
The database triggers in :mod:`notes.models` back up the signed-note rules, so
a bug here cannot silently alter a signed record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic import access
from clinic.audit import audit_record
from clinic.models import AuditAction, Client, User
from clinic.refusals import Refused
from notes import agenda
from notes.models import (
    ALL_SECTIONS,
    FORMAT_SECTIONS,
    RISK_SUMMARY_MAX,
    Addendum,
    NotePreference,
    NoteReturn,
    NoteStatus,
    ProcessNote,
    Reflection,
    SessionNote,
)
from notes.signature_hashes import (
    SIGNING_SCHEME,
    addendum_digest,
    note_digest,
    text_digest,
)

NOTE_FACT_FIELDS = (
    "session_at",
    "duration_minutes",
    "modality",
    "attendance",
    "format",
)
#: The risk section: optional in ``values`` (a draft may leave it open), and
#: cleared when left out, as a section left out is.
NOTE_RISK_FIELDS = ("risk_level", "risk_summary")


class NoteRefused(Refused):
    """The rules refuse this change; nothing was written."""


class WrongPassword(NoteRefused):
    def __init__(self) -> None:
        super().__init__(
            "The password is not correct. Nothing was signed.", field="password"
        )


class NoteLocked(NoteRefused):
    def __init__(self) -> None:
        super().__init__(
            "This note is signed and locked. Add an addendum to correct or extend it."
        )


class RiskNotRecorded(NoteRefused):
    """Signing asks for the risk section: a signed note states the risk
    judged at the session, even when it is none."""

    def __init__(self) -> None:
        super().__init__(
            "Record the risk level before signing (none, low, moderate or high). "
            "Nothing was signed.",
            field="risk_level",
        )


class ReflectionKept(NoteRefused):
    def __init__(self) -> None:
        super().__init__(
            "This reflection was brought into a session and is kept as it was."
        )


def _require_password(actor: User, password: str) -> None:
    if not password or not actor.check_password(password):
        raise WrongPassword()


def _require_author_writing(actor: User, note: SessionNote, now: dt.datetime) -> None:
    """Only the author edits or signs, and only while they are still the
    client's therapist."""
    access.client_for_writing(actor, note.client_id, on=now.date())
    if note.author_id != actor.pk:
        raise access.forbidden(actor, "session-note", note.pk)


def cosign_required_for(*, author: User, client: Client, on: dt.date) -> bool:
    return access.cosignature_required(author, clinic_id=client.clinic_id, on=on)


# --- preferences -----------------------------------------------------------


def note_preference_set(
    *, actor: User, default_format: str, now: dt.datetime
) -> NotePreference:
    access.require_clinical_role(actor)
    preference, created = NotePreference.objects.get_or_create(user=actor)
    preference.default_format = default_format
    preference.full_clean()
    preference.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=preference,
        at=now,
    )
    return preference


# --- session notes ---------------------------------------------------------


def _apply(note: SessionNote, values: dict[str, Any]) -> None:
    """Copy the facts and the chosen format's sections; blank the others, so
    that the row satisfies the one-format constraint."""
    for field in NOTE_FACT_FIELDS:
        setattr(note, field, values[field])
    for field in NOTE_RISK_FIELDS:
        setattr(note, field, (values.get(field) or "").strip())
    # A TextField's max_length is not checked by full_clean.
    if len(note.risk_summary) > RISK_SUMMARY_MAX:
        raise ValidationError(
            {"risk_summary": f"Keep it under {RISK_SUMMARY_MAX} characters."}
        )
    own = FORMAT_SECTIONS[note.format]
    for name in ALL_SECTIONS:
        setattr(note, name, (values.get(name) or "") if name in own else "")


def _mark_agenda(note: SessionNote, keys: list[str]) -> None:
    if keys:
        agenda.agenda_mark_discussed(note=note, keys=keys)


def note_create(
    *,
    actor: User,
    client: Client,
    values: dict[str, Any],
    discussed_keys: list[str],
    now: dt.datetime,
) -> SessionNote:
    """Start a draft for a session with one of the therapist's own clients,
    and take the agenda items it discussed off the agenda."""
    with transaction.atomic():
        client = access.client_for_writing(actor, client.pk, on=now.date())
        note = SessionNote(client=client, author=actor, created_at=now, updated_at=now)
        _apply(note, values)
        note.full_clean()
        note.save()
        audit_record(actor=actor, action=AuditAction.CREATE, obj=note, at=now)
        _mark_agenda(note, discussed_keys)
        return note


def note_update(
    *,
    actor: User,
    note: SessionNote,
    values: dict[str, Any],
    discussed_keys: list[str],
    now: dt.datetime,
) -> SessionNote:
    with transaction.atomic():
        note = SessionNote.objects.select_for_update().get(pk=note.pk)
        _require_author_writing(actor, note, now)
        if note.is_signed:
            raise NoteLocked()
        _apply(note, values)
        note.updated_at = now
        note.full_clean()
        note.save()
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=note, at=now)
        _mark_agenda(note, discussed_keys)
        return note


def missing_sections(note: SessionNote) -> list[str]:
    return [label for name, label, text in note.sections if not text.strip()]


def note_sign(
    *, actor: User, note: SessionNote, password: str, now: dt.datetime
) -> SessionNote:
    """Sign and lock a draft.  A trainee's note goes to the supervisor's
    co-signature queue instead of being final."""
    with transaction.atomic():
        note = SessionNote.objects.select_for_update().get(pk=note.pk)
        _require_author_writing(actor, note, now)
        if note.is_signed:
            raise NoteRefused("This note is already signed.")
        _require_password(actor, password)
        missing = missing_sections(note)
        if missing:
            raise NoteRefused(
                "Write every section before signing. Empty: " + ", ".join(missing) + "."
            )
        if not note.risk_level:
            raise RiskNotRecorded()
        note.signed_at = now
        note.signed_by = actor
        note.status = (
            NoteStatus.AWAITING_COSIGN
            if cosign_required_for(author=actor, client=note.client, on=now.date())
            else NoteStatus.SIGNED
        )
        note.digest_scheme = SIGNING_SCHEME
        note.content_sha256 = note_digest(note)
        note.updated_at = now
        note.full_clean()
        note.save()
        audit_record(actor=actor, action=AuditAction.SIGN, obj=note, at=now)
        return note


def _require_supervisor_of_author(
    actor: User, note: SessionNote, now: dt.datetime
) -> None:
    access.client_for_reading(actor, note.client_id, on=now.date())
    if not access.is_current_supervisor(
        actor,
        supervisee_id=note.author_id,
        clinic_id=note.client.clinic_id,
        on=now.date(),
    ):
        raise access.forbidden(actor, "session-note-cosign", note.pk)


def note_cosign(
    *, actor: User, note: SessionNote, password: str, now: dt.datetime
) -> SessionNote:
    with transaction.atomic():
        note = SessionNote.objects.select_for_update().get(pk=note.pk)
        _require_supervisor_of_author(actor, note, now)
        if note.status != NoteStatus.AWAITING_COSIGN:
            raise NoteRefused("This note is not awaiting co-signature.")
        _require_password(actor, password)
        note.cosigned_at = now
        note.cosigned_by = actor
        note.status = NoteStatus.COSIGNED
        note.updated_at = now
        note.save(update_fields=["cosigned_at", "cosigned_by", "status", "updated_at"])
        audit_record(actor=actor, action=AuditAction.SIGN, obj=note, at=now)
        return note


def note_return(
    *, actor: User, note: SessionNote, comment: str, now: dt.datetime
) -> NoteReturn:
    """Send a trainee's note back for revision: the signature is cleared (the
    only signature change the database allows) and the return is kept."""
    with transaction.atomic():
        note = SessionNote.objects.select_for_update().get(pk=note.pk)
        _require_supervisor_of_author(actor, note, now)
        if note.status != NoteStatus.AWAITING_COSIGN or note.cosigned_at is not None:
            raise NoteRefused("Only a note awaiting co-signature can be returned.")
        returned = NoteReturn(
            note=note, returned_by=actor, returned_at=now, comment=comment.strip()
        )
        returned.full_clean()
        returned.save()
        note.signed_at = None
        note.signed_by = None
        note.content_sha256 = ""
        note.digest_scheme = SIGNING_SCHEME
        note.status = NoteStatus.DRAFT
        note.updated_at = now
        note.save(
            update_fields=[
                "signed_at",
                "signed_by",
                "content_sha256",
                "digest_scheme",
                "status",
                "updated_at",
            ]
        )
        audit_record(actor=actor, action=AuditAction.CREATE, obj=returned, at=now)
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=note, at=now)
        return returned


# --- addenda ---------------------------------------------------------------


def can_add_addendum(*, actor: User, note: SessionNote) -> bool:
    return note.status in (NoteStatus.SIGNED, NoteStatus.COSIGNED) and actor.pk in (
        note.author_id,
        note.cosigned_by_id,
    )


def addendum_add(
    *, actor: User, note: SessionNote, text: str, password: str, now: dt.datetime
) -> Addendum:
    """A dated, signed correction or late entry under a signed note."""
    with transaction.atomic():
        note = SessionNote.objects.select_for_update().get(pk=note.pk)
        access.client_for_reading(actor, note.client_id, on=now.date())
        if actor.pk not in (note.author_id, note.cosigned_by_id):
            raise access.forbidden(actor, "addendum", note.pk)
        if note.status not in (NoteStatus.SIGNED, NoteStatus.COSIGNED):
            raise NoteRefused(
                "Addenda go under a signed note. Edit the draft instead."
                if not note.is_signed
                else "This note is awaiting co-signature: ask for it to be returned "
                "if it needs changes."
            )
        _require_password(actor, password)
        addendum = Addendum(
            note=note,
            author=actor,
            written_at=now,
            text=text.strip(),
            digest_scheme=SIGNING_SCHEME,
        )
        addendum.content_sha256 = addendum_digest(
            addendum, note_sha256=note.content_sha256
        )
        addendum.full_clean()
        addendum.save()
        audit_record(
            actor=actor,
            action=AuditAction.SIGN,
            obj=addendum,
            client_id=note.client_id,
            at=now,
        )
        return addendum


# --- process notes ---------------------------------------------------------


def process_note_create(
    *, actor: User, client: Client, text: str, now: dt.datetime
) -> ProcessNote:
    with transaction.atomic():
        client = access.client_for_writing(actor, client.pk, on=now.date())
        text = text.strip()
        note = ProcessNote(
            client=client,
            author=actor,
            written_at=now,
            updated_at=now,
            text=text,
            text_sha256=text_digest(text),
        )
        note.full_clean()
        note.save()
        audit_record(actor=actor, action=AuditAction.CREATE, obj=note, at=now)
        return note


def process_note_update(
    *, actor: User, note: ProcessNote, text: str, now: dt.datetime
) -> ProcessNote:
    with transaction.atomic():
        note = ProcessNote.objects.select_for_update().get(pk=note.pk)
        if note.author_id != actor.pk:
            raise access.not_found(actor, "process-note", note.pk)
        access.client_for_writing(actor, note.client_id, on=now.date())
        note.text = text.strip()
        note.text_sha256 = text_digest(note.text)
        note.updated_at = now
        note.full_clean()
        note.save()
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=note, at=now)
        return note


# --- reflections -----------------------------------------------------------


def reflection_create(
    *,
    actor: User,
    client: Client,
    text: str,
    bring_to_next_session: bool,
    now: dt.datetime,
) -> Reflection:
    with transaction.atomic():
        client = access.client_for_writing(actor, client.pk, on=now.date())
        reflection = Reflection(
            client=client,
            author=actor,
            written_at=now,
            text=text.strip(),
            bring_to_next_session=bring_to_next_session,
        )
        reflection.full_clean()
        reflection.save()
        audit_record(actor=actor, action=AuditAction.CREATE, obj=reflection, at=now)
        return reflection


def reflection_update(
    *,
    actor: User,
    reflection: Reflection,
    text: str,
    bring_to_next_session: bool,
    now: dt.datetime,
) -> Reflection:
    with transaction.atomic():
        reflection = Reflection.objects.select_for_update().get(pk=reflection.pk)
        access.client_for_writing(actor, reflection.client_id, on=now.date())
        if reflection.author_id != actor.pk:
            raise access.forbidden(actor, "reflection", reflection.pk)
        if reflection.brought_in_id is not None:
            raise ReflectionKept()
        reflection.text = text.strip()
        reflection.bring_to_next_session = bring_to_next_session
        reflection.full_clean()
        reflection.save()
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=reflection, at=now)
        return reflection


def reflections_mark_brought(*, note: SessionNote, ids: list[int]) -> int:
    """The agenda provider's write: only the note's own client's open items.
    The note's author ticked them, so the audit names the author."""
    reflections = list(
        Reflection.objects.select_for_update().filter(
            pk__in=ids,
            client_id=note.client_id,
            bring_to_next_session=True,
            brought_in__isnull=True,
        )
    )
    Reflection.objects.filter(pk__in=[r.pk for r in reflections]).update(
        brought_in=note
    )
    for reflection in reflections:
        audit_record(
            actor=note.author,
            action=AuditAction.UPDATE,
            obj=reflection,
            at=note.updated_at,
        )
    return len(reflections)
