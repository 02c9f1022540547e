"""A request reads its user's memberships once (clinic.access), and a role
given or taken away meanwhile counts at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic import access
from clinic.models import Membership, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_request_reads_the_memberships_once(therapist, django_assert_num_queries):
    with access.memberships_remembered():
        with django_assert_num_queries(1):
            assert access.roles_of(therapist) == {Role.THERAPIST}
            assert access.has_role(therapist, Role.THERAPIST)
            assert not access.has_role(therapist, Role.SUPERVISOR)
            assert access.clinic_ids_with_role(therapist, Role.THERAPIST)


def test_a_role_given_within_the_request_counts_at_once(therapist, clinic):
    with access.memberships_remembered():
        assert not access.has_role(therapist, Role.SUPERVISOR, clinic)
        MembershipFactory(user=therapist, clinic=clinic, role=Role.SUPERVISOR)
        assert access.has_role(therapist, Role.SUPERVISOR, clinic)


def test_a_role_taken_away_within_the_request_counts_at_once(therapist, clinic):
    with access.memberships_remembered():
        assert access.clinic_ids_with_role(therapist, Role.THERAPIST) == [clinic.pk]
        Membership.objects.filter(user=therapist).delete()
        assert access.clinic_ids_with_role(therapist, Role.THERAPIST) == []
        assert access.roles_of(therapist) == set()


def test_outside_a_request_every_question_reads_the_database(
    therapist, clinic, django_assert_num_queries
):
    with django_assert_num_queries(2):
        assert access.has_role(therapist, Role.THERAPIST)
        assert access.has_role(therapist, Role.THERAPIST, clinic)


def test_each_request_reads_them_afresh(login, therapist, clinic):
    http = login(therapist)
    assert http.get(reverse("clinic:home")).status_code == 200
    Membership.objects.filter(user=therapist).delete()
    MembershipFactory(user=therapist, clinic=clinic, role=Role.ADMIN)

    response = http.get(reverse("clinic:home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:manage_clients")
