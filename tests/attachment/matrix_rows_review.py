"""Permission-matrix rows of the review pages (see :mod:`tests.matrix`)."""

from __future__ import annotations

from types import SimpleNamespace

from tests.matrix import Row


def build(world: SimpleNamespace) -> None:
    """Add the objects these rows need to the shared world."""


ROWS: list[Row] = []
