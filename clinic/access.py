"""Who may see and change what: the one place that decides.

Every view fetches clients through these functions.  The rules:

* a therapist sees their own clients;
* a supervisor also sees, read-only, the clients of their *current* supervisees;
* a clinic admin configures clients (assignment, policies) but never reads
  clinical content;
* an absent therapist's cover, and a clinician who breaks glass, open a
  client's cover page only (see the section at the end);
* nobody sees anything of another clinic.

An object outside the user's scope answers 404 so that its existence does not
leak; an object the user knows about but may not use this way (an admin
opening a clinical page, a supervisor trying to write) answers 403.  Every
refusal is logged with ids only, and a refusal made while a request runs also
becomes a ``denied`` audit event: :func:`refusals_collected` keeps the
request's refusals, and ``clinic.middleware.RefusalAuditMiddleware`` writes
them after the view, outside the request's transaction, which the 404 or 403
rolls back.  A refusal outside a request (a task, a command) is only logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest

from clinic.extensions import writable_client_filters
from clinic.models import (
    Absence,
    BreakGlassGrant,
    Client,
    ClientStatus,
    Clinic,
    Membership,
    Role,
    Supervision,
    User,
)

logger = logging.getLogger("between.access")


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind ``login_required``: its user has signed in.

    A type for annotations only (Django builds plain ``HttpRequest`` objects),
    so that such a view hands ``request.user`` to these functions as a
    ``User`` rather than as a user who may be anonymous.
    """

    user: User


# What an audit row's object id (a bigint) can hold.
STORABLE_IDS = range(-(2**63), 2**63)


@dataclass(frozen=True)
class Refusal:
    """One refusal, ids only.  ``object_id`` is None when the id asked for is
    not one an audit row can hold (a value from a URL that is no id)."""

    actor_id: int | None
    object_type: str
    object_id: int | None
    status: int


_request_refusals: ContextVar[list[Refusal] | None] = ContextVar(
    "request_refusals", default=None
)


@contextmanager
def refusals_collected() -> Iterator[list[Refusal]]:
    """The refusals made while the block runs (one request's), in order."""
    refusals: list[Refusal] = []
    token = _request_refusals.set(refusals)
    try:
        yield refusals
    finally:
        _request_refusals.reset(token)


def _storable_id(object_id: object) -> int | None:
    if isinstance(object_id, bool) or not isinstance(object_id, int):
        return None
    return object_id if object_id in STORABLE_IDS else None


def _deny(user: User, what: str, object_id: object, *, status: int) -> None:
    actor_id = getattr(user, "pk", None)
    logger.warning(
        "access denied status=%s user=%s object=%s id=%s",
        status,
        actor_id,
        what,
        object_id,
    )
    refusals = _request_refusals.get()
    if refusals is not None:
        refusals.append(
            Refusal(
                actor_id=actor_id,
                object_type=what,
                object_id=_storable_id(object_id),
                status=status,
            )
        )


def not_found(user: User, what: str, object_id: object) -> Http404:
    _deny(user, what, object_id, status=404)
    return Http404("Not found")


def forbidden(user: User, what: str, object_id: object) -> PermissionDenied:
    _deny(user, what, object_id, status=403)
    return PermissionDenied("You may not do this.")


# A request asks who its user is many times (the navigation, the scope of
# every selector); within one request the answer is read once.  Outside a
# request (a task, a command, a test calling a selector) nothing is kept.
_MembershipRows = dict[int, list[tuple[int, str, str]]]
_request_memberships: ContextVar[_MembershipRows | None] = ContextVar(
    "request_memberships", default=None
)


@contextmanager
def memberships_remembered() -> Iterator[None]:
    """Read each user's memberships at most once while the block runs (one
    request); a membership saved or deleted meanwhile forgets them
    (:func:`memberships_forget`)."""
    token = _request_memberships.set({})
    try:
        yield
    finally:
        _request_memberships.reset(token)


def memberships_forget(**_: object) -> None:
    """Connected to Membership's post_save and post_delete."""
    memo = _request_memberships.get()
    if memo is not None:
        memo.clear()


def _memberships(user: User) -> list[tuple[int, str]]:
    """(clinic id, role) of each of ``user``'s memberships."""
    return [(clinic_id, role) for clinic_id, role, _locale in _membership_rows(user)]


def _membership_rows(user: User) -> list[tuple[int, str, str]]:
    """(clinic id, role, the clinic's date format) of each membership, first
    joined first."""
    memo = _request_memberships.get()
    if memo is not None and user.pk in memo:
        return memo[user.pk]
    found = list(
        Membership.objects.filter(user=user)
        .order_by("pk")
        .values_list("clinic_id", "role", "clinic__locale")
    )
    if memo is not None:
        memo[user.pk] = found
    return found


