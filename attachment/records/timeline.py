"""The client timeline: every kind of record merged, newest first.

One ``UNION ALL`` of (kind, id, moment) rows is ordered and paginated in
PostgreSQL; then each kind present on the page is fetched in one query.  So a
page costs a count, the page of keys and at most one query per kind, however
long the client's history.  Sessions show their date, format and status only:
never note text, and never process notes.  Flags join the same way, and later sources
join through :func:`register_timeline_source`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import CharField, F, QuerySet, Value

from attachment.models import (
    Contact,
    CopingPlan,
    DependencyObservation,
    Flag,
    RepairAttempt,
    Rupture,
)
from clinic.models import Client
from notes.models import SessionNote

PER_PAGE = 25


@dataclass(frozen=True)
class TimelineSource:
    kind: str
    label: str
    order: int
    rows: Callable[[Client], QuerySet]  # the client's records of this kind
    moment: str  # the field that places a record on the timeline
    fetch: Callable[[list[int]], dict[int, Any]]  # pk -> object
    template: str
    # Narrows the rows to those the reader may see at ``now`` (flags reach a
    # supervisor only after the therapist-first delay); None: all of them.
    visible_to: Callable[[QuerySet, Any, dt.datetime], QuerySet] | None = None


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    at: dt.datetime
    obj: Any
    template: str


sources: dict[str, TimelineSource] = {}


def register_timeline_source(source: TimelineSource) -> None:
    sources[source.kind] = source


register_timeline_source(
    TimelineSource(
        kind="session",
        label="Sessions",
        order=10,
        rows=lambda client: SessionNote.objects.filter(client=client),
        moment="session_at",
        fetch=lambda ids: SessionNote.objects.only(
            "pk",
            "client_id",
            "session_at",
            "format",
            "status",
            "attendance",
            "modality",
        ).in_bulk(ids),
        template="attachment/records/timeline/_session.html",
    )
)
register_timeline_source(
    TimelineSource(
        kind="contact",
        label="Contacts",
        order=20,
        rows=lambda client: Contact.objects.filter(client=client),
        moment="occurred_at",
        fetch=lambda ids: Contact.objects.select_related("logged_by").in_bulk(ids),
        template="attachment/records/timeline/_contact.html",
    )
)
register_timeline_source(
    TimelineSource(
        kind="rupture",
        label="Ruptures",
        order=30,
        rows=lambda client: Rupture.objects.filter(client=client),
        moment="noticed_at",
        fetch=lambda ids: Rupture.objects.in_bulk(ids),
        template="attachment/records/timeline/_rupture.html",
    )
)
register_timeline_source(
    TimelineSource(
        kind="repair",
        label="Repairs",
        order=40,
        rows=lambda client: RepairAttempt.objects.filter(rupture__client=client),
        moment="attempted_at",
        fetch=lambda ids: RepairAttempt.objects.select_related("rupture").in_bulk(ids),
        template="attachment/records/timeline/_repair.html",
    )
)
register_timeline_source(
    TimelineSource(
        kind="observation",
        label="Observations",
        order=50,
        rows=lambda client: DependencyObservation.objects.filter(client=client),
        moment="observed_at",
        fetch=lambda ids: DependencyObservation.objects.in_bulk(ids),
        template="attachment/records/timeline/_observation.html",
    )
)
register_timeline_source(
    TimelineSource(
        kind="plan",
        label="Coping plan changes",
        order=60,
        rows=lambda client: CopingPlan.objects.filter(client=client),
        moment="written_at",
        fetch=lambda ids: CopingPlan.objects.select_related("author").in_bulk(ids),
        template="attachment/records/timeline/_plan.html",
    )
)


def _flags_reached(rows: QuerySet, viewer: Any, now: dt.datetime) -> QuerySet:
    """The flags that have reached ``viewer`` (the review area's one rule)."""
    from attachment.review.selectors import flags_readable

    return rows.filter(pk__in=flags_readable(user=viewer, now=now).values("pk"))


register_timeline_source(
    TimelineSource(
        kind="flag",
        label="Flags",
        order=70,
        rows=lambda client: Flag.objects.filter(client=client),
        moment="detected_at",
        fetch=lambda ids: Flag.objects.in_bulk(ids),
        template="attachment/records/timeline/_flag.html",
        visible_to=_flags_reached,
    )
)


def timeline_kinds() -> list[tuple[str, str]]:
    ordered = sorted(sources.values(), key=lambda source: source.order)
    return [(source.kind, source.label) for source in ordered]


def timeline_kinds_chosen(kinds: Iterable[str]) -> list[str]:
    """The known kinds among ``kinds``, each once, in the timeline's order.

    The filter comes from the query string, which may repeat a kind any
    number of times: each kind must cost one branch of the ``UNION ALL``,
    however often it is asked for."""
    asked = set(kinds)
    return [kind for kind, _ in timeline_kinds() if kind in asked]


def _rows(
    source: TimelineSource, client: Client, viewer: Any, now: dt.datetime | None
) -> QuerySet:
    rows = source.rows(client)
    if source.visible_to is not None and viewer is not None and now is not None:
        rows = source.visible_to(rows, viewer, now)
    return rows


def _merged_keys(
    client: Client, kinds: list[str], viewer: Any = None, now: dt.datetime | None = None
) -> QuerySet:
    parts = [
        _rows(sources[kind], client, viewer, now)
        .annotate(
            entry_kind=Value(kind, output_field=CharField()),
            entry_at=F(sources[kind].moment),
        )
        .values_list("entry_kind", "id", "entry_at")
        .order_by()
        for kind in kinds
    ]
    first, *rest = parts
    merged = first.union(*rest, all=True) if rest else first
    return merged.order_by("-entry_at", "-id")


def timeline_page(
    *,
    client: Client,
    kinds: list[str] | None,
    page_number: Any,
    viewer: Any = None,
    now: dt.datetime | None = None,
) -> tuple[Page, list[TimelineEntry]]:
    """One page of the client's timeline, restricted to the known ``kinds``
    if any is given, and to what ``viewer`` may see at ``now``."""
    chosen = timeline_kinds_chosen(kinds or []) or list(sources)
    page = Paginator(_merged_keys(client, chosen, viewer, now), PER_PAGE).get_page(
        page_number
    )
    wanted: dict[str, list[int]] = {}
    for kind, pk, _ in page.object_list:
        wanted.setdefault(kind, []).append(pk)
    fetched = {kind: sources[kind].fetch(ids) for kind, ids in wanted.items()}
    entries = [
        TimelineEntry(kind, at, fetched[kind][pk], sources[kind].template)
        for kind, pk, at in page.object_list
        if pk in fetched[kind]
    ]
    return page, entries
