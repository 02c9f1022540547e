"""Permission-matrix rows of the review pages (see :mod:`tests.matrix`).

The queue is for clinicians (therapists see their own clients' flags,
supervisors their current supervisees'); a flag is scoped like its client.
Steps are POST-only (the matrix derives their GET rows): the supervisor
reviews, the treating therapist may acknowledge and respond but not close
(403).  Empty posts of a form with a required field re-show the flag page
(200) and change nothing."""

from __future__ import annotations

from types import SimpleNamespace

from tests.attachment.factories import FlagFactory
from tests.matrix import CLINICAL_READ, CLINICIANS, OWN, SUPERVISOR, Row, expect


def build_records(world: SimpleNamespace) -> None:
    """The flag these rows review, on ``world.client``."""
    world.flag = FlagFactory(client=world.client)


def _flag(w: SimpleNamespace) -> list[int]:
    return [w.flag.pk]


# Scoped like the client: outsiders 404, the admin 403.
REVIEW_STEP = expect(CLINICAL_READ, **{OWN: 403, SUPERVISOR: 302})
BOTH_STEP = expect(CLINICAL_READ, **{OWN: 302, SUPERVISOR: 302})

ROWS: list[Row] = [
    Row("attachment:flag_queue", expected=CLINICIANS),
    Row("attachment:flag_detail", _flag, expected=CLINICAL_READ),
    Row("attachment:flag_acknowledge", _flag, method="POST", expected=BOTH_STEP),
    Row("attachment:flag_to_supervision", _flag, method="POST", expected=REVIEW_STEP),
    Row(
        "attachment:flag_close",
        _flag,
        method="POST",
        expected=expect(CLINICAL_READ, **{OWN: 403, SUPERVISOR: 200}),
    ),
    Row(
        "attachment:flag_close",
        _flag,
        method="POST",
        data={"outcome": "dismissed", "reason": "Agreed pattern; not a concern."},
        expected=REVIEW_STEP,
    ),
    Row(
        "attachment:flag_respond",
        _flag,
        method="POST",
        expected=expect(CLINICAL_READ, **{SUPERVISOR: 403}),
    ),
]
