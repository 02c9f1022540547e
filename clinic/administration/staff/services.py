"""Writes of the staff page.

Who may do what changes in two ways, and each takes the number of people it
should:

* Giving access (a role granted to someone new or to a colleague, an account
  reactivated) is a :class:`~clinic.models.StaffProposal` of one clinic admin
  that counts only once a second clinic admin of the same clinic approves it.
  Nobody proposes or approves a change about themselves, and the proposer
  never approves their own proposal.
* Taking access away (a role revoked, an account deactivated, an
  authenticator reset) takes one clinic admin and is in force at once.

Every service takes the clinic's row lock, so that two admins acting at once
are serialised; refuses with :class:`~clinic.refusals.Refused` before writing
anything; records an audit event for every row it writes (ids only); and
tells the people concerned by e-mail once the change is committed
(:mod:`clinic.administration.mail`).  A person of another clinic, or a
proposal of another clinic, answers 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from allauth.mfa.models import Authenticator
from django.db import transaction

from clinic import access
from clinic import services as clinic_services
from clinic.administration import mail
from clinic.administration.selectors import administered_clinic
from clinic.administration.staff import enrolment
from clinic.administration.staff import selectors as staff_selectors
from clinic.audit import audit_record, audit_records
from clinic.extensions import BoundaryChange, boundary_changed
from clinic.models import (
    AuditAction,
    Client,
    ClientStatus,
    Clinic,
    EnrolmentLink,
    Membership,
    Role,
    StaffProposal,
    StaffProposalKind,
    StaffProposalStatus,
    User,
)
from clinic.refusals import Refused

ALREADY_DECIDED = "This proposal was already {status}; nothing was changed."


class ProposalRefused(Refused):
    """The two-person rule, or the proposal's state, refuses this step."""


def _locked_clinic(actor: User, clinic_id: int) -> Clinic:
    """The clinic ``actor`` administers, its row locked until the end of the
    transaction: staff changes of one clinic happen one at a time."""
    clinic = administered_clinic(actor=actor, clinic_id=clinic_id)
    return Clinic.objects.select_for_update().get(pk=clinic.pk)


def _member(actor: User, clinic: Clinic, user_id: int) -> User:
    person = staff_selectors.staff_member(clinic=clinic, user_id=user_id)
    if person is None:
        raise access.not_found(actor, "staff-member", user_id)
    return User.objects.select_for_update().get(pk=person.pk)


def _roles(roles: Iterable[str]) -> list[str]:
    chosen = list(roles)
    unknown = set(chosen) - set(Role.values)
    if unknown:
        raise Refused("Choose roles from the list.", field="roles")
    if not chosen:
        raise Refused("Choose at least one role.", field="roles")
    return staff_selectors.role_sorted(chosen)


def _tell_other_admins(clinic: Clinic, *, besides: Iterable[int | None]) -> None:
    recipients = staff_selectors.clinic_admins(clinic=clinic).exclude(
        pk__in=[pk for pk in besides if pk is not None]
    )
    mail.proposal_awaits(clinic=clinic, recipients=list(recipients))


def _proposal_create(
    *, actor: User, clinic: Clinic, now: dt.datetime, **fields: object
) -> StaffProposal:
    proposal = StaffProposal(
        clinic=clinic, proposed_by=actor, proposed_at=now, **fields
    )
    proposal.full_clean()
    proposal.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=proposal, at=now)
    _tell_other_admins(clinic, besides=[actor.pk, proposal.person_id])
    return proposal


@transaction.atomic
def staff_invite(
    *,
    actor: User,
    clinic: Clinic,
    email: str,
    full_name: str,
    roles: Iterable[str],
    now: dt.datetime,
) -> StaffProposal:
    """Propose an account for someone new with ``roles``.  Nothing is created
    until a second clinic admin approves; then the person receives a one-time
    link (:func:`staff_proposal_approve`)."""
    clinic = _locked_clinic(actor, clinic.pk)
    email, full_name = email.strip().lower(), full_name.strip()
    chosen = _roles(roles)
    if not full_name:
        raise Refused("Give the person's full name.", field="full_name")
    if User.objects.filter(email__iexact=email).exists():
        raise Refused(
            "This address already belongs to an account, so it cannot be "
            "invited. If the person works here, grant the roles from their row "
            "on the staff page.",
            field="email",
        )
    if StaffProposal.objects.filter(
        clinic=clinic,
        email=email,
        person__isnull=True,
        status=StaffProposalStatus.PENDING,
    ).exists():
        raise Refused(
            "An invitation of this address already awaits a second clinic admin.",
            field="email",
        )
    return _proposal_create(
        actor=actor,
        clinic=clinic,
        now=now,
        kind=StaffProposalKind.GRANT,
        email=email,
        full_name=full_name,
        roles=chosen,
    )


