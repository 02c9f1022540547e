"""Permission-matrix rows of the supervision pages (see :mod:`tests.matrix`).

A session between the world's supervisor and the own therapist, with one
action item owned by the therapist, and an older session the former
supervisor led while their link was current.  The list and notification
pages serve every clinical user (each sees only their own); recording a
session needs the supervisor role; a session is seen by its supervisee and
by its supervisor while their link is current; only an item's owner marks it
done.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from tests.attachment.factories import (
    ActionItemFactory,
    SupervisionSessionFactory,
)
from tests.matrix import (
    ADMIN,
    ANON,
    ANY_SIGNED_IN,
    CLINICIANS,
    FORMER_STAFF,
    FORMER_SUPERVISOR,
    OPERATOR,
    OTHER,
    OUTSIDER,
    OWN,
    SUPERVISOR,
    SUPERVISORS,
    TRAINEE,
    UNRELATED,
    Row,
    expect,
)


def build(world: SimpleNamespace) -> None:
    clinic = world.client.clinic
    world.supervision_session = SupervisionSessionFactory(
        supervisor=world.people[SUPERVISOR], supervisee=world.people[OWN], clinic=clinic
    )
    world.action_item = ActionItemFactory(
        session=world.supervision_session, client=world.client
    )
    world.former_session = SupervisionSessionFactory(
        supervisor=world.people[FORMER_SUPERVISOR],
        supervisee=world.people[OWN],
        clinic=clinic,
        held_at=dt.datetime(2025, 6, 4, 14, 0, tzinfo=dt.UTC),
    )


# Asking for a session needs a clinical role first (403 without one).
SESSION_READ = {
    OWN: 200,
    OTHER: 404,
    SUPERVISOR: 200,
    UNRELATED: 404,
    ADMIN: 403,
    OUTSIDER: 404,
    ANON: 302,
    FORMER_STAFF: 403,
    TRAINEE: 404,
    FORMER_SUPERVISOR: 404,
    OPERATOR: 403,
}
# The link has ended: the supervisee keeps the session, its supervisor no
# longer sees it, and the current supervisor never led it.
FORMER_SESSION_READ = expect(SESSION_READ, **{SUPERVISOR: 404})
OWNER_ONLY = expect(SESSION_READ, **{OWN: 302, SUPERVISOR: 403})


def _session(w: SimpleNamespace) -> list[int]:
    return [w.supervision_session.pk]


def _former_session(w: SimpleNamespace) -> list[int]:
    return [w.former_session.pk]


def _item(w: SimpleNamespace) -> list[int]:
    return [w.action_item.pk]


ROWS: list[Row] = [
    Row("attachment:supervision_sessions", expected=CLINICIANS),
    Row("attachment:supervision_session_new", expected=SUPERVISORS),
    Row("attachment:supervision_session_new", method="POST", expected=SUPERVISORS),
    Row("attachment:supervision_session", _session, expected=SESSION_READ),
    Row(
        "attachment:supervision_session", _former_session, expected=FORMER_SESSION_READ
    ),
    Row("attachment:action_item_done", _item, method="POST", expected=OWNER_ONLY),
    Row("attachment:notifications", expected=ANY_SIGNED_IN),
    Row(
        "attachment:notifications_read",
        method="POST",
        expected=expect(ANY_SIGNED_IN, **{role: 302 for role in ANY_SIGNED_IN}),
    ),
]
