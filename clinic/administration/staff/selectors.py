"""Reads of the staff page: people, their roles and account state, and the
changes awaiting a second clinic admin.  Never a secret: whether a person has
an authenticator is a yes or no."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Exists, OuterRef, Q, QuerySet

from clinic.administration.staff.enrolment import newest_link, token_digest
from clinic.models import (
    Clinic,
    EnrolmentLink,
    Membership,
    Role,
    StaffProposal,
    StaffProposalStatus,
    User,
)

# The order roles are shown in.
ROLE_ORDER = [role.value for role in Role]


def role_sorted(roles: list[str]) -> list[str]:
    return sorted(set(roles), key=ROLE_ORDER.index)


def role_labels(roles: list[str]) -> str:
    labels = dict(Role.choices)
    return ", ".join(str(labels[role]) for role in role_sorted(roles))


def staff_of_clinic(*, clinic: Clinic) -> QuerySet[User]:
    """Everyone holding a role in ``clinic``, active or not."""
    return User.objects.filter(
        pk__in=Membership.objects.filter(clinic=clinic).values("user_id")
    )


def staff_member(*, clinic: Clinic, user_id: int) -> User | None:
    return staff_of_clinic(clinic=clinic).filter(pk=user_id).first()


def roles_held(*, clinic: Clinic, user: User) -> list[str]:
    return role_sorted(
        list(
            Membership.objects.filter(clinic=clinic, user=user).values_list(
                "role", flat=True
            )
        )
    )


def clinic_admins(*, clinic: Clinic, active_only: bool = True) -> QuerySet[User]:
    admins = User.objects.filter(
        memberships__clinic=clinic, memberships__role=Role.ADMIN
    )
    return admins.filter(is_active=True) if active_only else admins


@dataclass(frozen=True)
class StaffRow:
    person: User
    roles: list[str]
    has_authenticator: bool
    is_clinical_lead: bool = False

    @property
    def roles_shown(self) -> list[tuple[str, str]]:
        labels = dict(Role.choices)
        return [(role, str(labels[role])) for role in self.roles]


def staff_rows(*, clinic: Clinic) -> list[StaffRow]:
    """Each person of the clinic with their roles here and whether they have
    an authenticator: one query."""
    people = (
        staff_of_clinic(clinic=clinic)
        .annotate(
            roles_here=ArrayAgg(
                "memberships__role",
                filter=Q(memberships__clinic=clinic),
                distinct=True,
                default=[],
            ),
            has_totp=Exists(
                Authenticator.objects.filter(
                    user_id=OuterRef("pk"), type=Authenticator.Type.TOTP
                )
            ),
            leads=Exists(
                Membership.objects.filter(
                    user_id=OuterRef("pk"), clinic=clinic, is_clinical_lead=True
                )
            ),
        )
        .order_by("full_name", "email")
    )
    return [
        StaffRow(
            person=person,
            roles=role_sorted(person.roles_here),
            has_authenticator=person.has_totp,
            is_clinical_lead=person.leads,
        )
        for person in people
    ]


def active_therapists(*, clinic: Clinic) -> QuerySet[User]:
    """Who a client may move to."""
    return (
        User.objects.filter(
            memberships__clinic=clinic,
            memberships__role=Role.THERAPIST,
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "pk")
    )


def pending_proposals(*, clinic: Clinic) -> QuerySet[StaffProposal]:
    return (
        StaffProposal.objects.filter(clinic=clinic, status=StaffProposalStatus.PENDING)
        .select_related("person", "proposed_by", "client", "client__therapist")
        .order_by("proposed_at", "pk")
    )


def proposal_of_clinic(*, clinic: Clinic, proposal_id: int) -> StaffProposal | None:
    return (
        StaffProposal.objects.filter(clinic=clinic, pk=proposal_id)
        .select_related("person", "proposed_by")
        .first()
    )


def has_pending(*, clinic: Clinic, person: User, kind: str) -> bool:
    return StaffProposal.objects.filter(
        clinic=clinic, person=person, kind=kind, status=StaffProposalStatus.PENDING
    ).exists()


def link_is_usable(link: EnrolmentLink, *, now: dt.datetime) -> bool:
    """Unused, not expired, for an active account, and the person's newest."""
    if link.used_at is not None or link.expires_at <= now:
        return False
    if not link.user.is_active:
        return False
    newest = newest_link(link.user)
    return newest is not None and newest.pk == link.pk


def enrolment_link_for_token(*, token: str, now: dt.datetime) -> EnrolmentLink | None:
    """The usable link that ``token`` opens, or None: a forged, expired, used
    or superseded token opens nothing, and says nothing about why."""
    link = (
        EnrolmentLink.objects.filter(token_sha256=token_digest(token))
        .select_related("user", "clinic")
        .first()
    )
    if link is None or not link_is_usable(link, now=now):
        return None
    return link
