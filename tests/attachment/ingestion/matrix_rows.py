"""Permission-matrix rows of the one-click purpose (see :mod:`tests.matrix`).

Only the treating therapist sets a purpose; the supervisor and the clinic
admin, who know the client, are refused (403), everyone else is told the
contact does not exist (404).  An empty POST sets nothing and sends the
therapist back to the client page (302).
"""

from __future__ import annotations

from types import SimpleNamespace

from tests.attachment.factories import ContactFactory
from tests.matrix import CLINICAL_WRITE, OWN, Row, expect


def build_records(world: SimpleNamespace) -> None:
    """An unclassified contact of ``world.client``."""
    world.unclassified = ContactFactory(client=world.client, purpose="")


def _contact(w: SimpleNamespace) -> list[int]:
    return [w.unclassified.pk]


ROWS = [
    Row(
        "attachment:contact_classify",
        _contact,
        method="POST",
        expected=expect(CLINICAL_WRITE, **{OWN: 302}),
    ),
]
