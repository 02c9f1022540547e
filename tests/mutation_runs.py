"""What a forked mutant run needs to stand on its own (``make mutants``).

A test database per parallel run: mutmut forks one process per mutant and runs several at once.  Sharing one
test database would let one mutant's committed rows (the all-or-nothing tests
commit) reach another's assertions and pass a mutant as killed when nothing
killed it.  Each process therefore takes a numbered slot, held by an
exclusive file lock until it exits, and uses the test database of that slot;
with ``--reuse-db`` each slot's database is migrated once and then reused.

Locks of its own: tqdm guards its bars with a multiprocessing lock that forked
processes share.  A mutant run stopped at its time limit while holding it
would leave every later run that shows a bar (the contact import does, even
with the bar switched off) waiting forever, and time out as if killed.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from typing import IO

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
    settings.setdefault("TEST", {})["NAME"] = f"test_{base}_slot{slot()}"


def use_own_locks() -> None:
    """Give this process a tqdm lock no other process can hold."""
    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())
