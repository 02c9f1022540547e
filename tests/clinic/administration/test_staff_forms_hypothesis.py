"""Submissions drawn from the staff page's forms and the welcome link's
password form, about half of them valid: a valid one does exactly what it
says (a proposal with exactly the roles submitted, a role removed, the
password set), with its audit event; any other changes nothing.  Never a
server error.

The clinic and its people are built once per test; each example runs inside
a savepoint that is rolled back afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from hypothesis import event, given
from hypothesis import strategies as st

from clinic.administration.staff.enrolment import token_digest
from clinic.administration.staff.forms import (
    ClientMoveForm,
    RoleGrantForm,
    RoleRevokeForm,
    StaffInviteForm,
    WelcomePasswordForm,
)
from clinic.models import (
    Clinic,
    EnrolmentLink,
    Membership,
    Role,
    StaffProposal,
    User,
)
from tests.factories import ClientFactory, ClinicFactory
from tests.strategies import (
    FIXTURES_RESET,
    as_posted,
    assert_refused,
    audit_writes,
    form_data,
    person,
    rolled_back,
    signed_in,
    valid_share,
)

TOKEN = "hypothesis-welcome-token-0123456789abcdefghijklmno"
STRONG = "Quiet-harbour-lantern-42"
ADDRESSES = st.from_regex(
    r"\A[a-z0-9]{1,12}(\.[a-z0-9]{1,8})?@[a-z]{1,10}\.(test|example)\Z"
)


@dataclass
class World:
    clinic: Clinic
    admin: User
    colleague: User  # therapist and supervisor
    newcomer: User  # invited, their link unused
    taken: list[str]  # addresses that belong to accounts
    as_admin: Callable[[], HttpClient]


@pytest.fixture
def world(db) -> World:
    clinic = ClinicFactory()
    admin = person(clinic, Role.ADMIN, email="admin.h@example.test")
    person(clinic, Role.ADMIN, email="admin2.h@example.test")
    colleague = person(clinic, Role.THERAPIST, Role.SUPERVISOR)
    newcomer = person(clinic, Role.THERAPIST)
    newcomer.set_unusable_password()
    newcomer.save()
    now = timezone.now()
    EnrolmentLink.objects.create(
        clinic=clinic,
        user=newcomer,
        token_sha256=token_digest(TOKEN),
        created_by=admin,
        created_at=now,
        expires_at=now + dt.timedelta(days=7),
    )
    outsider = person(ClinicFactory(), Role.THERAPIST)
    return World(
        clinic=clinic,
        admin=admin,
        colleague=colleague,
        newcomer=newcomer,
        taken=[colleague.email, colleague.email.upper(), outsider.email],
        as_admin=signed_in(admin),
    )


def _outcome(accepted: bool) -> None:
    event("valid submission" if accepted else "invalid submission")


def _proposals() -> list[tuple]:
    return list(
        StaffProposal.objects.order_by("pk").values_list(
            "pk", "person_id", "email", "roles", "status"
        )
    )


# --- the invitation ------------------------------------------------------------


@pytest.fixture
def invitations(world) -> st.SearchStrategy[dict]:
    return form_data(
        StaffInviteForm(),
        valid={"email": ADDRESSES},
        garbage={"email": st.sampled_from(world.taken)},
    )


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_an_invitation_is_proposed_exactly_as_submitted_or_not_at_all(
    world, invitations, data
):
    assert not StaffProposal.objects.exists()
    writes = audit_writes()
    submitted = data.draw(invitations, label="submitted")
    form = StaffInviteForm(as_posted(submitted))
    valid = form.is_valid()
    accepted = (
        valid
        and not User.objects.filter(email__iexact=form.cleaned_data["email"]).exists()
    )
    _outcome(accepted)

    response = world.as_admin().post(reverse("clinic:staff_invite"), submitted)

    if accepted:
        assert response.status_code == 302, response.status_code
        proposal = StaffProposal.objects.get()
        chosen = form.cleaned_data
        assert proposal.person is None
        assert proposal.email == chosen["email"].strip().lower()
        assert proposal.full_name == chosen["full_name"].strip()
        assert set(proposal.roles) == set(chosen["roles"])
        assert not User.objects.filter(email=proposal.email).exists()
        assert audit_writes() == [
            *writes,
            ("create", "clinic.staffproposal", proposal.pk, world.admin.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert not StaffProposal.objects.exists()
        assert audit_writes() == writes


# --- roles for a colleague -------------------------------------------------------------


def _grant_form(world: World) -> RoleGrantForm:
    return RoleGrantForm(held=[Role.THERAPIST, Role.SUPERVISOR])


@pytest.fixture
def grants(world) -> st.SearchStrategy[dict]:
    return form_data(
        _grant_form(world),
        garbage={"roles": st.lists(st.sampled_from(Role.values), max_size=3)},
    )


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_roles_are_proposed_exactly_as_submitted_or_not_at_all(world, grants, data):
    before, writes = _proposals(), audit_writes()
    assert before == []
    submitted = data.draw(grants, label="submitted")
    form = RoleGrantForm(as_posted(submitted), held=[Role.THERAPIST, Role.SUPERVISOR])
    accepted = form.is_valid()
    _outcome(accepted)

    response = world.as_admin().post(
        reverse("clinic:staff_roles", args=[world.colleague.pk]), submitted
    )

    if accepted:
        assert response.status_code == 302, response.status_code
        proposal = StaffProposal.objects.get()
        assert proposal.person == world.colleague
        assert proposal.roles == [Role.ADMIN]
        assert audit_writes() == [
            *writes,
            ("create", "clinic.staffproposal", proposal.pk, world.admin.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert _proposals() == before
        assert audit_writes() == writes
    assert set(
        Membership.objects.filter(user=world.colleague).values_list("role", flat=True)
    ) == {Role.THERAPIST, Role.SUPERVISOR}


# --- a role taken away -------------------------------------------------------------------


def _memberships(world: World) -> list[tuple]:
    return list(
        Membership.objects.filter(user=world.colleague)
        .order_by("pk")
        .values_list("pk", "role")
    )


@pytest.fixture
def revocations(world) -> st.SearchStrategy[dict]:
    return form_data(RoleRevokeForm())


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_role_is_removed_exactly_as_submitted_or_not_at_all(world, revocations, data):
    before, writes = _memberships(world), audit_writes()
    assert len(before) == 2
    submitted = data.draw(revocations, label="submitted")
    form = RoleRevokeForm(as_posted(submitted))
    held = {role for _, role in before}
    accepted = form.is_valid() and form.cleaned_data["role"] in held
    _outcome(accepted)

    response = world.as_admin().post(
        reverse("clinic:staff_role_revoke", args=[world.colleague.pk]), submitted
    )

    assert response.status_code == 302, response.status_code
    if accepted:
        removed = form.cleaned_data["role"]
        (pk,) = [pk for pk, role in before if role == removed]
        assert _memberships(world) == [row for row in before if row[0] != pk]
        assert audit_writes() == [
            *writes,
            ("delete", "clinic.membership", pk, world.admin.pk),
        ]
    else:
        assert _memberships(world) == before
        assert audit_writes() == writes


# --- the first password -------------------------------------------------------------------


@pytest.fixture
def passwords(world) -> st.SearchStrategy[dict]:
    return form_data(
        WelcomePasswordForm(world.newcomer),
        valid={"new_password1": st.just(STRONG), "new_password2": st.just(STRONG)},
    )


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_the_first_password_is_set_exactly_as_chosen_or_not_at_all(
    world, passwords, data
):
    newcomer = User.objects.get(pk=world.newcomer.pk)
    assert not newcomer.has_usable_password()
    writes = audit_writes()
    submitted = data.draw(passwords, label="submitted")
    accepted = WelcomePasswordForm(newcomer, as_posted(submitted)).is_valid()
    _outcome(accepted)

    response = HttpClient().post(reverse("clinic:welcome", args=[TOKEN]), submitted)

    newcomer.refresh_from_db()
    link = EnrolmentLink.objects.get(user=newcomer)
    if accepted:
        assert response.status_code == 302, response.status_code
        assert newcomer.check_password(as_posted(submitted)["new_password1"])
        assert link.used_at is not None
        assert audit_writes() == [
            *writes,
            ("update", "clinic.enrolmentlink", link.pk, newcomer.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert not newcomer.has_usable_password()
        assert link.used_at is None
        assert audit_writes() == writes


# --- how often the strategies make a valid submission ---------------------------------------


def test_the_submissions_drawn_for_each_staff_form_are_valid_about_half_the_time(
    world, invitations, grants, revocations, passwords
):
    shares = {
        "invitation": valid_share(
            invitations, lambda data: StaffInviteForm(as_posted(data)).is_valid()
        ),
        "grant": valid_share(
            grants,
            lambda data: RoleGrantForm(
                as_posted(data), held=[Role.THERAPIST, Role.SUPERVISOR]
            ).is_valid(),
        ),
        "revocation": valid_share(
            revocations, lambda data: RoleRevokeForm(as_posted(data)).is_valid()
        ),
        "password": valid_share(
            passwords,
            lambda data: WelcomePasswordForm(
                world.newcomer, as_posted(data)
            ).is_valid(),
        ),
    }

    assert all(0.3 <= share <= 0.8 for share in shares.values()), shares


# --- a client moved to another therapist -----------------------------------------


@pytest.fixture
def moves(world) -> st.SearchStrategy[dict]:
    mover_form = ClientMoveForm(therapists=[world.colleague])
    return form_data(
        mover_form,
        garbage={
            "therapist": st.sampled_from(
                [str(world.admin.pk), str(world.newcomer.pk), "0", "-1", "x"]
            )
        },
    )


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_move_is_proposed_exactly_as_submitted_or_not_at_all(world, moves, data):
    client = ClientFactory(clinic=world.clinic, therapist=world.newcomer)
    before, writes = _proposals(), audit_writes()
    assert before == []
    submitted = data.draw(moves, label="submitted")
    # The newcomer is the client's therapist, so only the colleague is offered.
    form = ClientMoveForm(as_posted(submitted), therapists=[world.colleague])
    accepted = form.is_valid()
    _outcome(accepted)

    response = world.as_admin().post(
        reverse("clinic:client_move_propose", args=[client.pk]), submitted
    )

    if accepted:
        assert response.status_code == 302, response.status_code
        proposal = StaffProposal.objects.get()
        assert (proposal.person, proposal.client) == (world.colleague, client)
        assert audit_writes() == [
            *writes,
            ("create", "clinic.staffproposal", proposal.pk, world.admin.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert not StaffProposal.objects.exists()
        assert audit_writes() == writes
    client.refresh_from_db()
    assert client.therapist == world.newcomer
