"""Reads of the client's copy: who may produce it, and what it holds.

The copy is the record as the client has a right to see it (45 CFR
164.524): signed session notes and their addenda, contacts, ruptures and
repairs, coping plans, measures, observations and flags.  Process notes,
reflections and supervision notes are never read here, and neither are
drafts or notes still waiting for co-signature: only their number is.

Every read is one query (two for a kind with children, prefetched), so a
copy costs the same number of queries whatever the size of the record.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from attachment.models import (
    AttachmentMeasure,
    Contact,
    CopingPlan,
    DependencyObservation,
    Flag,
    RepairAttempt,
    Rupture,
)
from clinic import access
from clinic.access_report.selectors import day_start
from clinic.models import Client, User
from notes.models import Addendum, NoteStatus, SessionNote

# A note is part of the copy once its signature is final: signed by its
# author, or co-signed.  A note awaiting co-signature may still be returned
# for revision (notes.services.note_return).
FINAL_NOTE_STATUSES = (NoteStatus.SIGNED, NoteStatus.COSIGNED)


def client_for_copy(user: User, client_id: int) -> Client:
    """The client if ``user`` is its treating therapist; 404 for everyone
    else (a supervisor and the clinic admin included): the copy is the
    treating therapist's to hand over."""
    client = (
        access.writable_clients(user)
        .select_related("clinic", "therapist")
        .filter(pk=client_id)
        .first()
    )
    if client is None:
        raise access.not_found(user, "client", client_id)
    return client


def client_today(client: Client, now: dt.datetime) -> dt.date:
    """The date at ``now`` where the client is (their zone, else the clinic's)."""
    return now.astimezone(client.zone).date()


@dataclass(frozen=True)
class Period:
    """Whole days from ``starts_on`` to ``ends_on`` where the client is.

    ``start`` and ``end`` are the first moment of the period and of the day
    after it; either is None when it falls past the calendar's ends, and that
    side is then left open."""

    starts_on: dt.date
    ends_on: dt.date
    zone: zoneinfo.ZoneInfo
    start: dt.datetime | None = field(init=False)
    end: dt.datetime | None = field(init=False)

    def __post_init__(self) -> None:
        after = (
            self.ends_on + dt.timedelta(days=1) if self.ends_on < dt.date.max else None
        )
        object.__setattr__(self, "start", day_start(self.starts_on, self.zone))
        object.__setattr__(
            self, "end", day_start(after, self.zone) if after is not None else None
        )

    def within(self, name: str) -> Q:
        """The datetime field ``name`` falls in the period."""
        condition = Q()
        if self.start is not None:
            condition &= Q(**{f"{name}__gte": self.start})
        if self.end is not None:
            condition &= Q(**{f"{name}__lt": self.end})
        return condition

    def until_end(self, name: str) -> Q:
        """The datetime field ``name`` falls before the period's end."""
        return Q(**{f"{name}__lt": self.end}) if self.end is not None else Q()


@dataclass(frozen=True)
class ClientCopy:
    """What one copy holds, oldest first in every part."""

    client: Client
    period: Period
    notes: list[SessionNote]
    contacts: list[Contact]
    ruptures: list[Rupture]
    coping_plans: list[CopingPlan]
    measures: list[AttachmentMeasure]
    observations: list[DependencyObservation]
    flags: list[Flag]
    drafts_left_out: int
    awaiting_cosignature: int
    shows_summaries: bool


def _notes(client: Client, period: Period) -> list[SessionNote]:
    addenda = Addendum.objects.select_related("author").order_by("written_at", "pk")
    return list(
        SessionNote.objects.filter(
            period.within("session_at"), client=client, status__in=FINAL_NOTE_STATUSES
        )
        .select_related("signed_by", "cosigned_by")
        .prefetch_related(Prefetch("addenda", queryset=addenda))
        .order_by("session_at", "pk")
    )


def _notes_left_out(client: Client, period: Period) -> dict[str, int]:
    return SessionNote.objects.filter(
        period.within("session_at"), client=client
    ).aggregate(
        drafts=Count("pk", filter=Q(status=NoteStatus.DRAFT)),
        awaiting=Count("pk", filter=Q(status=NoteStatus.AWAITING_COSIGN)),
    )


def _ruptures(client: Client, period: Period) -> list[Rupture]:
    attempts = RepairAttempt.objects.order_by("attempted_at", "pk")
    return list(
        Rupture.objects.filter(period.within("noticed_at"), client=client)
        .prefetch_related(Prefetch("attempts", queryset=attempts))
        .order_by("noticed_at", "pk")
    )


def _coping_plans(client: Client, period: Period) -> list[CopingPlan]:
    """The versions written in the period, and the one already in force when
    it began (if any), so that the copy shows the plan the client had."""
    versions = list(
        CopingPlan.objects.filter(period.until_end("written_at"), client=client)
        .select_related("author")
        .order_by("version")
    )
    start = period.start
    earlier = [v for v in versions if start is not None and v.written_at < start]
    return earlier[-1:] + [v for v in versions if v not in earlier]


def client_copy_of(
    *, client: Client, starts_on: dt.date, ends_on: dt.date
) -> ClientCopy:
    """The copy of ``client``'s record from ``starts_on`` to ``ends_on``
    (whole days where the client is); the caller has fetched ``client``
    through :func:`client_for_copy`."""
    period = Period(starts_on=starts_on, ends_on=ends_on, zone=client.zone)
    left_out = _notes_left_out(client, period)
    return ClientCopy(
        client=client,
        period=period,
        notes=_notes(client, period),
        contacts=list(
            Contact.objects.filter(
                period.within("occurred_at"), client=client
            ).order_by("occurred_at", "pk")
        ),
        ruptures=_ruptures(client, period),
        coping_plans=_coping_plans(client, period),
        measures=list(
            AttachmentMeasure.objects.filter(
                client=client, measured_on__range=(starts_on, ends_on)
            ).order_by("measured_on", "pk")
        ),
        observations=list(
            DependencyObservation.objects.filter(
                period.within("observed_at"), client=client
            ).order_by("observed_at", "pk")
        ),
        # A flag is about its window: in the copy when the two overlap.
        flags=list(
            Flag.objects.filter(
                client=client,
                window_start__lte=ends_on,
                window_end__gte=starts_on,
            ).order_by("window_start", "detected_at", "pk")
        ),
        drafts_left_out=left_out["drafts"],
        awaiting_cosignature=left_out["awaiting"],
        shows_summaries=client.clinic.keep_message_preview,
    )
