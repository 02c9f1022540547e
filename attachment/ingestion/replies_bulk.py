"""Answer times for a whole batch of arrived contacts, set-wise.

The rule is :mod:`attachment.ingestion.replies`'s, applied as if
:func:`~attachment.ingestion.replies.replies_link` ran for each new contact
in time order, but in three queries for the batch instead of several per
contact: the therapist's last contact before the batch per client (and
channel), then the rows the rule can touch (the therapist's contacts from
the batch's start, the client's contacts still waiting), locked; the rule
runs in memory, and the changed rows are written with one ``UPDATE`` each
for answer times (with their derived facts) and reply links.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from django.db import connection

from attachment.agreements.terms import terms_timelines
from attachment.models import Contact, Direction
from attachment.records.contact_columns import contact_columns_update
from attachment.records.services import absence_periods, apply_facts
from clinic.models import Client, Clinic

FACT_COLUMNS = (
    "responded_at",
    "after_hours",
    "outside_agreement",
    "during_absence",
    "after_ending",
    "response_minutes",
    "responded_after_hours",
)

_PREVIOUS_SQL = """
    SELECT c.client_id, c.channel, max(c.occurred_at)
    FROM attachment_contact c
    JOIN unnest(%s::bigint[], %s::timestamptz[]) AS b(client_id, earliest)
        ON c.client_id = b.client_id
    WHERE c.direction = 'from_therapist' AND c.occurred_at < b.earliest
    GROUP BY c.client_id, c.channel
"""
_ROWS_SQL = """
    SELECT c.id, c.client_id, c.occurred_at, c.direction, c.channel,
           c.responded_at, c.in_reply_to_id
    FROM attachment_contact c
    JOIN unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[])
        AS b(client_id, earliest, lower_bound)
        ON c.client_id = b.client_id
    WHERE (c.direction = 'from_therapist' AND c.occurred_at >= b.earliest)
       OR (c.direction = 'from_client' AND c.responded_at IS NULL
           AND (b.lower_bound IS NULL OR c.occurred_at > b.lower_bound))
    ORDER BY c.client_id, c.occurred_at, c.id
    FOR UPDATE OF c
