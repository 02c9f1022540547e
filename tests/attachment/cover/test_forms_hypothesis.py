"""Submissions drawn from the cover and break-glass forms' own fields, about
half of them valid: break glass, its review, and a contact logged from the
cover page.  A valid submission is written exactly as submitted, with its
audit event; any other comes back with the errors and writes nothing.
Never a server error.

The people and records are built once per test; each example runs inside a
savepoint that is rolled back afterwards, and starts by checking that
nothing an earlier example wrote is left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import event, given
from hypothesis import strategies as st

from attachment.cover.forms import (
    BreakGlassForm,
    BreakGlassReviewForm,
    CoverContactForm,
)
from attachment.models import Contact, LoggedWhile
from clinic.models import (
    BREAK_GLASS_DURATION,
    AuditAction,
    AuditEvent,
    BreakGlassGrant,
    BreakGlassReason,
    Client,
    Role,
    User,
)
from tests.factories import (
    AbsenceFactory,
    ClientFactory,
    ClinicFactory,
    SupervisionFactory,
)
from tests.strategies import (
    ABSENT,
    FIXTURES_RESET,
    as_posted,
    assert_refused,
    form_data,
    person,
    rolled_back,
    signed_in,
    valid_share,
)

# A reason the page takes: twenty characters and more, not blank at either end.
REASONS = st.from_regex(r"\A[A-Za-zé][A-Za-zé ,.'-]{18,80}[A-Za-zé.]\Z")
UNKNOWN_CODE = "HX-404"


@dataclass
class World:
    client: Client
    elsewhere: Client  # a client of another clinic
    colleague: User  # may break glass for the client
    cover: User  # covers the client's therapist today
    admin: User
    grant_id: int  # the colleague's earlier grant, unreviewed

    def codes(self) -> st.SearchStrategy[str]:
        return st.sampled_from([self.client.code, self.elsewhere.code, UNKNOWN_CODE])


@pytest.fixture
def world(db) -> World:
    clinic = ClinicFactory()
    therapist = person(clinic, Role.THERAPIST)
    supervisor = person(clinic, Role.THERAPIST, Role.SUPERVISOR)
    SupervisionFactory(
        clinic=clinic,
        supervisor=supervisor,
        supervisee=therapist,
        started_on=dt.date(2024, 1, 1),
    )
    client = ClientFactory(clinic=clinic, therapist=therapist, code="HX-001")
    second = ClientFactory(clinic=clinic, therapist=therapist, code="HX-002")
    other = ClinicFactory()
    elsewhere = ClientFactory(
        clinic=other, therapist=person(other, Role.THERAPIST), code="HX-900"
    )
    colleague = person(clinic, Role.THERAPIST)
    cover = person(clinic, Role.THERAPIST)
    today = timezone.localdate(timezone.now(), clinic.zone)
    AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        covering_therapist=cover,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
    )
    granted_at = timezone.now() - dt.timedelta(days=1)
    grant = BreakGlassGrant.objects.create(
        clinic=clinic,
        client=second,
        grantee=colleague,
        reason=BreakGlassReason.SAFETY_CONCERN,
        explanation="A worried message from the client's sister.",
        granted_at=granted_at,
        expires_at=granted_at + BREAK_GLASS_DURATION,
    )
    return World(
        client=client,
        elsewhere=elsewhere,
        colleague=colleague,
        cover=cover,
        admin=person(clinic, Role.ADMIN),
        grant_id=grant.pk,
    )


def _writes() -> list[tuple]:
    """Every audit event but reads and refusals (a refusal is written after
    the view, and is no write of the form's)."""
    return list(
        AuditEvent.objects.exclude(action__in=[AuditAction.READ, AuditAction.DENIED])
        .order_by("pk")
        .values_list("action", "object_type", "object_id", "actor_id")
    )


# --- break glass ---------------------------------------------------------------


def break_glass_submissions(world: World) -> st.SearchStrategy[dict]:
    return form_data(
        BreakGlassForm,
        valid={"code": world.codes(), "explanation": REASONS},
        garbage={"code": st.sampled_from([" HX-001", "hx-001", "HX-001 OR 1=1"])},
    )


def _break_glass_valid(submitted: dict) -> bool:
    return BreakGlassForm(as_posted(submitted)).is_valid()


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_break_glass_opens_exactly_as_asked_or_not_at_all(world, data):
    assert BreakGlassGrant.objects.count() == 1
    writes = _writes()
    submitted = data.draw(break_glass_submissions(world), label="submitted")
    valid = _break_glass_valid(submitted)
    opens = valid and as_posted(submitted)["code"] == world.client.code
    event("opens" if opens else "404" if valid else "refused")

    response = signed_in(world.colleague)().post(
        reverse("attachment:break_glass"), submitted
    )

    if opens:
        assert response.status_code == 302, response.status_code
        grant = BreakGlassGrant.objects.exclude(pk=world.grant_id).get()
        form = BreakGlassForm(as_posted(submitted))
        assert form.is_valid()
        assert (grant.client, grant.grantee) == (world.client, world.colleague)
        assert (grant.reason, grant.explanation) == (
            form.cleaned_data["reason"],
            form.cleaned_data["explanation"],
        )
        assert _writes() == [
            *writes,
            ("create", "clinic.breakglassgrant", grant.pk, world.colleague.pk),
        ]
        return
    if valid:
        assert response.status_code == 404, response.status_code
    else:
        assert_refused(response, submitted)
    assert BreakGlassGrant.objects.count() == 1
    assert _writes() == writes


# --- its review --------------------------------------------------------------------


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_review_is_recorded_exactly_as_submitted_or_not_at_all(world, data):
    grant = BreakGlassGrant.objects.get(pk=world.grant_id)
    assert not grant.is_reviewed
    writes = _writes()
    submitted = data.draw(form_data(BreakGlassReviewForm), label="submitted")
    form = BreakGlassReviewForm(as_posted(submitted))
    valid = form.is_valid()
    event("valid submission" if valid else "invalid submission")

    response = signed_in(world.admin)().post(
        reverse("attachment:break_glass_review_grant", args=[grant.pk]), submitted
    )

    grant.refresh_from_db()
    if valid:
        assert response.status_code == 302, response.status_code
        assert (grant.verdict, grant.review_note, grant.reviewed_by) == (
            form.cleaned_data["verdict"],
            form.cleaned_data["note"],
            world.admin,
        )
        assert _writes() == [
            *writes,
            ("update", "clinic.breakglassgrant", grant.pk, world.admin.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert not grant.is_reviewed
        assert _writes() == writes


# --- a contact logged from the cover page ---------------------------------------


def contact_submissions() -> st.SearchStrategy[dict]:
    """An answer time drawn on its own is wrong for half the directions and
    times; valid submissions leave it out or empty (garbage still draws it)."""
    return form_data(
        CoverContactForm, valid={"responded_at": st.sampled_from(["", ABSENT])}
    )


def _contact_valid(world: World, submitted: dict) -> tuple[bool, CoverContactForm]:
    form = CoverContactForm(as_posted(submitted))
    # Times are entered in the clinic's time zone, as on the page.
    with timezone.override(world.client.clinic.zone):
        return form.is_valid(), form


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_the_cover_logs_a_contact_exactly_as_submitted_or_not_at_all(world, data):
    assert not Contact.objects.exists()
    writes = _writes()
    submitted = data.draw(contact_submissions(), label="submitted")
    valid, form = _contact_valid(world, submitted)
    event("valid submission" if valid else "invalid submission")

    response = signed_in(world.cover)().post(
        reverse("attachment:cover_contact_new", args=[world.client.pk]), submitted
    )

    if valid:
        assert response.status_code == 302, response.status_code
        contact = Contact.objects.get()
        expected = form.values()
        assert (contact.client, contact.logged_by, contact.logged_while) == (
            world.client,
            world.cover,
            LoggedWhile.COVERING,
        )
        assert {name: getattr(contact, name) for name in expected} == {
            **expected,
            "summary": expected["summary"].strip(),
        }
        assert _writes() == [
            *writes,
            ("create", "attachment.contact", contact.pk, world.cover.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert not Contact.objects.exists()
        assert _writes() == writes


def test_about_half_of_the_drawn_submissions_are_valid(world):
    shares = {
        "break glass": valid_share(break_glass_submissions(world), _break_glass_valid),
        "review": valid_share(
            form_data(BreakGlassReviewForm),
            lambda submitted: BreakGlassReviewForm(as_posted(submitted)).is_valid(),
        ),
        "contact": valid_share(
            contact_submissions(),
            lambda submitted: _contact_valid(world, submitted)[0],
        ),
    }
    assert all(0.3 <= share <= 0.8 for share in shares.values()), shares
