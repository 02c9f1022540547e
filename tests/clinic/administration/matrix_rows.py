"""Permission-matrix rows of the clinic admin's configuration pages, the
staff page, and the welcome link.

Only the clinic admin may use them; everyone else signed in without the admin
role (in this clinic or, like the operator, in none) gets 403.  The outsider administers another clinic, so the clinic-wide pages show
them their own clinic (200) while this clinic's records, people and
proposals answer 404.

The welcome link opens for a signed-out browser holding the right token, and
answers 404 to anyone signed in as someone else and to a token that opens
nothing.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from clinic.administration.staff.enrolment import token_digest
from clinic.models import (
    EnrolmentLink,
    Role,
    StaffProposal,
    StaffProposalKind,
    Supervision,
    SupervisionProposal,
)
from tests.factories import AbsenceFactory, MembershipFactory, UserFactory
from tests.matrix import (
    ADMIN,
    ADMIN_ONLY,
    ANON,
    ANY_SIGNED_IN,
    OTHER,
    OUTSIDER,
    OWN,
    ROLES,
    SUPERVISOR,
    Row,
    expect,
)

WELCOME_TOKEN = "matrix-welcome-token-0123456789abcdefghijklmnop"


def _second_admin(world: SimpleNamespace):
    """Another clinic admin of the world's clinic, who proposed what the
    admin may approve."""
    second = UserFactory(email="second-admin@example.test", full_name="Sam Second")
    MembershipFactory(user=second, clinic=world.client.clinic, role=Role.ADMIN)
    return second


def _invited(world: SimpleNamespace, *, sent_by) -> str:
    """Someone invited and approved, whose link waits unused: its token."""
    invited = UserFactory(email="invited@example.test", full_name="Ina Invited")
    invited.set_unusable_password()
    invited.save()
    MembershipFactory(user=invited, clinic=world.client.clinic, role=Role.THERAPIST)
    now = timezone.now()
    EnrolmentLink.objects.create(
        clinic=world.client.clinic,
        user=invited,
        token_sha256=token_digest(WELCOME_TOKEN),
        created_by=sent_by,
        created_at=now,
        expires_at=now + dt.timedelta(days=7),
    )
    return WELCOME_TOKEN


def build(world: SimpleNamespace) -> None:
    """A future absence of the client's therapist, the supervision link, a
    second clinic admin's proposals (a role for the other therapist, a link
    of the supervisor to the other therapist), and an unused welcome link."""
    clinic = world.client.clinic
    world.absence = AbsenceFactory(
        clinic=clinic,
        therapist=world.people[OWN],
        starts_on=dt.date(2099, 7, 1),
        ends_on=dt.date(2099, 7, 14),
    )
    world.supervision = Supervision.objects.get(
        supervisor=world.people[SUPERVISOR], supervisee=world.people[OWN]
    )
    second = _second_admin(world)
    world.staff_proposal = StaffProposal.objects.create(
        clinic=clinic,
        kind=StaffProposalKind.GRANT,
        person=world.people[OTHER],
        roles=[Role.SUPERVISOR],
        proposed_by=second,
        proposed_at=timezone.now(),
    )
    world.pending_link = Supervision.objects.create(
        clinic=clinic,
        supervisor=world.people[SUPERVISOR],
        supervisee=world.people[OTHER],
        started_on=dt.date(2026, 1, 5),
    )
    SupervisionProposal.objects.create(
        link=world.pending_link, proposed_by=second, proposed_at=timezone.now()
    )
    world.welcome_token = _invited(world, sent_by=second)


CLINIC_WIDE = expect(ADMIN_ONLY, **{OUTSIDER: 200})
THIS_CLINIC_ACTION = expect(ADMIN_ONLY, **{ADMIN: 302})
# Only a signed-out browser with the token; nobody at all with another token.
WELCOME = {role: 404 for role in ROLES} | {ANON: 200}
NO_SUCH_LINK = {role: 404 for role in ROLES}


def _colleague(world: SimpleNamespace) -> list[int]:
    return [world.people[OTHER].pk]


def _proposal(world: SimpleNamespace) -> list[int]:
    return [world.staff_proposal.pk]


def _token(world: SimpleNamespace) -> list[str]:
    return [world.welcome_token]


ROWS: list[Row] = [
    Row("clinic:agreement_status", expected=CLINIC_WIDE),
    Row("clinic:absence_list", expected=CLINIC_WIDE),
    Row("clinic:absence_new", expected=CLINIC_WIDE),
    Row("clinic:absence_new", method="POST", expected=CLINIC_WIDE),
    Row("clinic:absence_edit", lambda w: [w.absence.pk], expected=ADMIN_ONLY),
    Row(
        "clinic:absence_edit",
        lambda w: [w.absence.pk],
        method="POST",
        expected=ADMIN_ONLY,
    ),
    Row(
        "clinic:absence_delete",
        lambda w: [w.absence.pk],
        method="POST",
        expected=THIS_CLINIC_ACTION,
    ),
    Row("clinic:supervision_list", expected=CLINIC_WIDE),
    Row("clinic:supervision_new", expected=CLINIC_WIDE),
    Row("clinic:supervision_new", method="POST", expected=CLINIC_WIDE),
    Row("clinic:supervision_end", lambda w: [w.supervision.pk], expected=ADMIN_ONLY),
    Row(
        "clinic:supervision_end",
        lambda w: [w.supervision.pk],
        method="POST",
        expected=ADMIN_ONLY,
    ),
    Row(
        "clinic:supervision_cosign",
        lambda w: [w.supervision.pk],
        method="POST",
        expected=THIS_CLINIC_ACTION,
    ),
    Row(
        "clinic:supervision_approve",
        lambda w: [w.pending_link.pk],
        method="POST",
        expected=THIS_CLINIC_ACTION,
    ),
    # The staff page
    Row("clinic:staff_list", expected=CLINIC_WIDE),
    Row("clinic:staff_invite", expected=CLINIC_WIDE),
    Row("clinic:staff_invite", method="POST", expected=CLINIC_WIDE),
    Row("clinic:staff_roles", _colleague, expected=ADMIN_ONLY),
    Row("clinic:client_move_propose", lambda w: [w.client.pk], expected=ADMIN_ONLY),
    Row(
        "clinic:client_move_propose",
        lambda w: [w.client.pk],
        method="POST",
        expected=ADMIN_ONLY,
    ),
    Row("clinic:staff_roles", _colleague, method="POST", expected=ADMIN_ONLY),
    *[
        Row(name, _colleague, method="POST", expected=THIS_CLINIC_ACTION)
        for name in (
            "clinic:staff_role_revoke",
            "clinic:staff_deactivate",
            "clinic:staff_reactivate",
            "clinic:staff_authenticator_reset",
            "clinic:clinical_lead_set",
        )
    ],
    # Clears the lead of the clinic the admin administers: the outsider's own.
    Row(
        "clinic:clinical_lead_clear",
        method="POST",
        expected=expect(ADMIN_ONLY, **{ADMIN: 302, OUTSIDER: 302}),
    ),
    *[
        Row(name, _proposal, method="POST", expected=THIS_CLINIC_ACTION)
        for name in (
            "clinic:staff_proposal_approve",
            "clinic:staff_proposal_decline",
            "clinic:staff_proposal_withdraw",
        )
    ],
    # The welcome link and the page shown to whoever needs one
    Row("clinic:welcome", _token, expected=WELCOME),
    Row("clinic:welcome", _token, method="POST", expected=WELCOME),
    Row(
        "clinic:welcome", lambda w: ["forged" + w.welcome_token], expected=NO_SUCH_LINK
    ),
    Row("clinic:enrolment_link_needed", expected=ANY_SIGNED_IN),
]
