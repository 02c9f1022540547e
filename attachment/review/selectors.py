"""Reads for the flag review pages: the queue, one flag with its history, the
records behind it, and the flag summaries on the client page and caseload.

Every read starts from :func:`clinic.access.readable_clients`, so a flag is
visible only where its client is: to the treating therapist and to the
current supervisor of that therapist.  A former supervisor (an ended link)
sees none.

The therapist first: the treating therapist sees a flag at once, the
supervisor only once it has *reached* them (:func:`flags_reached`), the
clinic's ``supervisor_delay_days`` after its detection or as soon as the
therapist brings it to supervision.  Until then the flag does not exist for
the supervisor (404 on its page, absent from lists and counts).  Archived
flags (``archived_at`` set by the scan) stay readable on their own page and
in the client's flag list, and leave the queue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least

from attachment.engine.patterns import DetectorThresholds
from attachment.ingestion.classify import unclassified_count
from attachment.models import (
    CLOSED_FLAG_STATUSES,
    LIVE_FLAG_STATUSES,
    AttachmentMeasure,
    Contact,
    DependencyObservation,
    DetectorSettings,
    Direction,
    Flag,
    FlagResponse,
    FlagStatus,
    FlagStatusChange,
    FlagTier,
    Rupture,
)
from attachment.review import steps
from attachment.review.sequences import SequenceCard, sequence_cards
from attachment.review.steps import Relation
from clinic import access
from clinic.models import Client, Role, User

# Records listed under a flag; the lists behind the links hold the rest.
RECORDS_SHOWN = 50
RECENTLY_CLOSED_SHOWN = 5

# A clinic without a settings row yet has the documented default.
DEFAULT_SUPERVISOR_DELAY_DAYS = DetectorThresholds().supervisor_delay_days


# The therapist first ---------------------------------------------------------


def with_supervisor_reached_at(flags: QuerySet[Flag]) -> QuerySet[Flag]:
    """Annotate ``supervisor_reached_at``: when each flag reaches the
    supervisor, the earlier of its detection plus the clinic's delay and the
    first time it was brought to supervision (LEAST ignores a missing one)."""
    delay_days = Coalesce(
        Subquery(
            DetectorSettings.objects.filter(clinic_id=OuterRef("client__clinic_id"))
            .order_by()
            .values("supervisor_delay_days")[:1],
            output_field=IntegerField(),
        ),
        Value(DEFAULT_SUPERVISOR_DELAY_DAYS),
    )
    brought_at = Subquery(
        FlagStatusChange.objects.filter(
            flag_id=OuterRef("pk"), to_status=FlagStatus.IN_SUPERVISION
        )
        .order_by()
        .values("flag_id")
        .annotate(first=Min("changed_at"))
        .values("first"),
        output_field=DateTimeField(),
    )
    after_delay = ExpressionWrapper(
        F("detected_at")
        + ExpressionWrapper(
            delay_days * Value(dt.timedelta(days=1)), output_field=DurationField()
        ),
        output_field=DateTimeField(),
    )
    return flags.annotate(supervisor_reached_at=Least(after_delay, brought_at))


def reached_supervisor(*, now: dt.datetime) -> Q:
    """The condition, on flags annotated by :func:`with_supervisor_reached_at`,
    that a flag has reached the supervisor at ``now``.  A flag in supervision
    has always reached them, however it got there."""
    return Q(supervisor_reached_at__lte=now) | Q(status=FlagStatus.IN_SUPERVISION)


def flags_reached(*, flags: QuerySet[Flag], now: dt.datetime) -> QuerySet[Flag]:
    """Those of ``flags`` that have reached the supervisor at ``now``."""
    return with_supervisor_reached_at(flags).filter(reached_supervisor(now=now))


def flags_reached_between(
    *, flags: QuerySet[Flag], after: dt.datetime, until: dt.datetime
) -> QuerySet[Flag]:
    """Those of ``flags`` that reached the supervisor in ``(after, until]``:
    what is new to them since ``after`` (the digest's count)."""
    return with_supervisor_reached_at(flags).filter(
        Q(supervisor_reached_at__gt=after) & Q(supervisor_reached_at__lte=until)
    )


def flags_readable(*, user: User, now: dt.datetime) -> QuerySet[Flag]:
    """Flags ``user`` may read at ``now``: all of their own clients', and
    their current supervisees' clients' once a flag has reached them."""
    flags = Flag.objects.filter(client__in=access.readable_clients(user, on=now.date()))
    return with_supervisor_reached_at(flags).filter(
        Q(client__therapist=user) | reached_supervisor(now=now)
    )


def flag_queue_readable(*, user: User, now: dt.datetime) -> QuerySet[Flag]:
    """The flags the queue starts from: readable, and not archived."""
    return flags_readable(user=user, now=now).filter(archived_at__isnull=True)


def queue_reviewers(*, user: User, on: dt.date) -> list[User]:
    """The therapists whose flags the queue can be narrowed to: the user's
    current supervisees, and the user when they treat clients themselves."""
    ids = set(access.current_supervisee_ids(user, on=on))
    if access.has_role(user, Role.THERAPIST):
        ids.add(user.pk)
    return list(User.objects.filter(pk__in=ids).order_by("full_name", "pk"))


def _tier_rank() -> Case:
    """0 for strong evidence, 1 for some: the sort key of "strongest first"."""
    return Case(
        When(tier=FlagTier.RED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


def flag_queue_clients(*, flags: QuerySet[Flag]) -> QuerySet[Flag, dict[str, Any]]:
    """One row (``client_id``) per client with any of ``flags``: the clients
    with strong evidence first, then the longest waiting, i.e. by the
    strongest flag of each, as :func:`attachment.review.sequences.sequence_cards`
    orders its cards.  Grouped in the database, so that a page of the queue
    is a slice of clients however many flags each has."""
    return (
        flags.order_by()
        .values("client_id")
        .annotate(
            rank=Min(_tier_rank()),
            waiting_since=Coalesce(
                Min("detected_at", filter=Q(tier=FlagTier.RED)), Min("detected_at")
            ),
        )
        .order_by("rank", "waiting_since", "client_id")
    )


def flag_queue_cards(
    *, flags: QuerySet[Flag], client_ids: Sequence[int]
) -> list[SequenceCard]:
    """The sequence cards of ``client_ids`` made of those of ``flags`` (the
    filtered queue's, so a card shows the flags that matched), in the order
    of ``client_ids``, in one query."""
    shown = flags.filter(client_id__in=client_ids).select_related(
        "client", "client__therapist"
    )
    cards = {card.client_id: card for card in sequence_cards(shown)}
    return [cards[client_id] for client_id in client_ids if client_id in cards]


def queue_client_counts(*, flags: QuerySet[Flag]) -> dict[str, int]:
    """How many clients ``flags`` make cards for: with strong evidence, and
    with some evidence only (the strongest of a client's flags decides), in
    one aggregate query."""
    counts = flags.order_by().aggregate(
        clients=Count("client_id", distinct=True),
        strong=Count("client_id", distinct=True, filter=Q(tier=FlagTier.RED)),
    )
    return {"strong": counts["strong"], "some": counts["clients"] - counts["strong"]}


def flag_for_reading(*, user: User, flag_id: int, now: dt.datetime) -> Flag:
    """The flag if its client is readable and it has reached ``user``; 404
    out of scope (and for a supervisor before the flag reaches them), 403 for
    the clinic admin (who knows the client but never reads flags).  Archived
    flags stay readable here."""
    client_id = (
        Flag.objects.filter(pk=flag_id).values_list("client_id", flat=True).first()
    )
    if client_id is None:
        raise access.not_found(user, "flag", flag_id)
    client = access.client_for_reading(user, client_id, on=now.date())
    flag = flags_readable(user=user, now=now).filter(pk=flag_id).first()
    if flag is None:
        raise access.not_found(user, "flag", flag_id)
    flag.client = client
    return flag


def flag_relation(*, actor: User, flag: Flag, on: dt.date) -> Relation:
    """How ``actor`` stands to ``flag`` on ``on``, for
    :mod:`attachment.review.steps`: treating (a trainee when their notes in
    the flag's clinic wait for co-signature, the clinic's one notion of a
    trainee; a therapist without a supervisor is never one), supervising, or
    neither."""
    treating = access.writable_clients(actor).filter(pk=flag.client_id).exists()
    clinic_id = flag.client.clinic_id
    return steps.relation_of(
        treating=treating,
        supervising=not treating
        and access.is_current_supervisor(
            actor,
            supervisee_id=flag.client.therapist_id,
            clinic_id=clinic_id,
            on=on,
        ),
        trainee=treating
        and access.cosignature_required(actor, clinic_id=clinic_id, on=on),
    )


def has_reached(*, user: User, flag: Flag, now: dt.datetime) -> bool:
    """``flag`` is one ``user`` may read at ``now`` (see :func:`flags_readable`)."""
    return flags_readable(user=user, now=now).filter(pk=flag.pk).exists()


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


def unclassified_in_window(*, flag: Flag) -> int:
    """How many of the client's contacts in the flag's window have no
    purpose yet: the flag page says that they count for frequency and
    replies but not for purpose-based findings."""
    start, end = _day_bounds(flag)
    return unclassified_count(client_id=flag.client_id, start=start, end=end)


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
        heading = "Client contacts outside the agreement"
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


def _seen_by(
    flags: QuerySet[Flag], client: Client, viewer: User | None, now: dt.datetime | None
) -> QuerySet[Flag]:
    """``flags`` of ``client`` as ``viewer`` sees them at ``now``: all for its
    therapist, the reached ones for anyone else (the client page is already
    scoped to its readers).  Without a viewer, every flag (the agenda, which
    only the treating therapist prepares)."""
    if viewer is None or viewer.pk == client.therapist_id:
        return flags
    if now is None:
        raise ValueError("a viewer other than the therapist needs now")
    return flags_reached(flags=flags, now=now)


def _tier_first(flags: QuerySet[Flag]) -> QuerySet[Flag]:
    return flags.annotate(tier_rank=_tier_rank()).order_by(
        "tier_rank", "detected_at", "pk"
    )


def live_flags_of(
    *, client: Client, viewer: User | None = None, now: dt.datetime | None = None
) -> list[Flag]:
    """The client's live flags that are not archived, strongest first."""
    flags = Flag.objects.filter(
        client=client, status__in=LIVE_FLAG_STATUSES, archived_at__isnull=True
    )
    return list(_tier_first(_seen_by(flags, client, viewer, now)))


def archived_flags_of(
    *, client: Client, viewer: User | None = None, now: dt.datetime | None = None
) -> list[Flag]:
    """The client's archived flags that are not closed: out of the queue,
    still listed on the client's page, marked archived."""
    flags = Flag.objects.filter(
        client=client, status__in=LIVE_FLAG_STATUSES, archived_at__isnull=False
    ).order_by("-archived_at", "-pk")
    return list(_seen_by(flags, client, viewer, now))


def recently_closed_flags_of(
    *, client: Client, viewer: User | None = None, now: dt.datetime | None = None
) -> list[Flag]:
    flags = Flag.objects.filter(client=client, status__in=CLOSED_FLAG_STATUSES)
    return list(
        _seen_by(flags, client, viewer, now).order_by("-updated_at", "-pk")[
            :RECENTLY_CLOSED_SHOWN
        ]
    )


def _live_count(tier: str, *, reached_at: dt.datetime | None = None) -> Coalesce:
    """The client's live, unarchived flags of ``tier``; with ``reached_at``,
    only those that have reached the supervisor then."""
    flags = Flag.objects.filter(
        client=OuterRef("pk"),
        status__in=LIVE_FLAG_STATUSES,
        archived_at__isnull=True,
        tier=tier,
    )
    if reached_at is not None:
        flags = flags_reached(flags=flags, now=reached_at)
    counted = flags.order_by().values("client").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def annotate_live_flag_counts(
    clients: QuerySet[Client], *, now: dt.datetime
) -> QuerySet[Client]:
    """The caseload's flag counts, as correlated subqueries in the caseload's
    one query (none per client): ``live_red_flags`` and ``live_yellow_flags``
    count every live flag, what the treating therapist reads;
    ``reached_red_flags`` and ``reached_yellow_flags`` only those that have
    reached the supervisor at ``now``, what the therapist's supervisor reads
    (the therapist first, :func:`flags_reached`).  The caseload column shows
    the reader's pair."""
    return clients.annotate(
        live_red_flags=_live_count(FlagTier.RED),
        live_yellow_flags=_live_count(FlagTier.YELLOW),
        reached_red_flags=_live_count(FlagTier.RED, reached_at=now),
        reached_yellow_flags=_live_count(FlagTier.YELLOW, reached_at=now),
    )
