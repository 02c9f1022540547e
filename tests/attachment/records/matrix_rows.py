"""Every between-session records URL × every role.  Supervisors read; only the
client's own therapist writes; posting an empty form re-shows it (200) to the
therapist and changes nothing."""

from __future__ import annotations

from types import SimpleNamespace

from tests.attachment.factories import ContactFactory, CopingPlanFactory, RuptureFactory
from tests.matrix import CLINICAL_READ, CLINICAL_WRITE, Row


def build_records(world: SimpleNamespace) -> None:
    """The records these rows read and write, on ``world.client``."""
    world.contact = ContactFactory(client=world.client)
    world.rupture = RuptureFactory(client=world.client)
    world.plan = CopingPlanFactory(client=world.client)


def _client(w: SimpleNamespace) -> list[int]:
    return [w.client.pk]


def _contact(w: SimpleNamespace) -> list[int]:
    return [w.client.pk, w.contact.pk]


def _rupture(w: SimpleNamespace) -> list[int]:
    return [w.client.pk, w.rupture.pk]


def _plan(w: SimpleNamespace) -> list[int]:
    return [w.client.pk, w.plan.version]


READS = [
    ("attachment:timeline", _client),
    ("attachment:contact_list", _client),
    ("attachment:rupture_list", _client),
    ("attachment:rupture_detail", _rupture),
    ("attachment:observation_list", _client),
    ("attachment:plan", _client),
    ("attachment:plan_version", _plan),
]
WRITES = [
    ("attachment:contact_new", _client),
    ("attachment:contact_edit", _contact),
    ("attachment:rupture_new", _client),
    ("attachment:rupture_edit", _rupture),
    ("attachment:repair_new", _rupture),
    ("attachment:observation_new", _client),
    ("attachment:measure_new", _client),
    ("attachment:plan_revise", _client),
]

ROWS = [Row(name, args, expected=CLINICAL_READ) for name, args in READS]
for name, args in WRITES:
    ROWS.append(Row(name, args, expected=CLINICAL_WRITE))
    ROWS.append(Row(name, args, method="POST", expected=CLINICAL_WRITE))