"""


@dataclass
class _Row:
    pk: int
    client_id: int
    occurred_at: dt.datetime
    direction: str
    channel: str
    responded_at: dt.datetime | None
    in_reply_to_id: int | None
    answered: bool = False
    linked: bool = False


@dataclass
class _Client:
    """One client's rows the rule can touch, in time order (as read), and
    its previous replies.  Each question of the rule looks up its time span
    by bisection instead of reading every row, so a batch with many contacts
    of one client (a back-fill) costs about n log n, not n²."""

    any_channel: bool
    previous: dict[str, dt.datetime]  # channel -> the last reply before the batch
    rows: list[_Row] = field(default_factory=list)
    times: list[dt.datetime] = field(default_factory=list)

    def indexed(self) -> None:
        """Called once the rows are read (ordered by time, then id)."""
        self.times = [row.occurred_at for row in self.rows]

    def _same(self, row: _Row, channel: str) -> bool:
        return self.any_channel or row.channel == channel

    def _previous_reply(self, reply: _Row) -> dt.datetime | None:
        before = [
            at
            for channel, at in self.previous.items()
            if self.any_channel or channel == reply.channel
        ]
        # The latest reply strictly earlier: the first match walking back.
        for i in range(bisect_left(self.times, reply.occurred_at) - 1, -1, -1):
            row = self.rows[i]
            if row.direction == Direction.FROM_THERAPIST and self._same(
                row, reply.channel
            ):
                before.append(row.occurred_at)
                break
        return max(before, default=None)

    def answer_by(self, reply: _Row) -> None:
        previous = self._previous_reply(reply)
        start = 0 if previous is None else bisect_right(self.times, previous)
        end = bisect_right(self.times, reply.occurred_at)
        waiting = [
            row
            for row in self.rows[start:end]
            if row.direction == Direction.FROM_CLIENT
            and row.responded_at is None
            and self._same(row, reply.channel)
        ]
        for row in waiting:
            row.responded_at, row.answered = reply.occurred_at, True
        if waiting and reply.in_reply_to_id is None:
            reply.in_reply_to_id, reply.linked = waiting[-1].pk, True

    def answer_late(self, contact: _Row) -> None:
        start = bisect_left(self.times, contact.occurred_at)
        reply = next(
            (
                row
                for row in self.rows[start:]
                if row.direction == Direction.FROM_THERAPIST
                and self._same(row, contact.channel)
            ),
            None,
        )
        if reply is None:
            return
        contact.responded_at, contact.answered = reply.occurred_at, True
        if reply.in_reply_to_id is None:
            reply.in_reply_to_id, reply.linked = contact.pk, True


def _clients(
    new: list[Contact], any_channel: bool
) -> tuple[dict[int, _Client], dict[int, _Row]]:
    earliest: dict[int, dt.datetime] = {}
    for contact in new:
        first = earliest.get(contact.client_id, contact.occurred_at)
        earliest[contact.client_id] = min(first, contact.occurred_at)
    ids = sorted(earliest)
    clients = {pk: _Client(any_channel=any_channel, previous={}) for pk in ids}
    with connection.cursor() as cursor:
        cursor.execute(_PREVIOUS_SQL, [ids, [earliest[pk] for pk in ids]])
        for client_id, channel, at in cursor.fetchall():
            clients[client_id].previous[channel] = at
        # Waiting contacts before the last reply cannot be answered now; on a
        # clinic that counts only same-channel replies, every channel has a
        # bound of its own, so none is used.
        lower = [
            max(clients[pk].previous.values(), default=None) if any_channel else None
            for pk in ids
        ]
        cursor.execute(_ROWS_SQL, [ids, [earliest[pk] for pk in ids], lower])
        rows = {record[0]: _Row(*record) for record in cursor.fetchall()}
    for row in rows.values():
        clients[row.client_id].rows.append(row)
    for client in clients.values():
        client.indexed()
    return clients, rows


def replies_link_batch(*, clinic: Clinic, new: list[Contact]) -> list[Contact]:
    """Link the batch's ``new`` contacts (saved, of ``clinic``) with the
    contacts they answer or that answer them; returns the changed contacts
    (id and client only), for the caller to audit."""
    if not new:
        return []
    clients, rows = _clients(new, clinic.reply_counts_any_channel)
    for contact in sorted(new, key=lambda c: (c.occurred_at, c.pk)):
        row = rows.get(contact.pk)
        if row is None:  # a client contact that came with its answer time
            continue
        if row.direction == Direction.FROM_THERAPIST:
            clients[row.client_id].answer_by(row)
        elif row.responded_at is None:
            clients[row.client_id].answer_late(row)
    answered = [row for row in rows.values() if row.answered]
    linked = [row for row in rows.values() if row.linked]
    _answers_write(answered)
    contact_columns_update(
        [(row.pk, row.in_reply_to_id) for row in linked], ("in_reply_to_id",)
    )
    changed = {row.pk: row for row in [*answered, *linked]}
    return [Contact(pk=row.pk, client_id=row.client_id) for row in changed.values()]


def _answers_write(answered: list[_Row]) -> None:
    """The answer times, with the facts derived from them again."""
    if not answered:
        return
    times = {row.pk: row.responded_at for row in answered}
    contacts = list(
        Contact.objects.filter(pk__in=list(times)).only(
            "client_id", "occurred_at", "channel", "direction", "purpose"
        )
    )
    clients = Client.objects.select_related("clinic").in_bulk(
        {contact.client_id for contact in contacts}
    )
    timelines = terms_timelines(clients=clients.values())
    absences = absence_periods(
        therapist_ids={client.therapist_id for client in clients.values()}
    )
    for contact in contacts:
        contact.responded_at = times[contact.pk]
        client = clients[contact.client_id]
        apply_facts(
            contact,
            client=client,
            timeline=timelines[client.pk],
            absences=absences.get(client.therapist_id, []),
        )
    contact_columns_update(
        [
            (contact.pk, *(getattr(contact, name) for name in FACT_COLUMNS))
            for contact in contacts
        ],
        FACT_COLUMNS,
    )