def date_locale_of(user: User) -> str | None:
    """The date format of the clinic ``user`` joined first (None without a
    membership), read with the memberships (:mod:`clinic.dates`)."""
    if not user.is_authenticated:
        return None
    rows = _membership_rows(user)
    return rows[0][2] if rows else None


def clinic_ids_with_role(user: User, *roles: str) -> list[int]:
    if not user.is_authenticated:
        return []
    return [clinic_id for clinic_id, role in _memberships(user) if role in roles]


def has_role(user: User, role: str, clinic: Clinic | None = None) -> bool:
    if not user.is_authenticated:
        return False
    return any(
        held == role and (clinic is None or clinic_id == clinic.pk)
        for clinic_id, held in _memberships(user)
    )


def roles_of(user: User) -> set[str]:
    if not user.is_authenticated:
        return set()
    return {role for _, role in _memberships(user)}


def primary_clinic(user: User) -> Clinic | None:
    membership = (
        Membership.objects.filter(user=user)
        .select_related("clinic")
        .order_by("pk")
        .first()
    )
    return membership.clinic if membership else None


def _agreed_links(on: dt.date) -> QuerySet[Supervision]:
    """Links current on ``on`` that their supervisee has accepted."""
    return Supervision.objects.current(on).filter(accepted_at__isnull=False)


def supervision_links_in_force(*, on: dt.date) -> QuerySet[Supervision]:
    """Who currently supervises whom, the one rule: a link counts in its own
    clinic only, once the supervisee has accepted it, from its first to its
    last day, and only while its supervisor holds the supervisor role there.  A former
    supervisor (link ended, or role taken away) therefore sees nothing.
    Every other question about supervision filters this queryset."""
    supervisor_role = Membership.objects.filter(
        user_id=OuterRef("supervisor_id"),
        clinic_id=OuterRef("clinic_id"),
        role=Role.SUPERVISOR,
    )
    return _agreed_links(on).filter(Exists(supervisor_role))


def is_current_supervisor(
    user: User, *, supervisee_id: int, clinic_id: int, on: dt.date
) -> bool:
    """``user`` supervises ``supervisee_id`` in ``clinic_id`` on ``on``."""
    if not user.is_authenticated:
        return False
    return (
        supervision_links_in_force(on=on)
        .filter(supervisor=user, supervisee_id=supervisee_id, clinic_id=clinic_id)
        .exists()
    )


def cosignature_required(author: User, *, clinic_id: int, on: dt.date) -> bool:
    """A trainee's notes wait for co-signature while a current link in the
    clinic asks for it.  Unlike the reading rights above, this holds even when
    the supervisor has lost the role: the obligation is the trainee's, and a
    note waits for the supervisor the clinic names next rather than becoming
    final unsupervised."""
    return (
        _agreed_links(on)
        .filter(supervisee=author, clinic_id=clinic_id, cosign_required=True)
        .exists()
    )


def current_supervisee_ids(user: User, *, on: dt.date) -> list[int]:
    """Supervisees of ``user`` on ``on``, in any clinic."""
    if not user.is_authenticated:
        return []
    return list(
        supervision_links_in_force(on=on)
        .filter(supervisor=user)
        .values_list("supervisee_id", flat=True)
    )


def readable_clients(user: User, *, on: dt.date) -> QuerySet[Client]:
    """Clients whose clinical records ``user`` may read: their own, and the
    clients their current supervisees treat in the link's clinic."""
    if not user.is_authenticated:
        return Client.objects.none()
    supervised = supervision_links_in_force(on=on).filter(
        supervisor=user,
        clinic_id=OuterRef("clinic_id"),
        supervisee_id=OuterRef("therapist_id"),
    )
    return Client.objects.filter(
        clinic_id__in=clinic_ids_with_role(user, Role.THERAPIST, Role.SUPERVISOR)
    ).filter(Q(therapist=user) | Exists(supervised))


def writable_clients(user: User) -> QuerySet[Client]:
    """Clients whose clinical records ``user`` may write: their own."""
    if not user.is_authenticated:
        return Client.objects.none()
    clients = Client.objects.filter(
        therapist=user, clinic_id__in=clinic_ids_with_role(user, Role.THERAPIST)
    )
    for narrow in writable_client_filters.values():
        clients = narrow(clients)
    return clients


def configurable_clients(user: User) -> QuerySet[Client]:
    """Clients whose assignment and policy a clinic admin may configure."""
    return Client.objects.filter(clinic_id__in=clinic_ids_with_role(user, Role.ADMIN))


def _known_but_refused(user: User, client_id: int) -> bool:
    """True when ``user`` legitimately knows the client exists (same clinic,
    admin or supervisor reading) so a refusal may say 403 rather than 404."""
    return configurable_clients(user).filter(pk=client_id).exists()


