"""Permission-matrix rows of the review pages (see :mod:`tests.matrix`).

The queue is for clinicians (therapists see their own clients' flags,
supervisors their current supervisees'); a flag is scoped like its client.
Steps are POST-only: the supervisor reviews, the treating therapist may
acknowledge and respond but not close (403).  Empty posts of a form with a
required field re-show the flag page (200) and change nothing."""

from __future__ import annotations

from types import SimpleNamespace

from tests.matrix import (
    ADMIN,
    ANON,
    CLINICAL_READ,
    OTHER,
    OUTSIDER,
    OWN,
    SUPERVISOR,
    UNRELATED,
    Row,
    expect,
)

from .factories_review import FlagFactory


def build(world: SimpleNamespace) -> None:
    """Add the objects these rows need to the shared world."""
    world.flag = FlagFactory(client=world.client)


def _flag(w: SimpleNamespace) -> list[int]:
    return [w.flag.pk]


QUEUE = {
    OWN: 200,
    OTHER: 200,
    SUPERVISOR: 200,
    UNRELATED: 200,
    ADMIN: 403,
    OUTSIDER: 200,
    ANON: 302,
}
# Scoped like the client: outsiders 404, the admin 403.
REVIEW_STEP = expect(CLINICAL_READ, **{OWN: 403, SUPERVISOR: 302})
BOTH_STEP = expect(CLINICAL_READ, **{OWN: 302, SUPERVISOR: 302})

# The steps are POST-only: a GET is refused before anything is looked up.
GET_REFUSED = {
    role: 405 for role in (OWN, OTHER, SUPERVISOR, UNRELATED, ADMIN, OUTSIDER)
}
GET_REFUSED[ANON] = 302

ROWS: list[Row] = [
    Row("attachment:flag_queue", expected=QUEUE),
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
    Row("attachment:flag_acknowledge", _flag, expected=GET_REFUSED),
]
