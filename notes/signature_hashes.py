"""Canonical serialisation of what a signature covers, and its digest.

The digest is computed from the stored values, never from form input, so a
note read back from the database hashes to the same value as when it was
signed.  The serialisation is versioned: a future change of the canonical
form must keep version 1 computable for old signatures.

Every stored digest names its scheme (``digest_scheme`` on the row).  New
signatures are HMAC-SHA256 under ``settings.SIGNATURE_HMAC_KEY``, a key only
the environment holds, so whoever rewrites a signed note in the database
cannot compute a digest that matches.  Rows signed before that keep their
plain SHA-256 and keep verifying; they are not rewritten, and they prove the
text only against someone without write access to the database, as the note
page says of each.  The scheme is part of the locked signature
(notes/guards.py), and only the rows that the migration listed on a keyed
roll (``UnkeyedDigestRoll``) may be unkeyed: an owner who lifts the guards to
relabel a keyed row as unkeyed, and recomputes a plain SHA-256, fails the
check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from notes.models import Addendum, SessionNote

CANONICAL_VERSION = 1


class DigestScheme(models.TextChoices):
    SHA256 = "sha256", "SHA-256"
    HMAC_SHA256 = "hmac-sha256", "HMAC-SHA256"


#: The scheme of every new signature.
SIGNING_SCHEME = DigestScheme.HMAC_SHA256


def _instant(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _digest(payload: dict[str, Any], *, scheme: str) -> str:
    message = json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    if scheme == DigestScheme.HMAC_SHA256:
        key = settings.SIGNATURE_HMAC_KEY.encode("utf-8")
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    if scheme == DigestScheme.SHA256:
        return hashlib.sha256(message).hexdigest()
    raise ValueError(f"unknown digest scheme {scheme!r}")


def _matches(expected: str, stored: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), stored.encode("utf-8"))


def _note_payload(note: SessionNote) -> dict[str, Any]:
    """What the author signed: the session facts, the format's sections, and
    who signed when.  The row id is left out so that a note can be hashed
    before it is inserted (the demo seeder bulk-inserts signed notes)."""
    from notes.models import FORMAT_SECTIONS

    payload: dict[str, Any] = {
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
    # The risk section is signed with the rest; notes signed before it existed
    # have none, and their digests stay as they were computed.
    if note.risk_level:
        payload["risk"] = {"level": note.risk_level, "summary": note.risk_summary}
    return payload


def _addendum_payload(addendum: Addendum, *, note_sha256: str) -> dict[str, Any]:
    """An addendum's signature also covers the signed note it belongs to."""
    return {
        "v": CANONICAL_VERSION,
        "note": addendum.note_id,
        "note_sha256": note_sha256,
        "author": addendum.author_id,
        "written_at": _instant(addendum.written_at),
        "text": addendum.text,
    }


def note_digest(note: SessionNote) -> str:
    """The note's digest under the scheme it records (``digest_scheme``)."""
    return _digest(_note_payload(note), scheme=note.digest_scheme)


def addendum_digest(addendum: Addendum, *, note_sha256: str) -> str:
    """The addendum's digest under its own scheme, chained to the note's
    stored digest (whatever scheme that one is)."""
    return _digest(
        _addendum_payload(addendum, note_sha256=note_sha256),
        scheme=addendum.digest_scheme,
    )


def _scheme_allowed(
    kind: str, row: SessionNote | Addendum, unkeyed: Collection[int] | None
) -> bool:
    """A keyed scheme always; the unkeyed one only for a row on a roll
    (``unkeyed``: those ids, read from the rolls when not given)."""
    if row.digest_scheme == DigestScheme.HMAC_SHA256:
        return True
    if row.digest_scheme != DigestScheme.SHA256:
        return False
    return row.pk in (unkeyed_ids(kind) if unkeyed is None else unkeyed)


def note_digest_matches(
    note: SessionNote, *, unkeyed: Collection[int] | None = None
) -> bool:
    """Whether a signed note's stored digest is that of its stored content;
    an unknown scheme, or an unkeyed one on a row no roll lists, never
    matches.  Constant-time, as MACs are compared."""
    if not _scheme_allowed("note", note, unkeyed):
        return False
    return _matches(note_digest(note), note.content_sha256)


def addendum_digest_matches(
    addendum: Addendum, *, note_sha256: str, unkeyed: Collection[int] | None = None
) -> bool:
    if not _scheme_allowed("addendum", addendum, unkeyed):
        return False
    return _matches(
        addendum_digest(addendum, note_sha256=note_sha256), addendum.content_sha256
    )


# --- the rolls of unkeyed digests -------------------------------------------


def roll_mac(kind: str, ids: list[int]) -> str:
    message = json.dumps({"kind": kind, "ids": sorted(ids)}, separators=(",", ":"))
    key = settings.SIGNATURE_HMAC_KEY.encode("utf-8")
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def unkeyed_ids(kind: str) -> frozenset[int]:
    """Every id on a roll of ``kind`` whose mac holds (one query)."""
    from notes.models import UnkeyedDigestRoll

    ids: set[int] = set()
    for roll in UnkeyedDigestRoll.objects.filter(kind=kind):
        if _matches(roll_mac(kind, list(roll.ids)), roll.mac):
            ids.update(roll.ids)
    return frozenset(ids)


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