@transaction.atomic
def role_grant_propose(
    *,
    actor: User,
    clinic: Clinic,
    person: User,
    roles: Iterable[str],
    now: dt.datetime,
) -> StaffProposal:
    """Propose ``roles`` for a person of the clinic; a second clinic admin
    approves.  Nobody proposes roles for themselves."""
    clinic = _locked_clinic(actor, clinic.pk)
    person = _member(actor, clinic, person.pk)
    if person.pk == actor.pk:
        raise ProposalRefused(
            "Nobody proposes roles for themselves: another clinic admin does."
        )
    held = staff_selectors.roles_held(clinic=clinic, user=person)
    chosen = [role for role in _roles(roles) if role not in held]
    if not chosen:
        raise Refused("This person holds these roles already.", field="roles")
    if staff_selectors.has_pending(
        clinic=clinic, person=person, kind=StaffProposalKind.GRANT
    ):
        raise ProposalRefused(
            "A grant of roles to this person already awaits a second clinic "
            "admin: approve, decline or withdraw it first."
        )
    return _proposal_create(
        actor=actor,
        clinic=clinic,
        now=now,
        kind=StaffProposalKind.GRANT,
        person=person,
        roles=chosen,
    )


@transaction.atomic
def reactivation_propose(
    *, actor: User, clinic: Clinic, person: User, now: dt.datetime
) -> StaffProposal:
    """Propose that a deactivated account may sign in again; a second clinic
    admin approves."""
    clinic = _locked_clinic(actor, clinic.pk)
    person = _member(actor, clinic, person.pk)
    if person.is_active:
        raise ProposalRefused("This account is active.")
    if staff_selectors.has_pending(
        clinic=clinic, person=person, kind=StaffProposalKind.REACTIVATE
    ):
        raise ProposalRefused(
            "The reactivation of this account already awaits a second clinic admin."
        )
    return _proposal_create(
        actor=actor,
        clinic=clinic,
        now=now,
        kind=StaffProposalKind.REACTIVATE,
        person=person,
    )


@transaction.atomic
def client_move_propose(
    *, actor: User, clinic: Clinic, client_id: int, therapist_id: int, now: dt.datetime
) -> StaffProposal:
    """Propose that another therapist of the clinic takes over a client.  It
    opens the client's records to that therapist, so a second clinic admin
    approves it; nobody proposes a client for themselves."""
    clinic = _locked_clinic(actor, clinic.pk)
    client = Client.objects.filter(pk=client_id, clinic=clinic).first()
    if client is None:
        raise access.not_found(actor, "client", client_id)
    therapist = _member(actor, clinic, therapist_id)
    if therapist.pk == actor.pk:
        raise ProposalRefused(
            "Nobody proposes a client for themselves: another clinic admin does."
        )
    if therapist.pk == client.therapist_id:
        raise Refused("This therapist already sees this client.", field="therapist")
    if not therapist.is_active or Role.THERAPIST not in staff_selectors.roles_held(
        clinic=clinic, user=therapist
    ):
        raise Refused("Choose an active therapist of this clinic.", field="therapist")
    if client.status == ClientStatus.ENDED:
        raise ProposalRefused("This client's therapy has ended; it stays as it was.")
    if StaffProposal.objects.filter(
        client=client,
        kind=StaffProposalKind.REASSIGN,
        status=StaffProposalStatus.PENDING,
    ).exists():
        raise ProposalRefused(
            "A move of this client already awaits a second clinic admin: approve, "
            "decline or withdraw it first."
        )
    return _proposal_create(
        actor=actor,
        clinic=clinic,
        now=now,
        kind=StaffProposalKind.REASSIGN,
        person=therapist,
        client=client,
    )


