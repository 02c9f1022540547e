"""The database's own locks on signed notes, as plain SQL guards.

``NotesConfig.database_guards`` hands these to clinic/database_guards.py,
which installs them on every ``migrate``.  No session setting switches them
off: a signed note's content, its signature and a co-signature stay as they
were signed, a signed note stays, and addenda and returns are append-only.
"""

from __future__ import annotations

from clinic.database_guards import Guard, append_only
from notes.models import ALL_SECTIONS
from notes.signature_hashes import SIGNING_SCHEME

#: Columns that make up what was recorded; frozen once the note is signed.
CONTENT_COLUMNS: tuple[str, ...] = (
    "client_id",
    "author_id",
    "session_at",
    "duration_minutes",
    "modality",
    "attendance",
    "format",
    *ALL_SECTIONS,
    "risk_level",
    "risk_summary",
    "created_at",
)
SIGNATURE_COLUMNS: tuple[str, ...] = (
    "signed_at",
    "signed_by_id",
    "content_sha256",
    "digest_scheme",
)
COSIGNATURE_COLUMNS: tuple[str, ...] = ("cosigned_at", "cosigned_by_id")

# A return for revision clears the whole signature at once, only for a note
# that was never co-signed, and leaves the content alone (the content lock
# still applies to that UPDATE).  The draft it leaves names the scheme its
# next signature will use, as every draft does (notes.services.note_return).
_SIGNATURE_CLEARED = (
    "NEW.signed_at IS NULL AND NEW.signed_by_id IS NULL "
    f"AND NEW.content_sha256 = '' AND NEW.digest_scheme = '{SIGNING_SCHEME}' "
    "AND NEW.status = 'draft' AND OLD.cosigned_at IS NULL"
)


def _row(alias: str, columns: tuple[str, ...]) -> str:
    return "(" + ", ".join(f'{alias}."{column}"' for column in columns) + ")"


def _changed(columns: tuple[str, ...]) -> str:
    return f"{_row('OLD', columns)} IS DISTINCT FROM {_row('NEW', columns)}"


def signed_note_guards() -> list[Guard]:
    note = "notes_sessionnote"
    return [
        Guard(
            table=note,
            name="signed_content_locked",
            operations="UPDATE",
            condition=f"OLD.signed_at IS NOT NULL AND {_changed(CONTENT_COLUMNS)}",
            message="a signed note's content cannot change",
        ),
        Guard(
            table=note,
            name="signature_locked",
            operations="UPDATE",
            condition=(
                f"OLD.signed_at IS NOT NULL AND {_changed(SIGNATURE_COLUMNS)} "
                f"AND NOT ({_SIGNATURE_CLEARED})"
            ),
            message="a note's signature cannot change",
        ),
        Guard(
            table=note,
            name="cosignature_locked",
            operations="UPDATE",
            condition=(
                "(OLD.cosigned_at IS NOT NULL AND "
                f"({_changed(COSIGNATURE_COLUMNS)} "
                "OR OLD.status IS DISTINCT FROM NEW.status)) "
                "OR (OLD.status = 'signed' AND NEW.status <> 'signed') "
                "OR (NEW.status = 'cosigned' AND OLD.status <> 'cosigned' "
                "AND OLD.status <> 'awaiting_cosign')"
            ),
            message="a co-signature cannot change, and only a note awaiting one gets it",
        ),
        Guard(
            table=note,
            name="signed_undeletable",
            operations="DELETE",
            condition="OLD.signed_at IS NOT NULL",
            message="a signed note cannot be deleted",
        ),
        *append_only("notes_addendum", "addenda"),
        *append_only("notes_notereturn", "returns of notes"),
        *append_only("notes_unkeyeddigestroll", "rolls of unkeyed digests"),
    ]
