"""CSV cells a spreadsheet program will not run as formulas.

A CSV written by Between is often opened in a spreadsheet program, which runs
a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula (and skips a
leading tab or carriage return to find one).  A formula in an export can send
the file's other cells to a web address or start a program on the reader's
computer.  Following OWASP's advice on CSV injection, such a cell is written
with a single quote in front, which the spreadsheet shows as text.

Every CSV the project writes for people to open goes through
:func:`csv_writer`, so no call site has to remember the rule.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Values the csv module writes as digits (and ``None`` as an empty cell):
# they cannot carry a formula, and a negative number stays a number.
_PLAIN = (int, float, Decimal)


class _Stream(Protocol):
    def write(self, text: str, /) -> Any: ...


def cell_neutralised(value: object) -> object:
    """``value`` as a spreadsheet will show it, never run it."""
    if value is None or isinstance(value, _PLAIN):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class SafeCsvWriter:
    """A ``csv.writer`` that neutralises every cell it writes."""

    def __init__(self, stream: _Stream, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([cell_neutralised(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: _Stream, **options: Any) -> SafeCsvWriter:
    """Like ``csv.writer(stream, **options)``, for a file people will open."""
    return SafeCsvWriter(stream, **options)
