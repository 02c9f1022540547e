"""The caseload overview: per therapist, counts over their clients.

A supervisor sees one row per *current* supervisee; a clinic admin sees one
row per therapist of the clinic.  Both are counts only (no client codes, no
clinical text, no flag evidence), so the admin may see them too, except for a
therapist with so few active clients that the counts would tell one client's
story (see :func:`clinic_overview`).

Flags are counted once they have reached the supervisor (the therapist
first, :func:`attachment.review.selectors.flags_reached`): a flag still with
the treating therapist is counted on their own caseload only.  The clinic
admin's overview counts the same reached flags, so that the admin's figure
for a therapist is never ahead of what that therapist's supervisor can read.

Each figure is one aggregate query grouped by therapist over the scoped
clients, so the page costs the same few queries whether the clinic has five
therapists or fifty.

Contacts are counted per calendar week in the clinic's time zone, and the
therapist's after-hours figure is the after-hours replies the
``therapist_overextension`` flag tests, both as :mod:`attachment.records.weeks`
defines them, so that a week here shows the numbers a flag's evidence and the
client's chart show for it.  The one difference is on purpose: the current
week is shown so far, while the scan reads only weeks that have ended.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Count, F, Model, Q, QuerySet

from attachment.models import (
    LIVE_FLAG_STATUSES,
    OPEN_RUPTURE_STATUSES,
    Contact,
    Direction,
    Flag,
    FlagTier,
    Rupture,
)
from attachment.records.weeks import LocalWeek, after_hours_reply, local_week_start
from attachment.review.selectors import flags_reached
from clinic import access
from clinic.administration.selectors import clinic_therapists
from clinic.models import Client, ClientStatus, Clinic, User
from notes.models import NoteStatus, SessionNote

WEEKS = 12
# Below this many active clients a therapist's figures are close to one
# client's clinical signal, so the clinic admin's overview withholds them.
FEWEST_CLIENTS_FOR_COUNTS = 5
RUPTURE_OLD_AFTER = dt.timedelta(days=21)
SPARK_BAR, SPARK_GAP, SPARK_HEIGHT = 8, 2, 28


@dataclass(frozen=True)
class SparkBar:
    x: int
    y: float
    height: float
    count: int
    weeks_ago: int


@dataclass
class TherapistOverview:
    therapist: User
    active_clients: int = 0
    red_flags: int = 0
    yellow_flags: int = 0
    old_ruptures: int = 0
    after_hours_replies: int = 0
    cosign_waiting: int = 0
    weekly_from_client: list[int] = field(default_factory=lambda: [0] * WEEKS)
    counts_withheld: bool = False

    def withhold_counts(self) -> None:
        """Drop the figures about clients' contacts, flags and ruptures, so
        that they never reach the page; the caseload size and the notes
        waiting for co-signature (the therapist's own work) stay."""
        self.counts_withheld = True
        self.red_flags = self.yellow_flags = self.old_ruptures = 0
        self.after_hours_replies = 0
        self.weekly_from_client = [0] * WEEKS

    @property
    def spark_width(self) -> int:
        return WEEKS * (SPARK_BAR + SPARK_GAP)

    @property
    def spark_height(self) -> int:
        return SPARK_HEIGHT

    @property
    def spark_bars(self) -> list[SparkBar]:
        """Oldest week first; scaled to the row's busiest week."""
        top = max(self.weekly_from_client) or 1
        bars = []
        for index, count in enumerate(self.weekly_from_client):
            height = max(1.0, round(SPARK_HEIGHT * count / top, 1)) if count else 0
            bars.append(
                SparkBar(
                    x=index * (SPARK_BAR + SPARK_GAP),
                    y=SPARK_HEIGHT - height,
                    height=height,
                    count=count,
                    weeks_ago=WEEKS - 1 - index,
                )
            )
        return bars

    @property
    def contacts_total(self) -> int:
        return sum(self.weekly_from_client)


def _count_by(rows: QuerySet[Model], key: str) -> dict[int, int]:
    return {row[key]: row["n"] for row in rows.values(key).annotate(n=Count("pk"))}


def _active_clients(scoped: QuerySet[Client]) -> dict[int, int]:
    return _count_by(scoped.filter(status=ClientStatus.ACTIVE), "therapist_id")


def _live_flags(
    scoped: QuerySet[Client], now: dt.datetime
) -> dict[tuple[int, str], int]:
    """Live, unarchived flags that have reached the supervisor at ``now``:
    a flag still with the therapist first is counted nowhere but theirs."""
    flags = Flag.objects.filter(
        client__in=scoped, status__in=LIVE_FLAG_STATUSES, archived_at__isnull=True
    )
    rows = (
        flags_reached(flags=flags, now=now)
        .values("client__therapist_id", "tier")
        .annotate(n=Count("pk"))
    )
    return {(row["client__therapist_id"], row["tier"]): row["n"] for row in rows}


def _old_ruptures(scoped: QuerySet[Client], now: dt.datetime) -> dict[int, int]:
    return _count_by(
        Rupture.objects.filter(
            client__in=scoped,
            status__in=OPEN_RUPTURE_STATUSES,
            noticed_at__lt=now - RUPTURE_OLD_AFTER,
        ),
        "client__therapist_id",
    )


def _weekly_contacts(
    scoped: QuerySet[Client], now: dt.datetime
) -> dict[tuple[int, int], tuple[int, int]]:
    """(therapist, weeks ago) → (client-initiated contacts, after-hours
    replies), per calendar week of each client's clinic; week 0 is the
    current one.  Grouped by the clinic's zone too, because a supervisor's
    supervisees may work in clinics in different zones."""
    rows = (
        Contact.objects.filter(
            client__in=scoped,
            # A margin for the zones; weeks outside the overview are dropped.
            occurred_at__gt=now - dt.timedelta(weeks=WEEKS, days=1),
            occurred_at__lte=now,
        )
        .values(
            "client__therapist_id",
            zone=F("client__clinic__timezone"),
            week=LocalWeek("occurred_at", "client__clinic__timezone"),
        )
        .annotate(
            from_client=Count("pk", filter=Q(direction=Direction.FROM_CLIENT)),
            late_replies=Count("pk", filter=after_hours_reply(as_of=now)),
        )
    )
    this_week: dict[str, dt.date] = {}
    counts: dict[tuple[int, int], tuple[int, int]] = {}
    for row in rows:
        zone = row["zone"]
        if zone not in this_week:
            this_week[zone] = local_week_start(now, zoneinfo.ZoneInfo(zone))
        ago = (this_week[zone] - row["week"]).days // 7
        key = (row["client__therapist_id"], ago)
        from_client, late = counts.get(key, (0, 0))
        counts[key] = (from_client + row["from_client"], late + row["late_replies"])
    return counts


def _cosign_waiting(scoped: QuerySet[Client]) -> dict[int, int]:
    return _count_by(
        SessionNote.objects.filter(
            client__in=scoped, status=NoteStatus.AWAITING_COSIGN
        ),
        "author_id",
    )


def _overview(
    *, therapists: list[User], clients: QuerySet[Client], now: dt.datetime
) -> list[TherapistOverview]:
    """The figures for ``therapists`` over ``clients`` (a scoped queryset,
    used as a subquery in each aggregate): six queries in all."""
    rows = {user.pk: TherapistOverview(therapist=user) for user in therapists}
    if not rows:
        return []
    scoped = clients.filter(therapist_id__in=list(rows))
    for therapist_id, n in _active_clients(scoped).items():
        rows[therapist_id].active_clients = n
    for (therapist_id, tier), n in _live_flags(scoped, now).items():
        if tier == FlagTier.RED:
            rows[therapist_id].red_flags = n
        else:
            rows[therapist_id].yellow_flags = n
    for therapist_id, n in _old_ruptures(scoped, now).items():
        rows[therapist_id].old_ruptures = n
    for (therapist_id, ago), (from_client, late) in _weekly_contacts(
        scoped, now
    ).items():
        if 0 <= ago < WEEKS:
            rows[therapist_id].weekly_from_client[WEEKS - 1 - ago] = from_client
            rows[therapist_id].after_hours_replies += late
    for therapist_id, n in _cosign_waiting(scoped).items():
        if therapist_id in rows:
            rows[therapist_id].cosign_waiting = n
    return list(rows.values())


def supervisee_overview(*, user: User, now: dt.datetime) -> list[TherapistOverview]:
    """One row per current supervisee of ``user``, over the clients the
    supervision link opens (the supervisee's clients in that clinic)."""
    today = now.date()
    supervisee_ids = access.current_supervisee_ids(user, on=today)
    therapists = list(User.objects.filter(pk__in=supervisee_ids).order_by("full_name"))
    return _overview(
        therapists=therapists,
        clients=access.readable_clients(user, on=today),
        now=now,
    )


def clinic_overview(*, clinic: Clinic, now: dt.datetime) -> list[TherapistOverview]:
    """One row per therapist of the clinic: counts for the clinic admin.

    The admin may read no clinical text, and with a caseload of one or two
    clients a week's contacts or a flag count is one client's story; so a
    therapist with fewer than :data:`FEWEST_CLIENTS_FOR_COUNTS` active clients
    shows none.  A supervisor's overview keeps them: a supervisor may read
    those clients."""
    rows = _overview(
        therapists=list(clinic_therapists(clinic=clinic)),
        clients=Client.objects.filter(clinic=clinic),
        now=now,
    )
    for row in rows:
        if row.active_clients < FEWEST_CLIENTS_FOR_COUNTS:
            row.withhold_counts()
    return rows
