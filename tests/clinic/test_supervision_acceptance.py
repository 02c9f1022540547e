"""A supervision link opens clinical records, so it takes two people: a
clinic admin proposes it, the supervisee accepts it.  Nobody proposes a link
they are part of, and a proposed link opens nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from clinic import access, services
from clinic.administration import services as admin_services
from clinic.models import AuditAction, AuditEvent, Membership, Role, Supervision
from tests.factories import ClientFactory, UserFactory

NOW = dt.datetime(2026, 3, 18, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture
def new_supervisor(clinic):
    user = UserFactory(full_name="Nia Newlink")
    Membership.objects.create(user=user, clinic=clinic, role=Role.SUPERVISOR)
    return user


@pytest.fixture
def proposed(admin, clinic, new_supervisor, other_therapist):
    return admin_services.supervision_link_create(
        actor=admin,
        clinic=clinic,
        supervisor=new_supervisor,
        supervisee=other_therapist,
        started_on=dt.date(2026, 3, 1),
        now=NOW,
    )


def test_a_proposed_link_opens_nothing(proposed, new_supervisor, other_therapist):
    ClientFactory(clinic=proposed.clinic, therapist=other_therapist)
    assert proposed.accepted_at is None
    assert not access.readable_clients(new_supervisor, on=TODAY).exists()
    assert access.current_supervisee_ids(new_supervisor, on=TODAY) == []


def test_the_supervisees_acceptance_opens_the_clients(
    proposed, new_supervisor, other_therapist
):
    client = ClientFactory(clinic=proposed.clinic, therapist=other_therapist)
    services.supervision_link_accept(
        actor=other_therapist, link_id=proposed.pk, now=NOW
    )
    assert list(access.readable_clients(new_supervisor, on=TODAY)) == [client]
    assert AuditEvent.objects.filter(
        actor=other_therapist,
        action=AuditAction.UPDATE,
        object_type="clinic.supervision",
        object_id=proposed.pk,
    ).exists()


def test_only_the_supervisee_answers(proposed, new_supervisor, admin, therapist):
    for someone in (new_supervisor, admin, therapist):
        with pytest.raises(Http404):
            services.supervision_link_accept(
                actor=someone, link_id=proposed.pk, now=NOW
            )
    proposed.refresh_from_db()
    assert proposed.accepted_at is None


def test_an_accepted_link_is_not_answered_twice(proposed, other_therapist):
    services.supervision_link_accept(
        actor=other_therapist, link_id=proposed.pk, now=NOW
    )
    with pytest.raises(Http404):
        services.supervision_link_decline(
            actor=other_therapist, link_id=proposed.pk, now=NOW
        )
    assert Supervision.objects.filter(pk=proposed.pk).exists()


def test_declining_removes_the_link_and_leaves_a_trace(proposed, other_therapist):
    services.supervision_link_decline(
        actor=other_therapist, link_id=proposed.pk, now=NOW
    )
    assert not Supervision.objects.filter(pk=proposed.pk).exists()
    assert AuditEvent.objects.filter(
        actor=other_therapist,
        action=AuditAction.DELETE,
        object_id=proposed.pk,
    ).exists()


@pytest.mark.parametrize("part", ["supervisor", "supervisee"])
def test_nobody_proposes_a_link_they_are_part_of(part, clinic, therapist):
    """A clinic admin who is also a supervisor (or a therapist) cannot open
    a caseload, or their own, alone."""
    admin_and_more = UserFactory()
    Membership.objects.create(user=admin_and_more, clinic=clinic, role=Role.ADMIN)
    Membership.objects.create(user=admin_and_more, clinic=clinic, role=Role.SUPERVISOR)
    Membership.objects.create(user=admin_and_more, clinic=clinic, role=Role.THERAPIST)
    other = UserFactory()
    Membership.objects.create(user=other, clinic=clinic, role=Role.SUPERVISOR)
    Membership.objects.create(user=other, clinic=clinic, role=Role.THERAPIST)
    people = {
        "supervisor": (admin_and_more, other),
        "supervisee": (other, admin_and_more),
    }[part]
    with pytest.raises(ValidationError):
        admin_services.supervision_link_create(
            actor=admin_and_more,
            clinic=clinic,
            supervisor=people[0],
            supervisee=people[1],
            started_on=dt.date(2026, 3, 1),
            now=NOW,
        )
    assert not Supervision.objects.filter(
        supervisor=people[0], supervisee=people[1]
    ).exists()


def test_a_pending_cosignature_link_does_not_hold_notes_yet(
    admin, clinic, new_supervisor, other_therapist
):
    link = admin_services.supervision_link_create(
        actor=admin,
        clinic=clinic,
        supervisor=new_supervisor,
        supervisee=other_therapist,
        started_on=dt.date(2026, 3, 1),
        now=NOW,
        cosign_required=True,
    )
    assert not access.cosignature_required(
        other_therapist, clinic_id=clinic.pk, on=TODAY
    )
    services.supervision_link_accept(actor=other_therapist, link_id=link.pk, now=NOW)
    assert access.cosignature_required(other_therapist, clinic_id=clinic.pk, on=TODAY)


def test_the_supervisee_answers_from_the_home_page(login, proposed, other_therapist):
    page = login(other_therapist).get(reverse("clinic:home")).content.decode()
    assert "Supervision proposed to you" in page
    assert proposed.supervisor.full_name in page
    response = login(other_therapist).post(
        reverse("clinic:supervision_accept", args=[proposed.pk])
    )
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.accepted_at is not None
    page = login(other_therapist).get(reverse("clinic:home")).content.decode()
    assert "Supervision proposed to you" not in page


def test_the_admin_sees_which_links_wait(login, admin, proposed):
    page = login(admin).get(reverse("clinic:supervision_list")).content.decode()
    assert "awaiting the supervisee" in page
