"""Reads of the access report: one client's audit trail with the role of
each row, and the clinic admin's month of accesses.

Metadata only: who, when, which kind of record, from which address.  Nothing
here reads a record's text, and every read is a fixed number of queries
however long the trail is.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncDate

from clinic import access
from clinic.access_report.kinds import (
    BREAK_GLASS_GRANT,
    BREAK_GLASS_PAGE,
    COVER_PAGE,
    AccessRole,
    kind_label,
)
from clinic.audit import Verification, verification_last
from clinic.models import (
    Absence,
    AuditAction,
    AuditEvent,
    Client,
    Clinic,
    Membership,
    Role,
    Supervision,
    User,
)

NO_PERSON = "no person (an import or a command)"


def client_for_access_report(user: User, client_id: int) -> Client:
    """The client if ``user`` is its treating therapist or a clinic admin of
    its clinic; 404 for everyone else, the supervisor included: the report
    tells who looked, which is the therapist's and the clinic's to know."""
    client = (
        (access.writable_clients(user) | access.configurable_clients(user))
        .select_related("clinic", "therapist")
        .filter(pk=client_id)
        .first()
    )
    if client is None:
        raise access.not_found(user, "client", client_id)
    return client


def treating_ids(*, client: Client) -> set[int]:
    """The client's therapist and every earlier one its history records
    (pghistory's snapshots, ``client.events``: one query)."""
    history = client.events  # type: ignore[attr-defined]
    earlier = history.values_list("therapist_id", flat=True).distinct()
    return {client.therapist_id, *earlier}


def role_expression(*, client: Client, treating: set[int]) -> Case:
    """The one rule for a row's role, as SQL so that the report can filter
    and paginate by it.  The first that holds wins:

    * break-glass: a read of a break-glass cover page, or the grant made;
    * covering: a read of a cover page;
    * integration: no person;
    * treating: the client's therapist, now or before;
    * supervising: the supervisor of one of them on the row's day (in the
      clinic's time zone; accepted links only);
    * covering: the cover named on an absence of one of them that day (a
      contact logged from the cover page, say);
    * admin: a clinic admin of the clinic;
    * operator: a superuser without a membership of the clinic;
    * other: anyone else.
    """
    at = ExpressionWrapper(OuterRef("at"), output_field=DateTimeField())
    day = TruncDate(at, tzinfo=client.clinic.zone)
    supervised = Supervision.objects.filter(
        clinic_id=client.clinic_id,
        supervisor_id=OuterRef("actor_id"),
        supervisee_id__in=treating,
        accepted_at__isnull=False,
        started_on__lte=day,
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
    covered = Absence.objects.filter(
        clinic_id=client.clinic_id,
        covering_therapist_id=OuterRef("actor_id"),
        therapist_id__in=treating,
        starts_on__lte=day,
        ends_on__gte=day,
    )
    members = Membership.objects.filter(
        clinic_id=client.clinic_id, user_id=OuterRef("actor_id")
    )
    glass_broken = Q(object_type=BREAK_GLASS_PAGE) | Q(
        object_type=BREAK_GLASS_GRANT, action=AuditAction.CREATE
    )
    return Case(
        When(glass_broken, then=Value(AccessRole.BREAK_GLASS)),
        When(object_type=COVER_PAGE, then=Value(AccessRole.COVERING)),
        When(actor__isnull=True, then=Value(AccessRole.INTEGRATION)),
        When(actor_id__in=treating, then=Value(AccessRole.TREATING)),
        When(Exists(supervised), then=Value(AccessRole.SUPERVISING)),
        When(Exists(covered), then=Value(AccessRole.COVERING)),
        When(Exists(members.filter(role=Role.ADMIN)), then=Value(AccessRole.ADMIN)),
        When(
            Q(actor__is_superuser=True) & ~Exists(members),
            then=Value(AccessRole.OPERATOR),
        ),
        default=Value(AccessRole.OTHER),
        output_field=CharField(),
    )


def client_trail(*, client: Client) -> QuerySet[AuditEvent]:
    """Every audit row on the client's trail with its ``role``, newest first."""
    return (
        AuditEvent.objects.filter(client_id=client.pk)
        .select_related("actor")
        .only("at", "seq", "action", "object_type", "ip", "actor__full_name")
        .annotate(
            role=role_expression(client=client, treating=treating_ids(client=client))
        )
        .order_by("-at", "-seq")
    )


def day_start(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """The first moment of ``day`` in ``zone``; None past the calendar's ends."""
    try:
        return dt.datetime.combine(day, dt.time.min, tzinfo=zone).astimezone(dt.UTC)
    except OverflowError:
        return None


def trail_since(
    events: QuerySet[AuditEvent], *, day: dt.date, zone: zoneinfo.ZoneInfo
) -> QuerySet[AuditEvent]:
    """The rows from the start of ``day`` in the clinic's time zone."""
    start = day_start(day, zone)
    if start is None:
        return events if day.year == dt.MINYEAR else events.none()
    return events.filter(at__gte=start)


def trail_until(
    events: QuerySet[AuditEvent], *, day: dt.date, zone: zoneinfo.ZoneInfo
) -> QuerySet[AuditEvent]:
    """The rows up to the end of ``day`` in the clinic's time zone."""
    end = None if day == dt.date.max else day_start(day + dt.timedelta(days=1), zone)
    if end is None:
        return events if day.year == dt.MAXYEAR else events.none()
    return events.filter(at__lt=end)


def people_on_trail(*, client: Client) -> QuerySet[User]:
    """Everyone with a row on the client's trail, for the person filter."""
    return User.objects.filter(
        pk__in=AuditEvent.objects.filter(client_id=client.pk).values("actor_id")
    ).order_by("full_name", "pk")


@dataclass(frozen=True)
class AccessRow:
    """One row as the page and the CSV show it."""

    at: dt.datetime
    person: str
    role: str
    role_label: str
    action: str
    action_label: str
    kind: str
    address: str


def access_row(event: AuditEvent, *, zone: zoneinfo.ZoneInfo) -> AccessRow:
    """``event`` of :func:`client_trail` (which gives it its ``role``)."""
    role = AccessRole(event.role)  # type: ignore[attr-defined]
    actor = event.actor
    return AccessRow(
        at=event.at.astimezone(zone),
        person=(actor.full_name or f"person #{actor.pk}") if actor else NO_PERSON,
        role=role.value,
        role_label=str(role.label),
        action=event.action,
        action_label=str(AuditAction(event.action).label),
        kind=kind_label(event.object_type),
        address=event.ip or "",
    )


# --- the clinic admin's month ---------------------------------------------


@dataclass(frozen=True)
class Reach:
    """How many of the clinic's clients one person touched."""

    person: str
    clients: int


@dataclass(frozen=True)
class ClinicMonth:
    starts_on: dt.date
    most_clients: list[Reach]
    break_glass: int
    cover: int
    denied: int


MOST_CLIENTS_SHOWN = 10


def month_start(on: dt.date) -> dt.date:
    return on.replace(day=1)


def _next_month(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1)


def clinic_month(*, clinic: Clinic, now: dt.datetime) -> ClinicMonth:
    """This calendar month's accesses (in the clinic's time zone), in two
    queries: the people who touched the most distinct clients, and the
    counts of break-glass and cover page rows and of refusals."""
    first = month_start(now.astimezone(clinic.zone).date())
    start, end = (
        day_start(first, clinic.zone),
        day_start(_next_month(first), clinic.zone),
    )
    month = AuditEvent.objects.filter(at__gte=start, at__lt=end)
    clients = Client.objects.filter(clinic=clinic).values("pk")
    reach = (
        month.filter(client_id__in=clients, actor__isnull=False)
        .values("actor_id", "actor__full_name")
        .annotate(clients=Count("client_id", distinct=True))
        .order_by("-clients", "actor__full_name", "actor_id")[:MOST_CLIENTS_SHOWN]
    )
    counts = month.aggregate(
        break_glass=Count(
            "pk", filter=Q(object_type=BREAK_GLASS_PAGE, client_id__in=clients)
        ),
        cover=Count("pk", filter=Q(object_type=COVER_PAGE, client_id__in=clients)),
        # A refusal names the refused person's clinic, or the client asked for.
        denied=Count(
            "pk",
            filter=Q(action=AuditAction.DENIED)
            & (Q(clinic=clinic) | Q(object_type="client", object_id__in=clients)),
        ),
    )
    return ClinicMonth(
        starts_on=first,
        most_clients=[
            Reach(person=row["actor__full_name"], clients=row["clients"])
            for row in reach
        ],
        **counts,
    )


def chain_verification() -> Verification | None:
    """The last ``audit_verify`` run, None before the first."""
    return verification_last(directory=Path(settings.AUDIT_ANCHOR_DIR))
