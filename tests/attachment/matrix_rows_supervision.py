"""Permission-matrix rows of the supervision pages (see :mod:`tests.matrix`).

A session between the world's supervisor and the own therapist, with one
action item owned by the therapist.  The list and notification pages serve
every clinical user (each sees only their own); recording a session needs the
supervisor role; a session is seen by its supervisee and its current
supervisor only; only an item's owner marks it done.
"""

from __future__ import annotations

from types import SimpleNamespace

from tests.matrix import (
    ADMIN,
    ANON,
    ANY_SIGNED_IN,
    OTHER,
    OUTSIDER,
    OWN,
    SUPERVISOR,
    UNRELATED,
    Row,
    expect,
)

from .factories_supervision import ActionItemFactory, SupervisionSessionFactory


def build(world: SimpleNamespace) -> None:
    world.supervision_session = SupervisionSessionFactory(
        supervisor=world.people[SUPERVISOR],
        supervisee=world.people[OWN],
        clinic=world.client.clinic,
    )
    world.action_item = ActionItemFactory(
        session=world.supervision_session, client=world.client
    )


CLINICIANS = expect(ANY_SIGNED_IN, **{ADMIN: 403})
SUPERVISORS_ONLY = {
    OWN: 403,
    OTHER: 403,
    SUPERVISOR: 200,
    UNRELATED: 200,
    ADMIN: 403,
    OUTSIDER: 200,
    ANON: 302,
}
SESSION_READ = {
    OWN: 200,
    OTHER: 404,
    SUPERVISOR: 200,
    UNRELATED: 404,
    ADMIN: 403,
    OUTSIDER: 404,
    ANON: 302,
}
OWNER_ONLY = expect(SESSION_READ, **{OWN: 302, SUPERVISOR: 403})


def _session(w: SimpleNamespace) -> list[int]:
    return [w.supervision_session.pk]


def _item(w: SimpleNamespace) -> list[int]:
    return [w.action_item.pk]


ROWS: list[Row] = [
    Row("attachment:supervision_sessions", expected=CLINICIANS),
    Row("attachment:supervision_session_new", expected=SUPERVISORS_ONLY),
    Row(
        "attachment:supervision_session_new",
        method="POST",
        expected=SUPERVISORS_ONLY,
    ),
    Row("attachment:supervision_session", _session, expected=SESSION_READ),
    Row("attachment:action_item_done", _item, method="POST", expected=OWNER_ONLY),
    Row("attachment:notifications", expected=ANY_SIGNED_IN),
    Row(
        "attachment:notifications_read",
        method="POST",
        expected=expect(ANY_SIGNED_IN, **{role: 302 for role in ANY_SIGNED_IN}),
    ),
]
