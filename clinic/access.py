"""Who may see and change what: the one place that decides.

Every view fetches clients through these functions.  The rules:

* a therapist sees their own clients;
* a supervisor also sees, read-only, the clients of their *current* supervisees;
* a clinic admin configures clients (assignment, policies) but never reads
  clinical content;
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

from clinic.models import Client, Clinic, Membership, Role, Supervision, User

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


def clinic_ids_with_role(user: User, *roles: str) -> list[int]:
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user, role__in=roles).values_list(
            "clinic_id", flat=True
        )
    )


def has_role(user: User, role: str, clinic: Clinic | None = None) -> bool:
    if not user.is_authenticated:
        return False
    memberships = Membership.objects.filter(user=user, role=role)
    if clinic is not None:
        memberships = memberships.filter(clinic=clinic)
    return memberships.exists()


def roles_of(user: User) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user).values_list("role", flat=True))


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
    return Client.objects.filter(
        therapist=user, clinic_id__in=clinic_ids_with_role(user, Role.THERAPIST)
    )


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


def require_clinical_role(user: User) -> None:
    if not clinic_ids_with_role(user, Role.THERAPIST, Role.SUPERVISOR):
        raise forbidden(user, "clinical-area", None)
