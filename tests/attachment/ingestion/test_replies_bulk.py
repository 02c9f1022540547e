"""The batch's reply linking (attachment.ingestion.replies_bulk) gives what
linking each arrived contact in time order gives (attachment.ingestion.replies):
two twin clients with the same history receive the same batch, one linked
set-wise, the other one contact at a time, and every answer time, derived
fact and link agrees."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from attachment.ingestion.replies import replies_link
from attachment.ingestion.replies_bulk import replies_link_batch
from attachment.models import Contact, Source
from attachment.records.imports import NewContact, contacts_bulk_create
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
CHANNELS = ("text", "email", "phone")


def _contacts(rng: random.Random, count: int, minutes: list[int]) -> list[dict]:
    rows = []
    for minute in sorted(rng.sample(minutes, count)):
        occurred = START + dt.timedelta(minutes=minute)
        direction = rng.choice(("from_client", "from_client", "from_therapist"))
        answered = direction == "from_client" and rng.random() < 0.25
        rows.append(
            {
                "occurred_at": occurred,
                "channel": rng.choice(CHANNELS),
                "direction": direction,
                "responded_at": occurred + dt.timedelta(minutes=30)
                if answered
                else None,
            }
        )
    return rows


def _write(client, rows, source) -> list[int]:
    contacts_bulk_create(
        clinic=client.clinic,
        contacts=[
            NewContact(
                client_id=client.pk, source=source, row_hash=f"{source}-{i}", **row
            )
            for i, row in enumerate(rows)
        ],
    )
    return list(
        Contact.objects.filter(client=client, source=source)
        .order_by("occurred_at", "pk")
        .values_list("pk", flat=True)
    )


def _state(client) -> list[tuple]:
    contacts = list(Contact.objects.filter(client=client).order_by("occurred_at", "pk"))
    index = {contact.pk: i for i, contact in enumerate(contacts)}
    return [
        (
            contact.occurred_at,
            contact.direction,
            contact.responded_at,
            contact.response_minutes,
            contact.responded_after_hours,
            index.get(contact.in_reply_to_id),
        )
        for contact in contacts
    ]


# A fine grid over two weeks, and a coarse one over three days on which the
# history and the batch often share a minute (a reply at the very minute of
# a contact, or of the previous reply: the rule's edges).
GRIDS = {
    "spread": list(range(0, 14 * 24 * 60, 7)),
    "ties": list(range(0, 3 * 24 * 60, 60)),
}


@pytest.mark.parametrize("grid", sorted(GRIDS))
@pytest.mark.parametrize("any_channel", [True, False])
@pytest.mark.parametrize("seed", range(8))
def test_the_batch_links_as_one_contact_at_a_time_would(
    clinic, therapist, policy, seed, any_channel, grid
):
    clinic.reply_counts_any_channel = any_channel
    clinic.save(update_fields=["reply_counts_any_channel"])
    rng = random.Random(seed)
    minutes = GRIDS[grid]
    history = _contacts(rng, 12, minutes)
    batch = _contacts(rng, 15, minutes)
    now = START + dt.timedelta(days=20)
    set_wise, one_by_one = (
        ClientFactory(clinic=clinic, therapist=therapist) for _ in range(2)
    )
    for twin in (set_wise, one_by_one):
        _write(twin, history, Source.MANUAL)
    new = _write(set_wise, batch, Source.INTEGRATION)
    replies_link_batch(clinic=clinic, new=list(Contact.objects.filter(pk__in=new)))
    for pk in _write(one_by_one, batch, Source.INTEGRATION):
        contact = Contact.objects.select_related("client__clinic").get(pk=pk)
        replies_link(contact, actor=None, now=now)
    assert _state(set_wise) == _state(one_by_one)
    assert any(row[2] is not None for row in _state(set_wise))
