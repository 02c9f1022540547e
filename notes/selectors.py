"""Every read of the notes app, scoped through :mod:`clinic.access`.

Reads of a note's or a process note's content record an audit event here, so
that no view can show content without leaving a trace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import HttpRequest

from clinic import access
from clinic.audit import audit_record
from clinic.models import AuditAction, Client, User
from notes.agenda import AgendaItem, agenda_for
from notes.models import (
    RISK_ABOVE_LOW,
    Addendum,
    NoteFormat,
    NotePreference,
    NoteStatus,
    ProcessNote,
    Reflection,
    SessionNote,
)
from notes.signature_hashes import (
    DigestScheme,
    addendum_digest_matches,
    note_digest_matches,
    unkeyed_ids,
)


def default_format_of(*, user: User) -> str:
    preference = NotePreference.objects.filter(user=user).first()
    return preference.default_format if preference else NoteFormat.SOAP


# --- integrity ---------------------------------------------------------------


@dataclass(frozen=True)
class Integrity:
    """The outcome of re-hashing a signed note and its addenda on read.

    ``unkeyed_*`` name the digests signed before keyed signatures: they are
    still checked, but only prove the text against someone who cannot write
    to the database (notes/signature_hashes.py)."""

    note_ok: bool | None  # None: a draft has no signature to check
    bad_addendum_ids: frozenset[int]
    note_unkeyed: bool = False
    unkeyed_addendum_ids: frozenset[int] = frozenset()

    @property
    def ok(self) -> bool:
        return self.note_ok is not False and not self.bad_addendum_ids


def note_hash_matches(note: SessionNote) -> bool | None:
    if not note.is_signed:
        return None
    return note_digest_matches(note)


def note_integrity(note: SessionNote, addenda: list[Addendum]) -> Integrity:
    unkeyed = (
        unkeyed_ids("addendum")
        if any(addendum.digest_scheme == DigestScheme.SHA256 for addendum in addenda)
        else frozenset()
    )
    bad = frozenset(
        addendum.pk
        for addendum in addenda
        if not addendum_digest_matches(
            addendum, note_sha256=note.content_sha256, unkeyed=unkeyed
        )
    )
    return Integrity(
        note_ok=note_hash_matches(note),
        bad_addendum_ids=bad,
        note_unkeyed=note.is_signed and note.digest_scheme == DigestScheme.SHA256,
        unkeyed_addendum_ids=frozenset(
            addendum.pk
            for addendum in addenda
            if addendum.digest_scheme == DigestScheme.SHA256
        ),
    )


# --- session notes -----------------------------------------------------------


def _note_queryset() -> QuerySet[SessionNote]:
    return SessionNote.objects.select_related(
        "client__clinic", "client__therapist", "author", "signed_by", "cosigned_by"
    )


def note_for_reading(
    *,
    actor: User,
    note_id: int,
    now: dt.datetime,
    request: HttpRequest | None = None,
) -> SessionNote:
    """The note if ``actor`` may read its client (404 / 403 otherwise); the
    read is audited."""
    note = _note_queryset().filter(pk=note_id).first()
    if note is None:
        raise access.not_found(actor, "session-note", note_id)
    access.client_for_reading(actor, note.client_id, on=now.date())
    audit_record(
        actor=actor, action=AuditAction.READ, obj=note, at=now, request=request
    )
    return note


def note_for_editing(
    *,
    actor: User,
    note_id: int,
    now: dt.datetime,
    request: HttpRequest | None = None,
) -> SessionNote:
    """The note if ``actor`` wrote it and still writes for its client."""
    note = _note_queryset().filter(pk=note_id).first()
    if note is None:
        raise access.not_found(actor, "session-note", note_id)
    access.client_for_writing(actor, note.client_id, on=now.date())
    if note.author_id != actor.pk:
        raise access.forbidden(actor, "session-note", note_id)
    audit_record(
        actor=actor, action=AuditAction.READ, obj=note, at=now, request=request
    )
    return note


def addenda_of(*, note: SessionNote) -> list[Addendum]:
    return list(note.addenda.select_related("author").order_by("written_at", "pk"))


def notes_for_client(*, client: Client, limit: int | None = None) -> list[SessionNote]:
    """Metadata for a client's notes, newest first; the caller has already
    fetched ``client`` through :mod:`clinic.access`."""
    notes = (
        SessionNote.objects.filter(client=client)
        .select_related("author")
        .annotate(addendum_count=Count("addenda"))
        .order_by("-session_at", "-pk")
    )
    if limit is not None:
        notes = notes[:limit]
    return list(notes)


def last_session_at(*, client: Client) -> dt.datetime | None:
    return (
        SessionNote.objects.filter(client=client)
        .order_by("-session_at")
        .values_list("session_at", flat=True)
        .first()
    )


def agenda_of(*, client: Client) -> list[AgendaItem]:
    """Everything since the last session note that should come into the next."""
    return agenda_for(client=client, since=last_session_at(client=client))


def cosign_queue(*, actor: User, on: dt.date) -> QuerySet[SessionNote]:
    """Notes of ``actor``'s current supervisees that wait for co-signature,
    oldest first."""
    supervisee_ids = access.current_supervisee_ids(actor, on=on)
    return (
        SessionNote.objects.filter(
            status=NoteStatus.AWAITING_COSIGN,
            author_id__in=supervisee_ids,
            client__in=access.readable_clients(actor, on=on),
        )
        .select_related("client__clinic", "author")
        .order_by("signed_at", "pk")
    )


@dataclass(frozen=True)
class QueueEntry:
    note: SessionNote
    age_days: int


def _days_waiting(note: SessionNote, now: dt.datetime) -> int:
    """Whole days since the author signed, never negative.

    A note awaiting co-signature is signed: the
    ``session_note_signature_complete`` constraint guarantees ``signed_at``
    for every note past draft, which the field's type cannot say.
    """
    if note.signed_at is None:
        raise ValueError(f"Session note {note.pk} awaits co-signature unsigned.")
    return max((now - note.signed_at).days, 0)


def cosign_queue_entries(*, actor: User, now: dt.datetime) -> list[QueueEntry]:
    return [
        QueueEntry(note=note, age_days=_days_waiting(note, now))
        for note in cosign_queue(actor=actor, on=now.date())
    ]


# --- the risk section ----------------------------------------------------------


def _notes_with_risk() -> QuerySet[SessionNote]:
    """Notes that record a risk level, the most recent session first: the
    latest level is the one the therapist judged at the latest such session,
    whether or not its note is signed yet."""
    return SessionNote.objects.exclude(risk_level="").order_by("-session_at", "-pk")


@dataclass(frozen=True)
class LatestRisk:
    level: str
    session_at: dt.datetime
    note_id: int

    @property
    def above_low(self) -> bool:
        return self.level in RISK_ABOVE_LOW


def latest_risk_of(*, client: Client) -> LatestRisk | None:
    """The risk level of the client's most recent note that records one; the
    caller has already fetched ``client`` through :mod:`clinic.access`."""
    row = (
        _notes_with_risk()
        .filter(client=client)
        .values_list("risk_level", "session_at", "pk")
        .first()
    )
    if row is None:
        return None
    return LatestRisk(level=row[0], session_at=row[1], note_id=row[2])


def annotate_latest_risk(clients: QuerySet[Client]) -> QuerySet[Client]:
    """``latest_risk_level`` and ``latest_risk_at`` on each client (empty and
    ``None`` when no note records one), as subqueries of the same query, so
    that a caseload costs no query per client."""
    latest = _notes_with_risk().filter(client=OuterRef("pk"))
    return clients.annotate(
        latest_risk_level=Subquery(latest.values("risk_level")[:1]),
        latest_risk_at=Subquery(latest.values("session_at")[:1]),
    )


# --- process notes -----------------------------------------------------------


def _reads_trainee_process_notes(
    *, actor: User, author_id: int, client: Client, on: dt.date
) -> bool:
    """A trainee is a supervisee whose link asks for co-signature; the clinic
    decides whether that link opens the trainee's process notes."""
    if not client.clinic.supervisors_read_trainee_process_notes:
        return False
    return (
        access.supervision_links_in_force(on=on)
        .filter(
            supervisor=actor,
            supervisee_id=author_id,
            clinic_id=client.clinic_id,
            cosign_required=True,
        )
        .exists()
    )


