"""Every notes URL × every role.  Process notes answer 404 to everyone but
their author, the clinic admin included, and to their author too once they
have left the clinic."""

from __future__ import annotations

from types import SimpleNamespace

from notes.models import NoteStatus
from notes.signature_hashes import note_digest
from tests.matrix import (
    ANON,
    CLINICAL_READ,
    CLINICAL_WRITE,
    CLINICIANS,
    OWN,
    ROLES,
    SUPERVISOR,
    SUPERVISORS,
    Row,
    expect,
)
from tests.notes.factories import (
    ProcessNoteFactory,
    ReflectionFactory,
    SessionNoteFactory,
)

AUTHOR_ONLY = {role: 404 for role in ROLES} | {OWN: 200, ANON: 302}
SUPERVISOR_ACTS = expect(CLINICAL_WRITE, **{OWN: 403, SUPERVISOR: 200})


def _signed(client, *, status: str):
    note = SessionNoteFactory(client=client)
    note.signed_at = note.session_at
    note.signed_by = note.author
    note.status = status
    note.content_sha256 = note_digest(note)
    note.save()
    return note


def build_records(world: SimpleNamespace) -> None:
    """The notes these rows read and write, on ``world.client``."""
    world.note = SessionNoteFactory(client=world.client)
    world.signed_note = _signed(world.client, status=NoteStatus.SIGNED)
    world.awaiting_note = _signed(world.client, status=NoteStatus.AWAITING_COSIGN)
    world.reflection = ReflectionFactory(client=world.client)
    world.process_note = ProcessNoteFactory(client=world.client)


def _client(w):
    return [w.client.pk]


def _note(w):
    return [w.note.pk]


def _signed_note(w):
    return [w.signed_note.pk]


def _awaiting(w):
    return [w.awaiting_note.pk]


def _both(url_name, args, expected, post_expected=None):
    return [
        Row(url_name, args, expected=expected),
        Row(url_name, args, method="POST", expected=post_expected or expected),
    ]


ROWS = [
    Row("notes:client_notes", _client, expected=CLINICAL_READ),
    *_both("notes:note_create", _client, CLINICAL_WRITE),
    Row("notes:note", _note, expected=CLINICAL_READ),
    Row("notes:note", _signed_note, expected=CLINICAL_READ),
    *_both("notes:note_edit", _note, CLINICAL_WRITE),
    Row("notes:note_edit", _signed_note, expected=expect(CLINICAL_WRITE, **{OWN: 302})),
    *_both("notes:note_sign", _note, CLINICAL_WRITE),
    Row("notes:note_sign", _signed_note, expected=expect(CLINICAL_WRITE, **{OWN: 302})),
    *_both("notes:note_cosign", _awaiting, SUPERVISOR_ACTS),
    *_both("notes:note_return", _awaiting, SUPERVISOR_ACTS),
    Row(
        "notes:note_cosign",
        _signed_note,
        expected=expect(SUPERVISOR_ACTS, **{SUPERVISOR: 302}),
    ),
    *_both("notes:addendum_create", _signed_note, CLINICAL_WRITE),
    Row(
        "notes:addendum_create",
        _note,
        expected=expect(CLINICAL_WRITE, **{OWN: 302}),
    ),
    Row("notes:cosign_queue", expected=SUPERVISORS),
    *_both("notes:preferences", lambda w: [], CLINICIANS),
    *_both("notes:reflection_create", _client, CLINICAL_WRITE),
    *_both("notes:reflection_edit", lambda w: [w.reflection.pk], CLINICAL_WRITE),
    Row("notes:process_notes", _client, expected=AUTHOR_ONLY),
    *_both("notes:process_note_create", _client, CLINICAL_WRITE),
    Row("notes:process_note", lambda w: [w.process_note.pk], expected=AUTHOR_ONLY),
    *_both("notes:process_note_edit", lambda w: [w.process_note.pk], AUTHOR_ONLY),
]
