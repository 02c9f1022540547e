"""Every safety plan URL × every role (see :mod:`tests.matrix`).  Supervisors
read the plan, its versions and the client copy; only the client's own
therapist revises; an empty POST shows the form again (200) and writes
nothing."""

from __future__ import annotations

from types import SimpleNamespace

from tests.attachment.safety.factories import SafetyPlanFactory
from tests.matrix import CLINICAL_READ, CLINICAL_WRITE, Row


def build_records(world: SimpleNamespace) -> None:
    """The plan these rows read, on ``world.client``."""
    world.safety_plan = SafetyPlanFactory(client=world.client)


def _client(w: SimpleNamespace) -> list[int]:
    return [w.client.pk]


def _version(w: SimpleNamespace) -> list[int]:
    return [w.client.pk, w.safety_plan.version]


ROWS: list[Row] = [
    Row("attachment:safety_plan", _client, expected=CLINICAL_READ),
    Row("attachment:safety_plan_version", _version, expected=CLINICAL_READ),
    Row("attachment:safety_plan_client_copy", _version, expected=CLINICAL_READ),
    Row("attachment:safety_plan_revise", _client, expected=CLINICAL_WRITE),
    Row(
        "attachment:safety_plan_revise",
        _client,
        method="POST",
        expected=CLINICAL_WRITE,
    ),
]