def process_note_for_reading(
    *,
    actor: User,
    note_id: int,
    now: dt.datetime,
    request: HttpRequest | None = None,
) -> ProcessNote:
    """Only the author, or a trainee's supervisor where the clinic allows it.
    Everybody else gets 404, so that not even the note's existence leaks."""
    note = (
        ProcessNote.objects.select_related("client__clinic", "author")
        .filter(pk=note_id)
        .first()
    )
    if note is None or not _may_read_process_note(actor, note, now.date()):
        raise access.not_found(actor, "process-note", note_id)
    audit_record(
        actor=actor, action=AuditAction.READ, obj=note, at=now, request=request
    )
    return note


def _may_read_process_note(actor: User, note: ProcessNote, on: dt.date) -> bool:
    if not access.readable_clients(actor, on=on).filter(pk=note.client_id).exists():
        return False
    if note.author_id == actor.pk:
        return True
    return _reads_trainee_process_notes(
        actor=actor, author_id=note.author_id, client=note.client, on=on
    )


def process_note_for_editing(
    *,
    actor: User,
    note_id: int,
    now: dt.datetime,
    request: HttpRequest | None = None,
) -> ProcessNote:
    note = (
        ProcessNote.objects.select_related("client__clinic")
        .filter(pk=note_id, author=actor)
        .first()
    )
    if (
        note is None
        or not access.writable_clients(actor).filter(pk=note.client_id).exists()
    ):
        raise access.not_found(actor, "process-note", note_id)
    audit_record(
        actor=actor, action=AuditAction.READ, obj=note, at=now, request=request
    )
    return note