def client_for_reading(user: User, client_id: int, *, on: dt.date) -> Client:
    client = (
        readable_clients(user, on=on)
        .select_related("clinic", "therapist")
        .filter(pk=client_id)
        .first()
    )
    if client is not None:
        return client
    if _known_but_refused(user, client_id):
        raise forbidden(user, "client", client_id)
    raise not_found(user, "client", client_id)


def client_for_writing(user: User, client_id: int, *, on: dt.date) -> Client:
    client = (
        writable_clients(user)
        .select_related("clinic", "therapist")
        .filter(pk=client_id)
        .first()
    )
    if client is not None:
        return client
    if readable_clients(user, on=on).filter(
        pk=client_id
    ).exists() or _known_but_refused(user, client_id):
        raise forbidden(user, "client", client_id)
    raise not_found(user, "client", client_id)


def client_for_configuring(user: User, client_id: int) -> Client:
    client = (
        configurable_clients(user).select_related("clinic").filter(pk=client_id).first()
    )
    if client is not None:
        return client
    raise not_found(user, "client", client_id)


def admin_clinic(user: User) -> Clinic:
    """The clinic ``user`` administers, or 403."""
    clinic_ids = clinic_ids_with_role(user, Role.ADMIN)
    if not clinic_ids:
        raise forbidden(user, "clinic-admin", None)
    return Clinic.objects.get(pk=clinic_ids[0])


def clinical_lead_clinic(user: User) -> Clinic | None:
    """The clinic whose clinical lead ``user`` is (a flag on one supervisor's
    membership), or None."""
    return Clinic.objects.filter(
        memberships__user=user,
        memberships__role=Role.SUPERVISOR,
        memberships__is_clinical_lead=True,
    ).first()


def require_clinical_role(user: User) -> None:
    if not clinic_ids_with_role(user, Role.THERAPIST, Role.SUPERVISOR):
        raise forbidden(user, "clinical-area", None)


# --- cover during an absence, and break-glass ------------------------------
# Two ways into a client's *cover page* (what a colleague needs to act: never
# notes, process notes, reflections, observations or measures) for someone
# who does not treat or supervise the client: being the cover named on an
# absence of its therapist, on the absence's dates (inclusive, in the
# clinic's time zone); or a break-glass grant, opened by a clinician of the
# clinic who has no other way in and is no trainee.  Each read is an audit
# event of its own type, so that the trail says which way in was used.

COVER_PAGE = "cover_page"
BREAK_GLASS_PAGE = "break_glass_page"
CLINICAL_ROLES = (Role.THERAPIST, Role.SUPERVISOR)


def clinic_today(clinic: Clinic, now: dt.datetime) -> dt.date:
    """The date at ``now`` where the clinic is."""
    return now.astimezone(clinic.zone).date()


def absences_covered(user: User, *, now: dt.datetime) -> QuerySet[Absence]:
    """The absences ``user`` covers at ``now``: named as the cover, on the
    absence's dates in its clinic's time zone, in a clinic where they still
    hold a clinical role."""
    if not user.is_authenticated:
        return Absence.objects.none()
    clinics = Clinic.objects.filter(
        memberships__user=user, memberships__role__in=CLINICAL_ROLES
    ).distinct()
    on_their_day = Q(pk__in=[])
    for clinic in clinics:
        today = clinic_today(clinic, now)
        on_their_day |= Q(clinic=clinic, starts_on__lte=today, ends_on__gte=today)
    return Absence.objects.filter(covering_therapist=user).filter(on_their_day)


def covered_clients(user: User, *, now: dt.datetime) -> QuerySet[Client]:
    """The clients ``user`` covers at ``now``: those the absent therapist
    treats in the absence's clinic, unless their therapy has ended."""
    covering = absences_covered(user, now=now).filter(
        clinic_id=OuterRef("clinic_id"), therapist_id=OuterRef("therapist_id")
    )
    return Client.objects.exclude(status=ClientStatus.ENDED).filter(Exists(covering))


def break_glass_grants_in_force(
    user: User, *, now: dt.datetime
) -> QuerySet[BreakGlassGrant]:
    """``user``'s grants that have not expired, in clinics where they still
    hold a clinical role."""
    if not user.is_authenticated:
        return BreakGlassGrant.objects.none()
    return BreakGlassGrant.objects.filter(
        grantee=user,
        granted_at__lte=now,
        expires_at__gt=now,
        clinic_id__in=clinic_ids_with_role(user, *CLINICAL_ROLES),
    )