def _client_move(proposal: StaffProposal, *, actor: User, now: dt.datetime) -> None:
    """The approved move: the client's therapist changes, and the contact
    facts that depend on the therapist (absences) are derived again."""
    therapist, moving = proposal.person, proposal.client
    if therapist is None or moving is None:  # a CHECK constraint forbids it
        raise ProposalRefused("This move names no client or no therapist.")
    client = Client.objects.select_for_update().get(pk=moving.pk)
    if client.therapist_id == therapist.pk:
        raise ProposalRefused("This client has meanwhile moved to this therapist.")
    _decide(proposal, actor=actor, status=StaffProposalStatus.APPROVED, now=now)
    client.therapist = therapist
    client.save(update_fields=["therapist"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=client, at=now)
    boundary_changed(
        change=BoundaryChange(clinic_id=client.clinic_id, client_ids=(client.pk,)),
        now=now,
    )


def _pending(actor: User, clinic: Clinic, proposal_id: int) -> StaffProposal:
    proposal = (
        StaffProposal.objects.select_for_update()
        .filter(pk=proposal_id, clinic=clinic)
        .first()
    )
    if proposal is None:
        raise access.not_found(actor, "staff-proposal", proposal_id)
    if not proposal.is_pending:
        raise ProposalRefused(
            ALREADY_DECIDED.format(status=proposal.get_status_display().lower())
        )
    return proposal


def _decide(
    proposal: StaffProposal, *, actor: User, status: str, now: dt.datetime
) -> None:
    proposal.status = status
    proposal.decided_by, proposal.decided_at = actor, now
    proposal.save(update_fields=["status", "person", "decided_by", "decided_at"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=proposal, at=now)


def _approval_problem(proposal: StaffProposal, *, actor: User) -> str | None:
    if actor.pk == proposal.proposed_by_id:
        return (
            "A proposal takes a second clinic admin: whoever proposed it "
            "cannot approve it."
        )
    if actor.pk == proposal.person_id:
        return "Nobody approves a change of their own roles or account."
    if not Membership.objects.filter(
        clinic_id=proposal.clinic_id,
        user_id=proposal.proposed_by_id,
        user__is_active=True,
        role=Role.ADMIN,
    ).exists():
        return (
            "Whoever proposed this no longer administers the clinic: decline "
            "it, and propose the change again if it is still wanted."
        )
    return None


@transaction.atomic
def staff_proposal_approve(
    *, actor: User, proposal: StaffProposal, now: dt.datetime
) -> StaffProposal:
    """The second clinic admin's approval: the change takes effect now."""
    clinic = _locked_clinic(actor, proposal.clinic_id)
    proposal = _pending(actor, clinic, proposal.pk)
    problem = _approval_problem(proposal, actor=actor)
    if problem:
        raise ProposalRefused(problem)
    person = proposal.person
    if person is None:
        _account_open(proposal, actor=actor, now=now)
    elif proposal.kind == StaffProposalKind.REASSIGN:
        _client_move(proposal, actor=actor, now=now)
    elif proposal.kind == StaffProposalKind.REACTIVATE:
        _reactivate(proposal, person=person, actor=actor, now=now)
    else:
        _roles_add(proposal, person=person, actor=actor, now=now)
    return proposal


def _memberships_add(
    *, actor: User, clinic: Clinic, person: User, roles: list[str], now: dt.datetime
) -> None:
    held = staff_selectors.roles_held(clinic=clinic, user=person)
    for role in roles:
        if role in held:
            continue
        membership = Membership.objects.create(user=person, clinic=clinic, role=role)
        audit_record(actor=actor, action=AuditAction.CREATE, obj=membership, at=now)


def _roles_add(
    proposal: StaffProposal, *, person: User, actor: User, now: dt.datetime
) -> None:
    clinic = proposal.clinic
    _decide(proposal, actor=actor, status=StaffProposalStatus.APPROVED, now=now)
    _memberships_add(
        actor=actor, clinic=clinic, person=person, roles=proposal.roles, now=now
    )
    mail.roles_changed(
        clinic=clinic,
        person=person,
        roles=staff_selectors.role_labels(
            staff_selectors.roles_held(clinic=clinic, user=person)
        ),
    )


def _account_open(proposal: StaffProposal, *, actor: User, now: dt.datetime) -> None:
    """The invited person's account, roles and first enrolment link."""
    clinic = proposal.clinic
    if User.objects.filter(email__iexact=proposal.email).exists():
        raise ProposalRefused(
            "This address has meanwhile been given an account; decline this "
            "invitation and grant the roles from the person's row."
        )
    person = User(email=proposal.email, full_name=proposal.full_name, date_joined=now)
    # No password until the person chooses one through the link.
    person.set_unusable_password()
    person.save()
    audit_record(
        actor=actor, action=AuditAction.CREATE, obj=person, clinic_id=clinic.pk, at=now
    )
    proposal.person = person
    _decide(proposal, actor=actor, status=StaffProposalStatus.APPROVED, now=now)
    _memberships_add(
        actor=actor, clinic=clinic, person=person, roles=proposal.roles, now=now
    )
    link, token = _link_issue(actor=actor, clinic=clinic, person=person, now=now)
    mail.invitation(link=link, token=token)


def _reactivate(
    proposal: StaffProposal, *, person: User, actor: User, now: dt.datetime
) -> None:
    person = User.objects.select_for_update().get(pk=person.pk)
    _decide(proposal, actor=actor, status=StaffProposalStatus.APPROVED, now=now)
    if not person.is_active:
        person.is_active = True
        person.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=person,
            clinic_id=proposal.clinic_id,
            at=now,
        )
    mail.account_reactivated(clinic=proposal.clinic, person=person)


@transaction.atomic
def staff_proposal_decline(
    *, actor: User, proposal: StaffProposal, now: dt.datetime
) -> StaffProposal:
    """Another clinic admin declines; nothing changes, and the proposer is told."""
    clinic = _locked_clinic(actor, proposal.clinic_id)
    proposal = _pending(actor, clinic, proposal.pk)
    if actor.pk == proposal.proposed_by_id:
        raise ProposalRefused("Withdraw your own proposal rather than declining it.")
    _decide(proposal, actor=actor, status=StaffProposalStatus.DECLINED, now=now)
    mail.proposal_declined(clinic=clinic, proposer=proposal.proposed_by)
    return proposal


@transaction.atomic
def staff_proposal_withdraw(
    *, actor: User, proposal: StaffProposal, now: dt.datetime
) -> StaffProposal:
    """Whoever proposed a change takes it back before anyone approves it."""
    clinic = _locked_clinic(actor, proposal.clinic_id)
    proposal = _pending(actor, clinic, proposal.pk)
    if actor.pk != proposal.proposed_by_id:
        raise ProposalRefused(
            "Only whoever proposed a change can withdraw it; decline it instead."
        )
    _decide(proposal, actor=actor, status=StaffProposalStatus.WITHDRAWN, now=now)
    return proposal


# --- taking access away: one person, at once --------------------------------


@transaction.atomic
def role_revoke(
    *, actor: User, clinic: Clinic, person: User, role: str, now: dt.datetime
) -> None:
    """Take ``role`` in the clinic away from ``person``, at once.  The clinic
    keeps a clinic admin, and a person keeps one role while they are staff
    (deactivate the account to end their access altogether)."""
    clinic = _locked_clinic(actor, clinic.pk)
    person = _member(actor, clinic, person.pk)
    membership = Membership.objects.filter(
        user=person, clinic=clinic, role=role
    ).first()
    if membership is None:
        raise Refused("This person does not hold that role here.", field="role")
    if (
        role == Role.ADMIN
        and not staff_selectors.clinic_admins(clinic=clinic)
        .exclude(pk=person.pk)
        .exists()
    ):
        raise Refused("The clinic keeps at least one active clinic admin.")
    if (
        not Membership.objects.filter(user=person, clinic=clinic)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise Refused(
            "A person keeps at least one role here; to end their access, "
            "deactivate the account."
        )
    audit_record(actor=actor, action=AuditAction.DELETE, obj=membership, at=now)
    membership.delete()
    mail.roles_changed(
        clinic=clinic,
        person=person,
        roles=staff_selectors.role_labels(
            staff_selectors.roles_held(clinic=clinic, user=person)
        ),
    )


def _lead_membership_set(
    membership: Membership, *, lead: bool, actor: User, now: dt.datetime
) -> None:
    membership.is_clinical_lead = lead
    membership.full_clean()
    membership.save(update_fields=["is_clinical_lead"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=membership, at=now)


@transaction.atomic
def clinical_lead_set(
    *, actor: User, clinic: Clinic, person: User, now: dt.datetime
) -> None:
    """Make ``person``, a supervisor of the clinic, its clinical lead: the one
    person who changes the detectors' thresholds.  The previous lead, if
    any, stops being one.  Nobody names themselves."""
    clinic = _locked_clinic(actor, clinic.pk)
    person = _member(actor, clinic, person.pk)
    if person.pk == actor.pk:
        raise Refused(
            "Another clinic admin names you clinical lead; nobody names themselves."
        )
    if not person.is_active:
        raise Refused("A deactivated account cannot be the clinical lead.")
    membership = Membership.objects.filter(
        user=person, clinic=clinic, role=Role.SUPERVISOR
    ).first()
    if membership is None:
        raise Refused("The clinical lead is one of the clinic's supervisors.")
    if membership.is_clinical_lead:
        return
    for previous in Membership.objects.filter(clinic=clinic, is_clinical_lead=True):
        _lead_membership_set(previous, lead=False, actor=actor, now=now)
    _lead_membership_set(membership, lead=True, actor=actor, now=now)


@transaction.atomic
def clinical_lead_clear(*, actor: User, clinic: Clinic, now: dt.datetime) -> None:
    """The clinic has no clinical lead: nobody changes the thresholds until
    one is named."""
    clinic = _locked_clinic(actor, clinic.pk)
    for previous in Membership.objects.filter(clinic=clinic, is_clinical_lead=True):
        _lead_membership_set(previous, lead=False, actor=actor, now=now)


@transaction.atomic
def account_deactivate(
    *, actor: User, clinic: Clinic, person: User, now: dt.datetime
) -> None:
    """The person can no longer sign in, and every session they hold ends
    (:func:`clinic.services.user_deactivate`, the one owner of that rule)."""
    clinic = _locked_clinic(actor, clinic.pk)
    person = _member(actor, clinic, person.pk)
    if person.pk == actor.pk:
        raise Refused(
            "Nobody deactivates their own account: another clinic admin does."
        )
    if not person.is_active:
        raise Refused("This account is already deactivated.")
    clinic_services.user_deactivate(actor=actor, user=person, now=now)
    mail.account_deactivated(clinic=clinic, person=person)


def _link_issue(
    *, actor: User | None, clinic: Clinic, person: User, now: dt.datetime
) -> tuple[EnrolmentLink, str]:
    """A new link for ``person``; every earlier one stops counting."""
    token = enrolment.token_new()
    link = EnrolmentLink.objects.create(
        clinic=clinic,
        user=person,
        token_sha256=enrolment.token_digest(token),
        created_by=actor,
        created_at=now,
        expires_at=now + enrolment.LINK_LIFETIME,
    )
    audit_record(actor=actor, action=AuditAction.CREATE, obj=link, at=now)
    return link, token


@transaction.atomic
def authenticator_reset(
    *, actor: User, clinic: Clinic, person: User, now: dt.datetime
) -> EnrolmentLink:
    """Remove the person's authenticator and recovery codes, and send a new
    one-time link through which they set up a new one.  For someone invited
    who never used their link, this sends a new invitation."""
    clinic = _locked_clinic(actor, clinic.pk)
    person = _member(actor, clinic, person.pk)
    if person.pk == actor.pk:
        raise Refused("Another clinic admin resets your authenticator.")
    if not person.is_active:
        raise Refused("Reactivate the account before sending it a link.")
    authenticators = list(Authenticator.objects.filter(user=person).order_by("pk"))
    if authenticators:
        audit_records(
            actor=actor,
            action=AuditAction.DELETE,
            objs=authenticators,
            clinic_id=clinic.pk,
            at=now,
        )
        Authenticator.objects.filter(pk__in=[a.pk for a in authenticators]).delete()
    link, token = _link_issue(actor=actor, clinic=clinic, person=person, now=now)
    if person.has_usable_password():
        mail.new_enrolment_link(link=link, token=token)
    else:
        mail.invitation(link=link, token=token)
    return link


@transaction.atomic
def enrolment_link_from_the_shell(
    *, clinic: Clinic, person: User, now: dt.datetime
) -> str:
    """A link for a member who has no authenticator, issued by the operator
    from the shell (``manage.py enrolment_link``): how the first clinic admin
    of a new clinic enrols.  Returns the link itself, which is shown once."""
    if not Membership.objects.filter(clinic=clinic, user=person).exists():
        raise Refused("This person is not a member of this clinic.")
    if not person.is_active:
        raise Refused("Reactivate the account before sending it a link.")
    if Authenticator.objects.filter(user=person).exists():
        raise Refused(
            "This person has an authenticator: a clinic admin resets it on the "
            "staff page."
        )
    _, token = _link_issue(actor=None, clinic=clinic, person=person, now=now)
    return enrolment.link_url(token)


# --- the person's side of a link ---------------------------------------------


@transaction.atomic
def enrolment_link_use(
    *, link: EnrolmentLink, password: str | None, now: dt.datetime
) -> EnrolmentLink:
    """Spend the link, setting the person's first password when they have
    none.  The view then marks the session (:mod:`.enrolment`)."""
    link = (
        EnrolmentLink.objects.select_for_update().select_related("user").get(pk=link.pk)
    )
    if not staff_selectors.link_is_usable(link, now=now):
        raise Refused("This link can no longer be used.")
    person = link.user
    needs_password = not person.has_usable_password()
    if needs_password != (password is not None):
        raise Refused("Choose a password.", field="new_password1")
    if password is not None:
        person.set_password(password)
        person.save(update_fields=["password"])
    link.used_at = now
    link.save(update_fields=["used_at"])
    audit_record(actor=person, action=AuditAction.UPDATE, obj=link, at=now)
    return link
