"""Permission-matrix row of the client sequence card (see :mod:`tests.matrix`):
scoped like the client's own pages."""

from __future__ import annotations

from types import SimpleNamespace

from tests.matrix import CLINICAL_READ, Row


def _client(w: SimpleNamespace) -> list[int]:
    return [w.client.pk]


ROWS: list[Row] = [
    Row("attachment:client_sequence", _client, expected=CLINICAL_READ),
]