@dataclass(frozen=True)
class CoverAccess:
    """Why ``client``'s cover page opens: the ``absence`` its reader covers,
    or the reader's break-glass ``grant``."""

    client: Client
    absence: Absence | None = None
    grant: BreakGlassGrant | None = None

    @property
    def object_type(self) -> str:
        """The audit event type of a read under this access."""
        return COVER_PAGE if self.absence is not None else BREAK_GLASS_PAGE

    @property
    def basis(self) -> Absence | BreakGlassGrant:
        """The record that opens the page (the audit event's object)."""
        if self.absence is not None:
            return self.absence
        if self.grant is None:
            raise ValueError("a cover access has an absence or a grant")
        return self.grant


def client_for_cover(user: User, client_id: int, *, now: dt.datetime) -> CoverAccess:
    """The client's cover page for ``user`` at ``now``, and why it opens; the
    cover goes before a grant.  Anyone else gets 404, except whoever already
    knows the client (its therapist, a current supervisor, the clinic admin),
    who gets 403: their way in is the client's own page."""
    client = (
        covered_clients(user, now=now)
        .select_related("clinic", "therapist")
        .filter(pk=client_id)
        .first()
    )
    if client is not None:
        absence = (
            absences_covered(user, now=now)
            .filter(clinic_id=client.clinic_id, therapist_id=client.therapist_id)
            .order_by("starts_on", "pk")
            .first()
        )
        return CoverAccess(client=client, absence=absence)
    grant = (
        break_glass_grants_in_force(user, now=now)
        .select_related("client__clinic", "client__therapist")
        .filter(client_id=client_id)
        .order_by("-expires_at", "-pk")
        .first()
    )
    if grant is not None:
        return CoverAccess(client=grant.client, grant=grant)
    if readable_clients(user, on=now.date()).filter(
        pk=client_id
    ).exists() or _known_but_refused(user, client_id):
        raise forbidden(user, "client", client_id)
    raise not_found(user, "client", client_id)


def break_glass_clinic_ids(user: User, *, now: dt.datetime) -> list[int]:
    """Clinics where ``user`` may break glass: they hold a clinical role
    there and are no trainee there (their notes need no co-signature)."""
    return [
        clinic_id
        for clinic_id in sorted(set(clinic_ids_with_role(user, *CLINICAL_ROLES)))
        if not cosignature_required(user, clinic_id=clinic_id, on=now.date())
    ]


def require_break_glass_role(user: User, *, now: dt.datetime) -> list[int]:
    """The clinics where ``user`` may break glass, or 403 when there are none
    (an admin, a trainee, someone without a clinical role)."""
    clinic_ids = break_glass_clinic_ids(user, now=now)
    if not clinic_ids:
        raise forbidden(user, "break-glass", None)
    return clinic_ids


def client_for_break_glass(user: User, code: str, *, now: dt.datetime) -> Client:
    """The client of ``code`` in a clinic where ``user`` may break glass, or
    404 whether or not the code exists anywhere else.  The code is matched
    exactly: no search, so that nobody learns of clients they cannot open."""
    client = (
        Client.objects.select_related("clinic", "therapist")
        .filter(clinic_id__in=break_glass_clinic_ids(user, now=now), code=code)
        .order_by("clinic_id")
        .first()
    )
    if client is None:
        raise not_found(user, "client-code", None)
    return client


def break_glass_needless(user: User, client: Client, *, now: dt.datetime) -> str | None:
    """Why ``user`` has no need to break glass for ``client`` (they already
    have a way to its records), or None.  Only said to people who know the
    client anyway."""
    if client.therapist_id == user.pk:
        return "You are this client's therapist: open their page from your caseload."
    if covered_clients(user, now=now).filter(pk=client.pk).exists():
        return "You cover this client: open their cover page from your home page."
    if is_current_supervisor(
        user,
        supervisee_id=client.therapist_id,
        clinic_id=client.clinic_id,
        on=now.date(),
    ):
        return (
            "You supervise this client's therapist: open their page from your caseload."
        )
    return None


def break_glass_grants_reviewable(
    user: User, *, on: dt.date
) -> QuerySet[BreakGlassGrant]:
    """Grants ``user`` reviews: every grant of a clinic they administer, and
    those on the clients of their current supervisees (in the link's clinic)."""
    if not user.is_authenticated:
        return BreakGlassGrant.objects.none()
    supervising = supervision_links_in_force(on=on).filter(
        supervisor=user,
        clinic_id=OuterRef("clinic_id"),
        supervisee_id=OuterRef("client__therapist_id"),
    )
    return BreakGlassGrant.objects.filter(
        Q(clinic_id__in=clinic_ids_with_role(user, Role.ADMIN)) | Exists(supervising)
    )


def require_break_glass_reviewer(user: User) -> None:
    """Reviewing takes the clinic admin or the supervisor role (403 without)."""
    if not clinic_ids_with_role(user, Role.ADMIN, Role.SUPERVISOR):
        raise forbidden(user, "break-glass-review", None)
