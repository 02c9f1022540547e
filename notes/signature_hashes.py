"""Canonical serialisation and SHA-256 of what a signature covers.

The digest is computed from the stored values, never from form input, so a
note read back from the database hashes to the same value as when it was
signed.  The serialisation is versioned: a future change of the canonical
form must keep version 1 computable for old signatures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from notes.models import Addendum, SessionNote

CANONICAL_VERSION = 1


def _instant(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _sha256(payload: dict[str, Any]) -> str:
    text = json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def note_digest(note: SessionNote) -> str:
    """What the author signed: the session facts, the format's sections, and
    who signed when.  The row id is left out so that a note can be hashed
    before it is inserted (the demo seeder bulk-inserts signed notes)."""
    from notes.models import FORMAT_SECTIONS

    return _sha256(
        {
            "v": CANONICAL_VERSION,
            "client": note.client_id,
            "author": note.author_id,
            "session_at": _instant(note.session_at),
            "duration_minutes": note.duration_minutes,
            "modality": note.modality,
            "attendance": note.attendance,
            "format": note.format,
            "sections": {
                name: getattr(note, name) for name in FORMAT_SECTIONS[note.format]
            },
            "signed_by": note.signed_by_id,
            "signed_at": _instant(note.signed_at),
        }
    )


def addendum_digest(addendum: Addendum, *, note_sha256: str) -> str:
    """An addendum's signature also covers the signed note it belongs to."""
    return _sha256(
        {
            "v": CANONICAL_VERSION,
            "note": addendum.note_id,
            "note_sha256": note_sha256,
            "author": addendum.author_id,
            "written_at": _instant(addendum.written_at),
            "text": addendum.text,
        }
    )


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
