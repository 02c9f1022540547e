"""Writes of the clinic admin's configuration: absences with cover, and
supervision links with their co-signature setting.

Each service checks that the actor administers the record's clinic, validates
(raising :class:`~django.core.exceptions.ValidationError` before anything is
written, so that the page shows a form error and nothing is half-saved),
writes, and records an audit event; pghistory keeps what changed.  A change of
an absence tells the boundary listeners, because contacts in the absence's
dates carry the ``during_absence`` fact.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from clinic.administration import mail
from clinic.administration.selectors import administered_clinic
from clinic.audit import audit_record
from clinic.extensions import BoundaryChange, boundary_changed
from clinic.models import (
    Absence,
    AuditAction,
    Clinic,
    Membership,
    Role,
    Supervision,
    SupervisionProposal,
    User,
)
from clinic.refusals import Refused


def _holds_role(user: User | None, clinic: Clinic, role: str) -> bool:
    return (
        user is not None
        and Membership.objects.filter(user=user, clinic=clinic, role=role).exists()
    )


def _administered(actor: User, clinic_id: int) -> Clinic:
    return administered_clinic(actor=actor, clinic_id=clinic_id)


def _absence_problems(
    *,
    clinic: Clinic,
    therapist: User,
    starts_on: dt.date,
    ends_on: dt.date,
    covering_therapist: User | None,
    excluding: int | None,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not _holds_role(therapist, clinic, Role.THERAPIST):
        problems["therapist"] = "Choose a therapist of this clinic."
    if covering_therapist is not None:
        if covering_therapist.pk == therapist.pk:
            problems["covering_therapist"] = (
                "The covering therapist cannot be the absent therapist."
            )
        elif not _holds_role(covering_therapist, clinic, Role.THERAPIST):
            problems["covering_therapist"] = "Choose a therapist of this clinic."
    if ends_on < starts_on:
        problems["ends_on"] = "The absence cannot end before it starts."
    elif _overlapping_absences(
        therapist=therapist, starts_on=starts_on, ends_on=ends_on, excluding=excluding
    ).exists():
        problems["starts_on"] = (
            "This therapist already has an absence overlapping these dates."
        )
    return problems


def _overlapping_absences(
    *, therapist: User, starts_on: dt.date, ends_on: dt.date, excluding: int | None
) -> QuerySet[Absence]:
    """The therapist's absences sharing a day with these dates, other than the
    one being edited (``excluding``)."""
    overlapping = Absence.objects.filter(
        therapist=therapist, starts_on__lte=ends_on, ends_on__gte=starts_on
    )
    if excluding is not None:
        overlapping = overlapping.exclude(pk=excluding)
    return overlapping


def _absence_changed(
    absence: Absence, *, earlier: tuple[dt.date, dt.date] | None, now: dt.datetime
) -> None:
    first, last = absence.starts_on, absence.ends_on
    if earlier is not None:
        first, last = min(first, earlier[0]), max(last, earlier[1])
    boundary_changed(
        change=BoundaryChange(
            clinic_id=absence.clinic_id,
            therapist_id=absence.therapist_id,
            period=(first, last),
        ),
        now=now,
    )


@transaction.atomic
def absence_save(
    *,
    actor: User,
    clinic: Clinic,
    therapist: User,
    starts_on: dt.date,
    ends_on: dt.date,
    now: dt.datetime,
    covering_therapist: User | None = None,
    note: str = "",
    absence: Absence | None = None,
) -> Absence:
    """Create an absence, or change ``absence``; refuses a cover who is the
    absent therapist or not a therapist here, and overlapping absences."""
    clinic = _administered(actor, clinic.pk)
    # The therapist's row lock serialises two saves that could both pass the
    # overlap check.
    User.objects.select_for_update().filter(pk=therapist.pk).first()
    earlier = None
    if absence is not None:
        absence = Absence.objects.select_for_update().get(pk=absence.pk, clinic=clinic)
        earlier = (absence.starts_on, absence.ends_on)
        if absence.therapist_id != therapist.pk:
            raise ValidationError({"therapist": "An absence keeps its therapist."})
    problems = _absence_problems(
        clinic=clinic,
        therapist=therapist,
        starts_on=starts_on,
        ends_on=ends_on,
        covering_therapist=covering_therapist,
        excluding=absence.pk if absence else None,
    )
    if problems:
        raise ValidationError(problems)
    created = absence is None
    absence = absence or Absence(clinic=clinic, therapist=therapist)
    absence.starts_on, absence.ends_on = starts_on, ends_on
    absence.covering_therapist = covering_therapist
    absence.note = note.strip()
    absence.full_clean()
    absence.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=absence,
        at=now,
    )
    _absence_changed(absence, earlier=earlier, now=now)
    return absence


class AbsenceAlreadyBegun(ValidationError):
    """Only an absence that has not started may be deleted; one that has is
    part of the record (contacts were judged against it)."""


@transaction.atomic
def absence_delete(*, actor: User, absence: Absence, now: dt.datetime) -> None:
    clinic = _administered(actor, absence.clinic_id)
    absence = Absence.objects.select_for_update().get(pk=absence.pk, clinic=clinic)
    if absence.starts_on <= now.astimezone(clinic.zone).date():
        raise AbsenceAlreadyBegun("Only an absence that has not begun can be deleted.")
    audit_record(actor=actor, action=AuditAction.DELETE, obj=absence, at=now)
    absence.delete()
    _absence_changed(absence, earlier=None, now=now)


@transaction.atomic
def supervision_link_create(
    *,
    actor: User,
    clinic: Clinic,
    supervisor: User,
    supervisee: User,
    started_on: dt.date,
    now: dt.datetime,
    cosign_required: bool = False,
) -> Supervision:
    """Propose a link of a supervisor (supervisor role) to a supervisee
    (therapist role).  It opens the supervisee's clients, so it takes two
    people: it counts only once the supervisee has accepted it
    (:func:`clinic.services.supervision_link_accept`) or a second clinic
    admin has approved it (:func:`supervision_link_approve`), and nobody
    proposes a link they are part of.  Refuses a second link of the same pair
    that is open or overlaps."""
    clinic = _administered(actor, clinic.pk)
    User.objects.select_for_update().filter(pk=supervisee.pk).first()
    problems: dict[str, str] = {}
    if actor.pk in (supervisor.pk, supervisee.pk):
        raise ValidationError(
            "Nobody proposes a supervision link they are part of: "
            "another clinic admin proposes it."
        )
    if not _holds_role(supervisor, clinic, Role.SUPERVISOR):
        problems["supervisor"] = "Choose a person with the supervisor role here."
    if not _holds_role(supervisee, clinic, Role.THERAPIST):
        problems["supervisee"] = "Choose a therapist of this clinic."
    elif supervisor.pk == supervisee.pk:
        problems["supervisee"] = "Nobody supervises themselves."
    elif (
        Supervision.objects.filter(
            clinic=clinic, supervisor=supervisor, supervisee=supervisee
        )
        .exclude(ended_on__lt=started_on)
        .exists()
    ):
        problems["supervisee"] = (
            "These two already have a link that is current or overlaps this date."
        )
    if problems:
        raise ValidationError(problems)
    link = Supervision(
        clinic=clinic,
        supervisor=supervisor,
        supervisee=supervisee,
        started_on=started_on,
        cosign_required=cosign_required,
    )
    link.full_clean()
    link.save()
    # Who proposed it, so that the second admin is known to be someone else;
    # the link's own audit event records the same person.
    SupervisionProposal.objects.create(link=link, proposed_by=actor, proposed_at=now)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=link, at=now)
    return link


class LinkApprovalRefused(Refused):
    """A second clinic admin may not approve this link."""


def _approval_problem(link: Supervision, actor: User) -> str | None:
    if link.accepted_at is not None:
        return "This link is already agreed."
    proposal = SupervisionProposal.objects.filter(link=link).first()
    if proposal is None:
        return (
            "Who proposed this link is not recorded, so only the supervisee "
            "can accept it."
        )
    if actor.pk == proposal.proposed_by_id:
        return "A link takes a second person: whoever proposed it cannot approve it."
    if actor.pk in (link.supervisor_id, link.supervisee_id):
        return "Nobody approves a supervision link they are part of."
    return None


@transaction.atomic
def supervision_link_approve(
    *, actor: User, link: Supervision, now: dt.datetime
) -> Supervision:
    """A second clinic admin approves a proposed link in place of the
    supervisee's acceptance: the link counts from now on, and the supervisee
    is told by e-mail.  Not the admin who proposed it, nor a party to it."""
    clinic = _administered(actor, link.clinic_id)
    link = (
        Supervision.objects.select_for_update()
        .select_related("supervisor", "supervisee")
        .get(pk=link.pk, clinic=clinic)
    )
    problem = _approval_problem(link, actor)
    if problem:
        raise LinkApprovalRefused(problem)
    link.accepted_at = now
    link.save(update_fields=["accepted_at"])
    SupervisionProposal.objects.filter(link=link).update(
        approved_by=actor, approved_at=now
    )
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=link, at=now)
    mail.supervision_approved(
        clinic=clinic,
        supervisee=link.supervisee,
        supervisor=link.supervisor,
        started_on=link.started_on,
    )
    return link


@transaction.atomic
def supervision_link_end(
    *, actor: User, link: Supervision, ended_on: dt.date, now: dt.datetime
) -> Supervision:
    """End a link on ``ended_on`` (the last day it counts); the supervisor
    then no longer sees the supervisee's clients."""
    clinic = _administered(actor, link.clinic_id)
    link = Supervision.objects.select_for_update().get(pk=link.pk, clinic=clinic)
    if link.ended_on is not None:
        raise ValidationError({"ended_on": "This link has already ended."})
    if ended_on < link.started_on:
        raise ValidationError({"ended_on": "A link cannot end before it started."})
    link.ended_on = ended_on
    link.save(update_fields=["ended_on"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=link, at=now)
    return link


@transaction.atomic
def supervision_cosign_set(
    *, actor: User, link: Supervision, required: bool, now: dt.datetime
) -> Supervision:
    """Whether the supervisee's notes need this supervisor's co-signature;
    applies to notes signed from now on."""
    clinic = _administered(actor, link.clinic_id)
    link = Supervision.objects.select_for_update().get(pk=link.pk, clinic=clinic)
    if link.cosign_required != required:
        link.cosign_required = required
        link.save(update_fields=["cosign_required"])
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=link, at=now)
    return link
