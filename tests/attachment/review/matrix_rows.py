"""Permission-matrix rows of the review pages (see :mod:`tests.matrix`).

The queue is for clinicians (therapists see their own clients' flags,
supervisors their current supervisees'); a flag is scoped like its client.
Steps are POST-only (the matrix derives their GET rows): the supervisor
reviews; the treating therapist (licensed here: no co-signature) may
acknowledge, bring to supervision, close and respond.  Empty posts of a form
with a required field re-show the flag page (200) and change nothing.  A flag
detected just now is still with the therapist: it does not exist yet for the
supervisor (404)."""

from __future__ import annotations

from types import SimpleNamespace

from django.utils import timezone

from tests.attachment.factories import FlagFactory
from tests.matrix import CLINICAL_READ, CLINICIANS, OWN, SUPERVISOR, Row, expect


def build_records(world: SimpleNamespace) -> None:
    """The flags these rows review, on ``world.client``: one that has reached
    the supervisor, and one detected just now (the pages read the real clock)."""
    world.flag = FlagFactory(client=world.client)
    world.fresh_flag = FlagFactory(client=world.client, detected_at=timezone.now())


def _flag(w: SimpleNamespace) -> list[int]:
    return [w.flag.pk]


def _fresh_flag(w: SimpleNamespace) -> list[int]:
    return [w.fresh_flag.pk]


# Scoped like the client: outsiders 404, the admin 403.
BOTH_STEP = expect(CLINICAL_READ, **{OWN: 302, SUPERVISOR: 302})

ROWS: list[Row] = [
    Row("attachment:flag_queue", expected=CLINICIANS),
    Row("attachment:flag_detail", _flag, expected=CLINICAL_READ),
    Row("attachment:flag_acknowledge", _flag, method="POST", expected=BOTH_STEP),
    Row("attachment:flag_to_supervision", _flag, method="POST", expected=BOTH_STEP),
    Row(
        "attachment:flag_close",
        _flag,
        method="POST",
        expected=expect(CLINICAL_READ, **{OWN: 200, SUPERVISOR: 200}),
    ),
    Row(
        "attachment:flag_close",
        _flag,
        method="POST",
        data={
            "outcome": "dismissed",
            "reason": "Agreed pattern; not a concern.",
            "usefulness": "not_useful",
        },
        expected=BOTH_STEP,
    ),
    # The therapist first: the supervisor meets a fresh flag as not found.
    Row(
        "attachment:flag_detail",
        _fresh_flag,
        expected=expect(CLINICAL_READ, **{SUPERVISOR: 404}),
    ),
    Row(
        "attachment:flag_acknowledge",
        _fresh_flag,
        method="POST",
        expected=expect(CLINICAL_READ, **{OWN: 302, SUPERVISOR: 404}),
    ),
    Row(
        "attachment:flag_respond",
        _flag,
        method="POST",
        expected=expect(CLINICAL_READ, **{SUPERVISOR: 403}),
    ),
]
