"""Plain SQL triggers that refuse what no database session may do.

A pgtrigger trigger can be switched off by any session that sets
``pgtrigger.ignore``; these guards cannot.  The only way past one is to be the
table's owner and ``ALTER TABLE … DISABLE TRIGGER``, which the application's
role (clinic/database_roles.py) is not, and which leaves the audit chain and
the signature MACs to notice what was done.

``migrate`` installs them (``post_migrate``), each time, on:

* the audit table and every history table (pghistory's event models): rows
  are appended, never updated or deleted, and an audit row only at the
  chain's head, at the database's time;
* what an app's config lists in ``database_guards()``: notes' signed-note
  locks, for one.

One way past them exists, for the destruction of a client's records after
retention (attachment/retention/): an app's config lists in
``database_erasures()`` the guarded tables whose rows belong to a client, and
how to find the client of a row.  A DELETE of such a row then passes every
guard of its table only while a tombstone row for that client exists (the
tombstone table is the app's, and itself insert-only).  The application's
role has no DELETE on append-only tables; it deletes those rows through
:data:`ERASE_FUNCTION`, owned by the owner, which deletes the rows of one
client and no others, so nothing goes without its tombstone saying so.

A migration that must rewrite a guarded table (a back-fill) runs as the owner
and disables the guard for its statements, in the open.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.backends.base.base import BaseDatabaseWrapper

#: One function behind every guard; the refusal's words come as an argument.
GUARD_FUNCTION = "between_guard_refuse"
#: Every guard's trigger name starts with this (names are unique per table),
#: so that tests can find them and stale ones are dropped.
GUARD_PREFIX = "between_guard_"

_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {GUARD_FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'insufficient_privilege';
END
$$
"""


@dataclass(frozen=True)
class Guard:
    """Refuse ``operations`` on each row of ``table`` (when ``condition``, SQL
    over ``OLD`` and ``NEW``, holds, if given)."""

    table: str
    name: str
    operations: str
    message: str
    condition: str = ""
    #: A PL/pgSQL body of its own, for a rule a WHEN clause cannot say (one
    #: that reads other rows); it raises to refuse and returns NEW to pass.
    body: str = ""

    @property
    def trigger(self) -> str:
        return f"{GUARD_PREFIX}{self.name}"

    @property
    def function(self) -> str:
        return (
            f"{GUARD_PREFIX}{self.table}_{self.name}" if self.body else GUARD_FUNCTION
        )

    def function_sql(self) -> str:
        """The guard's own function, if it has a body."""
        return (
            f"CREATE OR REPLACE FUNCTION {self.function}() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$\nBEGIN\n{self.body}\nEND\n$$"
        )

    def create_sql(self) -> str:
        when = f" WHEN ({self.condition})" if self.condition else ""
        message = self.message.replace("'", "''")
        return (
            f'CREATE TRIGGER {self.trigger} BEFORE {self.operations} ON "{self.table}" '
            f"FOR EACH ROW{when} "
            f"EXECUTE FUNCTION {self.function}('{message}')"
        )


@dataclass(frozen=True)
class Erasure:
    """Rows of ``table`` that may be deleted once their client's tombstone
    (a row of ``tombstones`` with that ``client_id``) exists.

    ``client_of`` is SQL giving a row's client id and ``rows_of`` SQL that
    holds for the rows of one client; ``{row}`` stands for the row (``OLD``
    in a guard) and ``{client}`` for the client's id."""

    table: str
    tombstones: str
    client_of: str
    rows_of: str

    def allowed(self) -> str:
        # Table and column names come from model metadata, never from input.
        client = self.client_of.format(row="OLD")
        found = f'SELECT 1 FROM "{self.tombstones}" WHERE client_id = ({client})'  # noqa: S608
        return f"EXISTS ({found})"


#: Deletes one destroyed client's rows of every erasable table, in the order
#: the apps list them (children before the rows their client is found by).
ERASE_FUNCTION = "between_erase_client_rows"


#: An audit row joins the chain at its head and at the database's time: the
#: next seq, and a time no older than the lock's wait allows.  So a row
#: cannot be slipped in between two others or back-dated, by any role.
AUDIT_NEXT_LINK = Guard(
    table="clinic_auditevent",
    name="next_link_only",
    operations="INSERT",
    message="an audit row joins the chain at its head, at the database's time",
    body="""
    IF NEW.seq IS DISTINCT FROM
            (SELECT COALESCE(max(seq), 0) + 1 FROM clinic_auditevent)
        OR NEW.at > clock_timestamp()
        OR NEW.at < clock_timestamp() - interval '5 minutes' THEN
        RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;""",
)


