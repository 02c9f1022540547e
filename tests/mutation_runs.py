"""What a forked mutant run needs to stand on its own (``make mutants``).

A test database per parallel run: mutmut forks one process per mutant and runs several at once.  Sharing one
test database would let one mutant's committed rows (the all-or-nothing tests
commit) reach another's assertions and pass a mutant as killed when nothing
killed it.  Each process therefore takes a numbered slot, held by an
exclusive file lock until it exits, and uses the test database of that slot;
with ``--reuse-db`` each slot's database is migrated once and then reused.
mutmut's own runs (its stats pass, the clean run) hold slot 0 in the parent
process and migrate its database before any mutant runs; a mutant's process
that finds its slot's database missing creates it as a copy of slot 0's.
Migrating a new database from scratch inside a mutant's run would outlast the
mutant's time limit and count it as killed.  A copy needs slot 0's database
free of sessions, and ``--reuse-db`` leaves a run's connection open, so each
run closes its connections as it ends (:func:`close_connections`): the
parent then forks no open connection into the mutants' processes either.

Locks of its own: tqdm guards its bars with a multiprocessing lock that forked
processes share.  A mutant run stopped at its time limit while holding it
would leave every later run that shows a bar (the contact import does, even
with the bar switched off) waiting forever, and time out as if killed.

Plain test ids: mutmut runs pytest more than once in one process (its stats
pass, then the clean run), and pytest keeps the ids it escaped for a
``parametrize(..., ids=[...])`` on the mark, then escapes them again in the
next run.  An id such as ``"ø"`` is ``[\\xf8]`` in the first run and
``[\\\\xf8]`` in the second, so the test mutmut recorded is "not found" and
its clean run stops with a usage error.  :func:`ids_pytest_would_escape`
names such ids so that collection refuses them in every run.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

SLOTS = 16
_held: dict[int, tuple[int, IO[bytes]]] = {}


def under_mutation_testing() -> bool:
    return "MUTANT_UNDER_TEST" in os.environ


def slot() -> int:
    """This process's slot.  A forked child inherits its parent's table and
    its locks, so the table is keyed by process id and a child takes a slot of
    its own through a file description of its own."""
    pid = os.getpid()
    if pid in _held:
        return _held[pid][0]
    for number in range(SLOTS):
        handle = (Path.cwd() / f".test-db-slot-{number}.lock").open("wb")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        _held[pid] = (number, handle)
        return number
    raise RuntimeError(f"more than {SLOTS} mutant processes at once")


def use_slot_database(databases: dict) -> None:
    """Point the default database's test name at this process's slot."""
    settings = databases["default"]
    # Each pytest run in one process may leave the test name behind as the
    # database name; go back to the name the run was configured with.
    base = settings["NAME"].split("_slot")[0]
    while base.startswith("test_"):
        base = base.removeprefix("test_")
    number = slot()
    test = settings.setdefault("TEST", {})
    test["NAME"] = f"test_{base}_slot{number}"
    if number:
        test["TEMPLATE"] = f"test_{base}_slot0"


def close_connections() -> None:
    """Close this process's database connections at the end of a run."""
    from django.db import connections

    connections.close_all()


def use_own_locks() -> None:
    """Give this process a tqdm lock no other process can hold."""
    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())


def ids_pytest_would_escape(items: Iterable[Any]) -> list[str]:
    """The explicit parametrize ids of ``items`` that pytest escapes (not
    printable ASCII, or holding a backslash), each once, with its test."""
    found: dict[str, None] = {}
    for item in items:
        for mark in item.iter_markers("parametrize"):
            ids = mark.kwargs.get("ids")
            if not isinstance(ids, list | tuple):
                continue
            for given in ids:
                if isinstance(given, str) and not _plain(given):
                    found[f"{item.nodeid.split('[')[0]}: {given!r}"] = None
    return list(found)


def _plain(text: str) -> bool:
    return text.isascii() and text.isprintable() and "\\" not in text
