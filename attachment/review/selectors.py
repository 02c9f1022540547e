"""Reads for the flag review pages: the queue, one flag with its history, the
records behind it, and the flag summaries on the client page and caseload.

Every read starts from :func:`clinic.access.readable_clients`, so a flag is
visible exactly where its client is: to the treating therapist and to the
current supervisor of that therapist.  A former supervisor (an ended link)
sees none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from attachment.models import (
    CLOSED_FLAG_STATUSES,
    LIVE_FLAG_STATUSES,
    AttachmentMeasure,
    Contact,
    DependencyObservation,
    Direction,
    Flag,
    FlagResponse,
    FlagStatusChange,
    FlagTier,
    Rupture,
)
from clinic import access
from clinic.models import Client, Role, User

# Records listed under a flag; the lists behind the links hold the rest.
RECORDS_SHOWN = 50
RECENTLY_CLOSED_SHOWN = 5


def flags_readable(*, user: User, on: dt.date) -> QuerySet[Flag]:
    """Flags on the clients ``user`` may read (own, and current supervisees')."""
    return Flag.objects.filter(client__in=access.readable_clients(user, on=on))


def queue_reviewers(*, user: User, on: dt.date) -> list[User]:
    """The therapists whose flags the queue can be narrowed to: the user's
    current supervisees, and the user when they treat clients themselves."""
    ids = set(access.current_supervisee_ids(user, on=on))
    if access.has_role(user, Role.THERAPIST):
        ids.add(user.pk)
    return list(User.objects.filter(pk__in=ids).order_by("full_name", "pk"))


def flag_queue(*, flags: QuerySet[Flag]) -> QuerySet[Flag]:
    """Red before yellow, then the longest-waiting first."""
    return (
        flags.select_related("client", "client__therapist")
        .annotate(
            tier_rank=Case(
                When(tier=FlagTier.RED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("tier_rank", "detected_at", "pk")
    )


def tier_counts(*, flags: QuerySet[Flag]) -> dict[str, int]:
    """How many of ``flags`` are red and yellow, in one aggregate query."""
    return flags.order_by().aggregate(
        red=Count("pk", filter=Q(tier=FlagTier.RED)),
        yellow=Count("pk", filter=Q(tier=FlagTier.YELLOW)),
    )


def flag_for_reading(*, user: User, flag_id: int, on: dt.date) -> Flag:
    """The flag if its client is readable; 404 out of scope, 403 for the
    clinic admin (who knows the client but never reads flags)."""
    client_id = (
        Flag.objects.filter(pk=flag_id).values_list("client_id", flat=True).first()
    )
    if client_id is None:
        raise access.not_found(user, "flag", flag_id)
    client = access.client_for_reading(user, client_id, on=on)
    flag = Flag.objects.get(pk=flag_id)
    flag.client = client
    return flag


def status_history(*, flag: Flag) -> list[FlagStatusChange]:
    return list(
        FlagStatusChange.objects.filter(flag=flag)
        .select_related("changed_by")
        .order_by("changed_at", "pk")
    )


def responses_to(*, flag: Flag) -> list[FlagResponse]:
    return list(
        FlagResponse.objects.filter(flag=flag)
        .select_related("author")
        .order_by("written_at", "pk")
    )


# The records behind a flag ------------------------------------------------


@dataclass(frozen=True)
class FlagRecords:
    """What the flag page lists under "the records behind it": dates, kinds
    and codes only, never a summary, description or note."""

    contacts: list[Contact]
    ruptures: list[Rupture]
    observations: list[DependencyObservation]
    measures: list[AttachmentMeasure]
    contacts_heading: str = ""


def _day_bounds(flag: Flag) -> tuple[dt.datetime, dt.datetime]:
    """The flag's window as aware moments in the clinic's time zone."""
    zone = flag.client.clinic.zone
    start = dt.datetime.combine(flag.window_start, dt.time(), zone)
    end = dt.datetime.combine(flag.window_end + dt.timedelta(days=1), dt.time(), zone)
    return start, end


def _client_contacts(flag: Flag, *conditions: Q) -> list[Contact]:
    start, end = _day_bounds(flag)
    return list(
        Contact.objects.filter(
            *conditions,
            client_id=flag.client_id,
            direction=Direction.FROM_CLIENT,
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .only(
            "pk",
            "client_id",
            "occurred_at",
            "channel",
            "direction",
            "after_hours",
            "outside_agreement",
            "over_weekly_limit",
            "during_absence",
            "after_ending",
        )
        .order_by("occurred_at", "pk")[:RECORDS_SHOWN]
    )


def _window_observations(flag: Flag) -> list[DependencyObservation]:
    start, end = _day_bounds(flag)
    return list(
        DependencyObservation.objects.filter(
            client_id=flag.client_id, observed_at__gte=start, observed_at__lt=end
        )
        .only("pk", "client_id", "observed_at", "intensity", "markers")
        .order_by("observed_at", "pk")[:RECORDS_SHOWN]
    )


def records_behind(*, flag: Flag) -> FlagRecords:
    """The contacts, ruptures, observations or measures the detector counted."""
    kind = flag.kind
    contacts: list[Contact] = []
    heading = ""
    ruptures: list[Rupture] = []
    observations: list[DependencyObservation] = []
    measures: list[AttachmentMeasure] = []
    if kind == "policy_pattern":
        heading = "Client contacts outside the agreed policy"
        contacts = _client_contacts(
            flag,
            Q(after_hours=True) | Q(outside_agreement=True) | Q(over_weekly_limit=True),
        )
    elif kind == "after_ending_contact":
        heading = "Client contacts after the ending date"
        contacts = _client_contacts(flag, Q(after_ending=True))
    elif kind == "absence_surge":
        heading = "Client contacts during the absence"
        contacts = _client_contacts(flag, Q(during_absence=True))
    elif kind in ("unrepaired_rupture", "repeated_ruptures"):
        ids = [int(pk) for pk in flag.evidence.get("rupture_ids", [])]
        ruptures = list(
            Rupture.objects.filter(client_id=flag.client_id, pk__in=ids)
            .only("pk", "client_id", "noticed_at", "kind", "severity", "status")
            .order_by("noticed_at", "pk")
        )
    elif kind in ("dependency_escalation", "absence_ahead"):
        observations = _window_observations(flag)
    elif kind == "dependency_measure_rise":
        measures = list(
            AttachmentMeasure.objects.filter(
                client_id=flag.client_id,
                measured_on__gte=flag.window_start,
                measured_on__lte=flag.window_end,
            ).order_by("measured_on", "pk")
        )
    return FlagRecords(
        contacts=contacts,
        ruptures=ruptures,
        observations=observations,
        measures=measures,
        contacts_heading=heading,
    )


# Client page and caseload ---------------------------------------------------


def live_flags_of(*, client: Client) -> list[Flag]:
    return list(
        Flag.objects.filter(client=client, status__in=LIVE_FLAG_STATUSES)
        .annotate(
            tier_rank=Case(
                When(tier=FlagTier.RED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("tier_rank", "detected_at", "pk")
    )


def recently_closed_flags_of(*, client: Client) -> list[Flag]:
    return list(
        Flag.objects.filter(client=client, status__in=CLOSED_FLAG_STATUSES).order_by(
            "-updated_at", "-pk"
        )[:RECENTLY_CLOSED_SHOWN]
    )


def _live_count(tier: str) -> Coalesce:
    counted = (
        Flag.objects.filter(
            client=OuterRef("pk"), status__in=LIVE_FLAG_STATUSES, tier=tier
        )
        .order_by()
        .values("client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def annotate_live_flag_counts(clients: QuerySet[Client]) -> QuerySet[Client]:
    """The caseload's ``live_red_flags`` and ``live_yellow_flags``: two
    correlated subqueries in the caseload's one query, none per client."""
    return clients.annotate(
        live_red_flags=_live_count(FlagTier.RED),
        live_yellow_flags=_live_count(FlagTier.YELLOW),
    )
