"""Submissions drawn from the clinic admin's absence and supervision forms,
about half of them valid: a valid one is saved exactly as submitted, with its
audit event; any other comes back with the form's errors and saves nothing.
Never a server error.

The clinic and its people are built once per test; each example runs inside
a savepoint that is rolled back afterwards, and starts by checking that
nothing an earlier example saved is left.
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

from clinic.administration.forms import (
    AbsenceForm,
    SupervisionEndForm,
    SupervisionLinkForm,
)
from clinic.models import Absence, Clinic, Role, Supervision, User
from tests.factories import ClinicFactory, SupervisionFactory
from tests.strategies import (
    FIXTURES_RESET,
    as_posted,
    assert_refused,
    audit_writes,
    dates,
    form_data,
    person,
    rolled_back,
    signed_in,
    valid_share,
)

STARTED_ON = dt.date(2026, 1, 5)


@dataclass
class World:
    clinic: Clinic
    admin: User
    supervisor: User
    therapist: User
    link: Supervision  # the supervisor supervises the therapist
    linked: set[tuple[int, int]]  # (supervisor, supervisee) with a current link
    supervisors: list[str]  # ids of the clinic's supervisors (also therapists)
    trainees: list[str]  # ids of the clinic's other therapists
    outsiders: list[str]  # ids of people of another clinic, and of the admin
    as_admin: Callable[[], HttpClient]


@pytest.fixture
def world(db) -> World:
    clinic = ClinicFactory()
    admin = person(clinic, Role.ADMIN)
    supervisor = person(clinic, Role.THERAPIST, Role.SUPERVISOR)
    unrelated = person(clinic, Role.THERAPIST, Role.SUPERVISOR)
    therapist = person(clinic, Role.THERAPIST)
    other = person(clinic, Role.THERAPIST)
    newcomer = person(clinic, Role.THERAPIST)
    links = [
        SupervisionFactory(
            clinic=clinic, supervisor=boss, supervisee=trainee, started_on=STARTED_ON
        )
        for boss, trainee in ((supervisor, therapist), (unrelated, other))
    ]
    outsider = person(ClinicFactory(), Role.THERAPIST, Role.SUPERVISOR)
    return World(
        clinic=clinic,
        admin=admin,
        supervisor=supervisor,
        therapist=therapist,
        link=links[0],
        linked={(link.supervisor_id, link.supervisee_id) for link in links},
        supervisors=[str(supervisor.pk), str(unrelated.pk)],
        # The newcomer first: the simplest valid pair is then not linked yet.
        trainees=[str(newcomer.pk), str(other.pk), str(therapist.pk)],
        outsiders=[str(outsider.pk), str(admin.pk)],
        as_admin=signed_in(admin),
    )


def _outcome(accepted: bool) -> None:
    event("valid submission" if accepted else "invalid submission")


def _links() -> list[tuple]:
    return list(
        Supervision.objects.order_by("pk").values_list(
            "pk", "supervisor_id", "supervisee_id", "started_on", "ended_on"
        )
    )


# --- absences ------------------------------------------------------------------


@pytest.fixture
def absences(world) -> st.SearchStrategy[dict]:
    today = timezone.localdate()
    # The form's rules across fields hold for every mix of valid values: each
    # valid first day comes before each valid last day, and the valid covers
    # are never the valid absent therapists.  Breaking them is garbage.
    absent, covers = world.supervisors, world.trainees
    return form_data(
        AbsenceForm(clinic=world.clinic),
        valid={
            "therapist": st.sampled_from(absent),
            "starts_on": dates(earliest=today - dt.timedelta(30), latest=today),
            "ends_on": dates(earliest=today, latest=today + dt.timedelta(60)),
            "covering_therapist": st.sampled_from(["", *covers]),
        },
        garbage={
            "therapist": st.sampled_from(world.outsiders),
            "covering_therapist": st.sampled_from([*absent, *world.outsiders]),
        },
    )


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_an_absence_is_saved_exactly_as_submitted_or_not_at_all(world, absences, data):
    assert not Absence.objects.exists()
    writes = audit_writes()
    submitted = data.draw(absences, label="submitted")
    form = AbsenceForm(as_posted(submitted), clinic=world.clinic)
    accepted = form.is_valid()
    _outcome(accepted)

    response = world.as_admin().post(reverse("clinic:absence_new"), submitted)

    if accepted:
        assert response.status_code == 302, response.status_code
        absence = Absence.objects.get()
        chosen = form.cleaned_data
        assert absence.clinic == world.clinic
        assert absence.therapist == chosen["therapist"]
        assert absence.covering_therapist == chosen["covering_therapist"]
        assert (absence.starts_on, absence.ends_on) == (
            chosen["starts_on"],
            chosen["ends_on"],
        )
        assert absence.note == as_posted(submitted).get("note", "").strip()
        assert audit_writes() == [
            *writes,
            ("create", "clinic.absence", absence.pk, world.admin.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert not Absence.objects.exists()
        assert audit_writes() == writes


# --- supervision links ------------------------------------------------------------


@pytest.fixture
def new_links(world) -> st.SearchStrategy[dict]:
    # Valid supervisees are therapists who supervise nobody, so that nobody
    # is asked to supervise themselves unless garbage says so.
    return form_data(
        SupervisionLinkForm(clinic=world.clinic),
        valid={"supervisee": st.sampled_from(world.trainees)},
        garbage={
            "supervisor": st.sampled_from([*world.trainees, *world.outsiders]),
            "supervisee": st.sampled_from([*world.supervisors, *world.outsiders]),
        },
    )


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_supervision_link_is_created_exactly_as_submitted_or_not_at_all(
    world, new_links, data
):
    before, writes = _links(), audit_writes()
    assert len(before) == 2
    submitted = data.draw(new_links, label="submitted")
    form = SupervisionLinkForm(as_posted(submitted), clinic=world.clinic)
    valid = form.is_valid()
    # A valid form naming a pair that is already linked is the service's to
    # refuse.
    accepted = valid and (
        (form.cleaned_data["supervisor"].pk, form.cleaned_data["supervisee"].pk)
        not in world.linked
    )
    _outcome(accepted)

    response = world.as_admin().post(reverse("clinic:supervision_new"), submitted)

    if accepted:
        assert response.status_code == 302, response.status_code
        link = Supervision.objects.exclude(pk__in=[row[0] for row in before]).get()
        assert (link.clinic, link.supervisor, link.supervisee) == (
            world.clinic,
            form.cleaned_data["supervisor"],
            form.cleaned_data["supervisee"],
        )
        assert link.started_on == form.cleaned_data["started_on"]
        assert link.ended_on is None
        assert link.cosign_required == form.cleaned_data["cosign_required"]
        assert audit_writes() == [
            *writes,
            ("create", "clinic.supervision", link.pk, world.admin.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert _links() == before
        assert audit_writes() == writes


@pytest.fixture
def endings(db) -> st.SearchStrategy[dict]:
    today = timezone.localdate()
    return form_data(
        SupervisionEndForm(started_on=STARTED_ON),
        valid={"ended_on": dates(earliest=STARTED_ON, latest=today)},
    )


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_supervision_link_ends_exactly_on_the_day_given_or_not_at_all(
    world, endings, data
):
    before, writes = _links(), audit_writes()
    assert Supervision.objects.get(pk=world.link.pk).ended_on is None
    submitted = data.draw(endings, label="submitted")
    form = SupervisionEndForm(as_posted(submitted), started_on=STARTED_ON)
    accepted = form.is_valid()
    _outcome(accepted)

    response = world.as_admin().post(
        reverse("clinic:supervision_end", args=[world.link.pk]), submitted
    )

    if accepted:
        assert response.status_code == 302, response.status_code
        ended_on = Supervision.objects.get(pk=world.link.pk).ended_on
        assert ended_on == form.cleaned_data["ended_on"]
        assert audit_writes() == [
            *writes,
            ("update", "clinic.supervision", world.link.pk, world.admin.pk),
        ]
    else:
        assert_refused(response, submitted)
        assert _links() == before
        assert audit_writes() == writes


# --- how often the strategies make a valid submission ---------------------------


def test_the_submissions_drawn_for_each_admin_form_are_valid_about_half_the_time(
    world, absences, new_links, endings
):
    clinic = world.clinic
    shares = {
        "absence": valid_share(
            absences,
            lambda data: AbsenceForm(as_posted(data), clinic=clinic).is_valid(),
        ),
        "new link": valid_share(
            new_links,
            lambda data: SupervisionLinkForm(as_posted(data), clinic=clinic).is_valid(),
        ),
        "end of link": valid_share(
            endings,
            lambda data: SupervisionEndForm(
                as_posted(data), started_on=STARTED_ON
            ).is_valid(),
        ),
    }

    assert all(0.3 <= share <= 0.8 for share in shares.values()), shares
