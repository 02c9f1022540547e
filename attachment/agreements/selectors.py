"""Reads of the between-sessions agreement.

The client is fetched through :mod:`clinic.access` first (404 out of scope,
403 for whoever knows the client but may not do this); everything here then
reads only that client's versions.  Which version is in force is
:class:`attachment.agreements.terms.TermsTimeline`'s rule, asked here of the
versions already loaded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from attachment.agreements.frame import widenings
from attachment.agreements.terms import FrameHistory, TermsTimeline
from attachment.models import ContactAgreement
from clinic import access
from clinic.models import Client, ContactPolicy, Role, User
from clinic.policies import clinic_default_policy


def client_for_reading(*, actor: User, client_id: int, now: dt.datetime) -> Client:
    return access.client_for_reading(actor, client_id, on=now.date())


def client_for_writing(*, actor: User, client_id: int, now: dt.datetime) -> Client:
    return access.client_for_writing(actor, client_id, on=now.date())


def has_current_supervisor(*, client: Client, on: dt.date) -> bool:
    """Whether the client's therapist has a supervisor who may approve a
    version wider than the frame."""
    return (
        access.supervision_links_in_force(on=on)
        .filter(supervisee_id=client.therapist_id, clinic_id=client.clinic_id)
        .exists()
    )


def may_approve(*, actor: User, client: Client, on: dt.date) -> bool:
    return access.is_current_supervisor(
        actor, supervisee_id=client.therapist_id, clinic_id=client.clinic_id, on=on
    )


def versions_of(*, client: Client) -> QuerySet[ContactAgreement]:
    """Newest first, with their author and approver."""
    return (
        ContactAgreement.objects.filter(client=client)
        .select_related("author", "approved_by")
        .order_by("-version")
    )


def version_of(*, actor: User, client: Client, version: int) -> ContactAgreement:
    found = versions_of(client=client).filter(version=version).first()
    if found is None:
        raise access.not_found(actor, "agreement", version)
    found.client = client
    return found


def in_force_among(
    versions: list[ContactAgreement],
    *,
    client: Client,
    frame: ContactPolicy,
    now: dt.datetime,
) -> ContactAgreement | None:
    """The version in force at ``now`` among ``versions`` (all of one
    client's), or None when the clinic's frame judges its contacts.  The
    frame's history plays no part in which version is in force, so the frame
    as it stands stands for it."""
    timeline = TermsTimeline(
        frame=frame,
        frames=FrameHistory((frame.updated_at,), (frame,)),
        frame_zone=client.clinic.zone,
        client_zone=client.zone,
        versions=tuple(versions),
    )
    return timeline.at(now).agreement


@dataclass(frozen=True)
class VersionRow:
    """One version in the history, and where it stands."""

    version: ContactAgreement
    status: str


@dataclass(frozen=True)
class AgreementState:
    """A client's agreement at ``now``: every version (newest first), the one
    in force, and the clinic's frame it is written inside."""

    client: Client
    versions: list[ContactAgreement]
    in_force: ContactAgreement | None
    frame: ContactPolicy
    now: dt.datetime

    @property
    def newest(self) -> ContactAgreement | None:
        return self.versions[0] if self.versions else None

    @property
    def awaiting(self) -> ContactAgreement | None:
        """The newest version, when it waits for the supervisor's approval."""
        newest = self.newest
        return newest if newest is not None and newest.awaiting_approval else None

    @property
    def upcoming(self) -> ContactAgreement | None:
        """The newest version, when it takes effect later."""
        newest = self.newest
        if (
            newest is not None
            and newest.in_force_possible
            and newest.effective_from > self.now
        ):
            return newest
        return None

    def widenings(self, version: ContactAgreement) -> list[str]:
        """How ``version`` is wider than the frame as it stands now."""
        return widenings(version, self.frame)

    def status(self, version: ContactAgreement) -> str:
        if self.in_force is not None and version.pk == self.in_force.pk:
            return "in force"
        if version.awaiting_approval:
            if version is self.newest:
                return "awaiting approval"
            return "never approved; replaced"
        if version.effective_from > self.now:
            return "takes effect later"
        return "replaced"

    def rows(self) -> list[VersionRow]:
        return [VersionRow(version, self.status(version)) for version in self.versions]


def agreement_state(*, client: Client, now: dt.datetime) -> AgreementState:
    """In two queries: the versions and the frame."""
    versions = list(versions_of(client=client))
    for version in versions:
        version.client = client
    frame = clinic_default_policy(clinic=client.clinic)
    return AgreementState(
        client=client,
        versions=versions,
        in_force=in_force_among(versions, client=client, frame=frame, now=now),
        frame=frame,
        now=now,
    )


def approvals_awaiting(*, actor: User, on: dt.date) -> QuerySet[ContactAgreement]:
    """Versions waiting for ``actor``'s approval: the newest version of a
    client of a current supervisee (in the link's clinic), wider than the
    frame and not yet approved; oldest first."""
    if not access.clinic_ids_with_role(actor, Role.SUPERVISOR):
        return ContactAgreement.objects.none()
    supervising = access.supervision_links_in_force(on=on).filter(
        supervisor=actor,
        clinic_id=OuterRef("client__clinic_id"),
        supervisee_id=OuterRef("client__therapist_id"),
    )
    newer = ContactAgreement.objects.filter(
        client_id=OuterRef("client_id"), version__gt=OuterRef("version")
    )
    return (
        ContactAgreement.objects.filter(wider_than_frame=True, approved_at__isnull=True)
        .filter(Exists(supervising))
        .exclude(Exists(newer))
        .select_related("client__clinic", "client__therapist", "author")
        .order_by("written_at", "pk")
    )


def approvals_awaiting_count(*, actor: User, on: dt.date) -> int:
    return approvals_awaiting(actor=actor, on=on).count()