@dataclass(frozen=True)
class ProcessNoteShelf:
    """Whose process notes about a client ``actor`` may open, and whether
    ``actor`` may add their own."""

    client: Client
    author_ids: list[int]
    can_write: bool


def process_note_shelf(*, actor: User, client_id: int, on: dt.date) -> ProcessNoteShelf:
    client = (
        access.readable_clients(actor, on=on)
        .select_related("clinic", "therapist")
        .filter(pk=client_id)
        .first()
    )
    if client is None:
        raise access.not_found(actor, "process-notes", client_id)
    can_write = access.writable_clients(actor).filter(pk=client.pk).exists()
    author_ids = [actor.pk] if can_write else []
    if _reads_trainee_process_notes(
        actor=actor, author_id=client.therapist_id, client=client, on=on
    ):
        author_ids.append(client.therapist_id)
    if not author_ids:
        raise access.not_found(actor, "process-notes", client_id)
    return ProcessNoteShelf(client=client, author_ids=author_ids, can_write=can_write)


def process_notes_on_shelf(*, shelf: ProcessNoteShelf) -> QuerySet[ProcessNote]:
    """Dates and authors only: the list shows no text, each opening is a read."""
    return (
        ProcessNote.objects.filter(client=shelf.client, author_id__in=shelf.author_ids)
        .select_related("author")
        .only("pk", "written_at", "updated_at", "author__full_name", "client_id")
        .order_by("-written_at", "-pk")
    )


# --- reflections -------------------------------------------------------------


def reflections_for_client(*, client: Client, limit: int = 10) -> list[Reflection]:
    return list(
        Reflection.objects.filter(client=client)
        .select_related("author", "brought_in")
        .order_by("-written_at", "-pk")[:limit]
    )


def reflection_for_editing(
    *, actor: User, reflection_id: int, on: dt.date
) -> Reflection:
    reflection = (
        Reflection.objects.select_related("client").filter(pk=reflection_id).first()
    )
    if reflection is None:
        raise access.not_found(actor, "reflection", reflection_id)
    access.client_for_writing(actor, reflection.client_id, on=on)
    if reflection.author_id != actor.pk:
        raise access.forbidden(actor, "reflection", reflection_id)
    return reflection


def open_reflections(*, client: Client) -> QuerySet[Reflection]:
    """Reflections marked for the next session and not brought in yet.  They
    stay on the agenda until a note takes them, however old they are."""
    return Reflection.objects.filter(
        client=client, bring_to_next_session=True, brought_in__isnull=True
    ).order_by("written_at", "pk")
