"""The database's part in destruction (``AttachmentConfig.database_guards``
and ``database_erasures``, installed by clinic/database_guards.py).

* The tombstone (``ClientDestruction``) is insert-only, and only for an
  ended client without a legal hold in force.
* A legal hold is never deleted, and lifting it is its only change.
* A destroyed client's row stays as it was left: ended, without a name.
* Every guarded table whose rows belong to a client (signed notes, addenda,
  returns, and the history of the client's records) lets a row go once the
  client's tombstone exists.  A history row finds its client in its own
  ``client_id`` column, or through the history of the record it belongs to
  (a repair attempt through its rupture's history), so child tables come
  first in :func:`client_erasures`; notifications through the client's id in
  their link.
"""

from __future__ import annotations

import re

import pghistory.models
from django.apps import apps
from django.urls import reverse

from attachment.models import ClientDestruction, LegalHold
from clinic.database_guards import Erasure, Guard, append_only
from clinic.models import Client

TOMBSTONES = ClientDestruction._meta.db_table

#: The live tables with guards of their own, and their client (the function
#: deletes them before the history tables, whose rows their deletion adds).
_LIVE = (
    ("notes_addendum", "note_id", "notes_sessionnote"),
    ("notes_notereturn", "note_id", "notes_sessionnote"),
    ("notes_sessionnote", "", ""),
)
#: Tracked records that belong to a client through another record, as
#: (model label, foreign key, the parent's label); their history comes
#: before the parent's.
_CHILDREN = (
    ("notes.Addendum", "note", "notes.SessionNote"),
    ("notes.NoteReturn", "note", "notes.SessionNote"),
    ("attachment.FlagStatusChange", "flag", "attachment.Flag"),
    ("attachment.FlagResponse", "flag", "attachment.Flag"),
    ("attachment.DiscussedFlag", "flag", "attachment.Flag"),
    ("attachment.ContactDelivery", "contact", "attachment.Contact"),
    ("attachment.UnmatchedMessage", "contact", "attachment.Contact"),
    ("attachment.RepairAttempt", "rupture", "attachment.Rupture"),
)
#: Tracked records with a client of their own whose history is destroyed.
_OWN_CLIENT = (
    "notes.SessionNote",
    "notes.ProcessNote",
    "notes.Reflection",
    "attachment.SafetyAlert",
    "attachment.Contact",
    "attachment.Flag",
    "attachment.Rupture",
    "attachment.ContactAgreement",
    "attachment.DependencyObservation",
    "attachment.AttachmentMeasure",
    "attachment.CopingPlan",
    "attachment.SafetyPlan",
    "attachment.ImportedRecord",
    "attachment.ClientAddress",
    "attachment.RescanRequest",
)


def history_table(label: str) -> str:
    """The pghistory event table of the tracked model ``label``."""
    tracked = apps.get_model(label)
    for model in apps.get_models():
        if (
            issubclass(model, pghistory.models.Event)
            and not model._meta.proxy
            and model.pgh_tracked_model is tracked
        ):
            return model._meta.db_table
    raise LookupError(f"{label} has no history table")


def _column(label: str, field: str) -> str:
    column = apps.get_model(label)._meta.get_field(field).column
    assert isinstance(column, str)  # noqa: S101 (a concrete field's column)
    return column


def _erasure(table: str, client_of: str, rows_of: str) -> Erasure:
    return Erasure(
        table=table, tombstones=TOMBSTONES, client_of=client_of, rows_of=rows_of
    )


def _through(table: str, column: str, parent: str, parent_id: str) -> Erasure:
    """Rows of ``table`` whose client is that of their parent row in
    ``parent`` (found by its ``parent_id``).  Names come from model
    metadata, never from input."""
    return _erasure(
        table,
        f'(SELECT p.client_id FROM "{parent}" p '  # noqa: S608
        f'WHERE p."{parent_id}" = {{row}}."{column}" LIMIT 1)',
        f'{{row}}."{column}" IN (SELECT p."{parent_id}" FROM "{parent}" p '  # noqa: S608
        "WHERE p.client_id = {client})",
    )


def _own(table: str, column: str = "client_id") -> Erasure:
    return _erasure(table, f'{{row}}."{column}"', f'{{row}}."{column}" = {{client}}')


def _path_pattern(url_name: str) -> str:
    """A POSIX regular expression that captures the client id of a link to
    ``url_name`` (a page of one client, by id, with or without a query)."""
    sentinel = 987654321
    path = re.escape(reverse(url_name, args=[sentinel]))
    return "^" + path.replace(str(sentinel), "([0-9]+)") + r"(\?.*)?$"


def _notifications() -> Erasure:
    found = ", ".join(
        f"substring({{row}}.url from '{_path_pattern(name)}')"
        for name in ("clinic:client", "attachment:cover_page")
    )
    client_of = f"(COALESCE({found}))::bigint"
    return _erasure(
        history_table("attachment.Notification"),
        client_of,
        f"{client_of} = {{client}}",
    )


def client_erasures() -> list[Erasure]:
    """Every guarded table of a client's records, in the order the erase
    function deletes them."""
    erasures = [
        _through(table, column, parent, "id") if column else _own(table)
        for table, column, parent in _LIVE
    ]
    erasures += [
        _through(
            history_table(label),
            _column(label, field),
            history_table(parent),
            "pgh_obj_id",
        )
        for label, field, parent in _CHILDREN
    ]
    erasures.append(_notifications())
    erasures += [_own(history_table(label)) for label in _OWN_CLIENT]
    erasures.append(_own(history_table(Client._meta.label), "pgh_obj_id"))
    return erasures


def retention_guards() -> list[Guard]:
    hold = LegalHold._meta.db_table
    client = Client._meta.db_table
    return [
        *append_only(TOMBSTONES, "destruction records"),
        Guard(
            table=TOMBSTONES,
            name="ended_and_not_held",
            operations="INSERT",
            message="only an ended client without a legal hold can be destroyed",
            body=f"""
    IF EXISTS (SELECT 1 FROM "{hold}" h
               WHERE h.client_id = NEW.client_id AND h.lifted_at IS NULL)
        OR NOT EXISTS (SELECT 1 FROM "{client}" c
                       WHERE c.id = NEW.client_id AND c.status = 'ended') THEN
        RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;""",  # noqa: S608
        ),
        Guard(
            table=client,
            name="destroyed_stays_a_shell",
            operations="UPDATE",
            message="a destroyed client stays an ended shell without a name",
            body=f"""
    IF EXISTS (SELECT 1 FROM "{TOMBSTONES}" t WHERE t.client_id = OLD.id)
        AND (NEW.preferred_name <> ''
             OR (NEW.clinic_id, NEW.therapist_id, NEW.code, NEW.status,
                 NEW.started_on, NEW.ended_on, NEW.timezone)
                IS DISTINCT FROM
                (OLD.clinic_id, OLD.therapist_id, OLD.code, OLD.status,
                 OLD.started_on, OLD.ended_on, OLD.timezone)) THEN
        RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;""",  # noqa: S608
        ),
        Guard(
            table=hold,
            name="never_deleted",
            operations="DELETE",
            message="a legal hold is lifted, never deleted",
        ),
        Guard(
            table=hold,
            name="only_lifted",
            operations="UPDATE",
            condition=(
                "OLD.lifted_at IS NOT NULL OR "
                "(OLD.client_id, OLD.reason, OLD.placed_by_id, OLD.placed_at) "
                "IS DISTINCT FROM "
                "(NEW.client_id, NEW.reason, NEW.placed_by_id, NEW.placed_at)"
            ),
            message="a legal hold can only be lifted, once",
        ),
    ]