def append_only(table: str, what: str) -> list[Guard]:
    """Rows of ``table`` are added, never changed or removed.

    TRUNCATE is the table owner's alone: the application's role is never
    granted it (clinic/database_roles.py), so no guard stands in the way of
    the owner's ``flush`` in tests.
    """
    return [
        Guard(
            table=table,
            name="append_only",
            operations="UPDATE OR DELETE",
            message=f"{what} are append-only",
        )
    ]


def append_only_tables() -> list[str]:
    """The audit table and every history table."""
    import pghistory.models

    from clinic.models import AuditEvent

    tables = [AuditEvent._meta.db_table]
    tables += sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event)
        and not model._meta.proxy
        and model._meta.managed
    )
    return tables


def all_erasures() -> list[Erasure]:
    """What the apps' configs list in ``database_erasures()``, in order."""
    erasures: list[Erasure] = []
    for config in apps.get_app_configs():
        contribute = getattr(config, "database_erasures", None)
        if contribute is not None:
            erasures += contribute()
    return erasures


def _erasable(guard: Guard, erasure: Erasure | None) -> Guard:
    """``guard``, letting a DELETE of a destroyed client's row pass."""
    if erasure is None or "DELETE" not in guard.operations or guard.body:
        return guard
    return Guard(
        table=guard.table,
        name=guard.name,
        operations=guard.operations,
        message=guard.message,
        condition=guard.condition,
        body=f"""
    IF TG_OP = 'DELETE' AND {erasure.allowed()} THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'insufficient_privilege';""",
    )


def all_guards() -> list[Guard]:
    guards: list[Guard] = [AUDIT_NEXT_LINK]
    for table in append_only_tables():
        guards += append_only(table, "audit and history rows")
    for config in apps.get_app_configs():
        contribute = getattr(config, "database_guards", None)
        if contribute is not None:
            guards += contribute()
    erasures = {erasure.table: erasure for erasure in all_erasures()}
    return [_erasable(guard, erasures.get(guard.table)) for guard in guards]


def erase_function_sql(erasures: list[Erasure]) -> str:
    """:data:`ERASE_FUNCTION`: refuses a client without a tombstone, then
    deletes its rows table by table; returns how many rows went.

    SECURITY DEFINER, so that the application's role, which may not delete
    from append-only tables, can call it.  Any role may: without a
    tombstone it deletes nothing, and the guards still check each row."""
    # Table and column names come from model metadata, never from input.
    tombstones = sorted({erasure.tombstones for erasure in erasures})
    exists = " AND ".join(
        f'EXISTS (SELECT 1 FROM "{table}" WHERE client_id = p_client)'  # noqa: S608
        for table in tombstones
    )
    deletes = "\n".join(
        f'    DELETE FROM "{erasure.table}" AS r '  # noqa: S608
        f"WHERE {erasure.rows_of.format(row='r', client='p_client')};\n"
        "    GET DIAGNOSTICS n = ROW_COUNT;\n    total := total + n;"
        for erasure in erasures
    )
    return f"""
CREATE OR REPLACE FUNCTION {ERASE_FUNCTION}(p_client bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    total bigint := 0;
    n bigint;
BEGIN
    IF NOT ({exists or "false"}) THEN
        RAISE EXCEPTION 'no destruction is recorded for this client'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
{deletes}
    RETURN total;
END
$$"""


def _installed(cursor) -> set[tuple[str, str]]:
    """(table, trigger) of every guard in the database."""
    cursor.execute(
        "SELECT c.relname, t.tgname FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND t.tgname LIKE %s",
        [GUARD_PREFIX + "%"],
    )
    return set(cursor.fetchall())


def install_guards(connection: BaseDatabaseWrapper) -> int:
    """Create or re-create every guard; drop guards no longer declared.

    Idempotent, in one transaction; returns how many guards are in place.
    """
    from django.db import transaction

    guards = all_guards()
    wanted = {(guard.table, guard.trigger) for guard in guards}
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(_FUNCTION_SQL)
        for table, trigger in _installed(cursor) - wanted:
            cursor.execute(f'DROP TRIGGER {trigger} ON "{table}"')
        for guard in guards:
            if guard.body:
                cursor.execute(guard.function_sql())
            cursor.execute(f'DROP TRIGGER IF EXISTS {guard.trigger} ON "{guard.table}"')
            cursor.execute(guard.create_sql())
        cursor.execute(f"DROP FUNCTION IF EXISTS {ERASE_FUNCTION}(bigint)")
        if erasures := all_erasures():
            cursor.execute(erase_function_sql(erasures))
        installed = _installed(cursor)
    if missing := wanted - installed:
        raise RuntimeError(f"guards not installed: {sorted(missing)}")
    return len(installed)
