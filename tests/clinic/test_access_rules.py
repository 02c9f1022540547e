"""Each function of ``clinic.access`` on its own, at its edges: a former member
of staff, a supervisor with a link that is not theirs, a user holding several
clinics, the exact refusal and its log line.  ``test_access.py`` covers the
main rules; these pin the details a careless edit would lose."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from clinic import access
from clinic.models import Membership, Role
from tests.factories import (
    ClientFactory,
    ClinicFactory,
    MembershipFactory,
    SupervisionFactory,
    UserFactory,
)

TODAY = dt.date(2026, 3, 2)


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def access_log(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "between.access"]


@pytest.fixture
def refusals(caplog):
    caplog.set_level(logging.WARNING, logger="between.access")
    return caplog


# --- who holds which role where ---------------------------------------------


def test_clinic_ids_with_role_lists_only_that_users_clinics_for_those_roles(
    clinic, other_clinic, therapist, other_therapist
):
    MembershipFactory(user=therapist, clinic=other_clinic, role=Role.ADMIN)
    MembershipFactory(user=other_therapist, clinic=other_clinic, role=Role.THERAPIST)

    assert access.clinic_ids_with_role(therapist, Role.THERAPIST) == [clinic.pk]
    assert access.clinic_ids_with_role(therapist, Role.ADMIN) == [other_clinic.pk]
    assert sorted(
        access.clinic_ids_with_role(therapist, Role.THERAPIST, Role.ADMIN)
    ) == sorted([clinic.pk, other_clinic.pk])
    assert access.clinic_ids_with_role(therapist, Role.SUPERVISOR) == []
    assert access.clinic_ids_with_role(AnonymousUser(), Role.THERAPIST) == []


def test_has_role_answers_per_role_and_per_clinic(clinic, other_clinic, therapist):
    assert access.has_role(therapist, Role.THERAPIST) is True
    assert access.has_role(therapist, Role.THERAPIST, clinic) is True
    assert access.has_role(therapist, Role.THERAPIST, other_clinic) is False
    assert access.has_role(therapist, Role.ADMIN) is False
    assert access.has_role(therapist, Role.ADMIN, clinic) is False
    assert access.has_role(AnonymousUser(), Role.THERAPIST) is False


def test_has_role_does_not_count_another_users_membership(clinic, admin, therapist):
    assert access.has_role(therapist, Role.ADMIN, clinic) is False
    assert access.has_role(admin, Role.ADMIN, clinic) is True


def test_roles_of_lists_the_users_own_roles(supervisor, admin):
    assert access.roles_of(supervisor) == {Role.THERAPIST, Role.SUPERVISOR}
    assert access.roles_of(admin) == {Role.ADMIN}
    assert access.roles_of(AnonymousUser()) == set()


def test_primary_clinic_is_the_first_membership_and_none_without_one(
    clinic, other_clinic, therapist, django_assert_num_queries
):
    MembershipFactory(user=therapist, clinic=other_clinic, role=Role.ADMIN)
    with django_assert_num_queries(1):
        found = access.primary_clinic(therapist)
        assert found.name == clinic.name
    assert access.primary_clinic(UserFactory()) is None


def test_primary_clinic_does_not_borrow_another_users_clinic(other_clinic, therapist):
    MembershipFactory(clinic=other_clinic, role=Role.THERAPIST)
    assert access.primary_clinic(therapist) == therapist.memberships.get().clinic


# --- supervision -------------------------------------------------------------


def test_current_supervisee_ids_lists_the_current_links_own_supervisees(
    clinic, supervisor, therapist, other_therapist, unrelated_supervisor
):
    assert access.current_supervisee_ids(supervisor, on=TODAY) == [therapist.pk]
    assert access.current_supervisee_ids(unrelated_supervisor, on=TODAY) == [
        other_therapist.pk
    ]
    assert access.current_supervisee_ids(supervisor, on=dt.date(2023, 12, 31)) == []


def test_current_supervisee_ids_needs_the_supervisor_role_in_that_clinic(
    clinic, therapist
):
    plain = MembershipFactory(clinic=clinic, role=Role.THERAPIST).user
    SupervisionFactory(
        clinic=clinic, supervisor=plain, supervisee=therapist, started_on=TODAY
    )
    assert access.current_supervisee_ids(plain, on=TODAY) == []


def test_a_supervisor_reads_only_the_supervisees_clients_not_the_whole_clinic(
    clinic, supervisor, client, other_therapist
):
    colleagues = ClientFactory(clinic=clinic, therapist=other_therapist)
    own = ClientFactory(clinic=clinic, therapist=supervisor)

    assert ids(access.readable_clients(supervisor, on=TODAY)) == {client.pk, own.pk}
    assert colleagues.pk not in ids(access.readable_clients(supervisor, on=TODAY))


def test_another_supervisors_link_opens_nothing_to_a_plain_supervisor(
    clinic, supervisor, client
):
    """A supervisor with no link of their own must not ride on a colleague's."""
    bystander = UserFactory()
    MembershipFactory(user=bystander, clinic=clinic, role=Role.SUPERVISOR)
    assert ids(access.readable_clients(bystander, on=TODAY)) == set()


def test_a_supervisor_holding_only_the_supervisor_role_still_reads(
    clinic, therapist, client
):
    lead = UserFactory()
    MembershipFactory(user=lead, clinic=clinic, role=Role.SUPERVISOR)
    SupervisionFactory(
        clinic=clinic, supervisor=lead, supervisee=therapist, started_on=TODAY
    )
    assert ids(access.readable_clients(lead, on=TODAY)) == {client.pk}
    assert access.client_for_reading(lead, client.pk, on=TODAY) == client


# --- who supervises whom: the one rule ----------------------------------------


def link_of(supervisor, supervisee):
    return supervisor.supervisions_given.get(supervisee=supervisee)


def supervises(user, supervisee, clinic, on=TODAY) -> bool:
    return access.is_current_supervisor(
        user, supervisee_id=supervisee.pk, clinic_id=clinic.pk, on=on
    )


def test_links_in_force_are_the_current_ones_with_the_supervisor_role(
    supervisor, therapist, unrelated_supervisor, other_therapist
):
    assert ids(access.supervision_links_in_force(on=TODAY)) == {
        link_of(supervisor, therapist).pk,
        link_of(unrelated_supervisor, other_therapist).pk,
    }
    assert ids(access.supervision_links_in_force(on=dt.date(2023, 12, 31))) == set()


def test_a_former_supervisor_supervises_nobody_after_the_links_last_day(
    clinic, supervisor, therapist
):
    last_day = TODAY - dt.timedelta(days=1)
    link = link_of(supervisor, therapist)
    link.ended_on = last_day
    link.save()

    assert supervises(supervisor, therapist, clinic, on=last_day) is True
    assert supervises(supervisor, therapist, clinic) is False
    assert access.current_supervisee_ids(supervisor, on=last_day) == [therapist.pk]
    assert access.current_supervisee_ids(supervisor, on=TODAY) == []
    assert ids(access.supervision_links_in_force(on=last_day)) == {link.pk}
    assert ids(access.supervision_links_in_force(on=TODAY)) == set()


def test_a_supervisor_whose_supervisor_role_was_removed_supervises_nobody(
    clinic, supervisor, therapist
):
    Membership.objects.filter(
        user=supervisor, clinic=clinic, role=Role.SUPERVISOR
    ).delete()

    assert access.has_role(supervisor, Role.THERAPIST, clinic) is True
    assert supervises(supervisor, therapist, clinic) is False
    assert access.current_supervisee_ids(supervisor, on=TODAY) == []
    assert ids(access.supervision_links_in_force(on=TODAY)) == set()


def test_someone_elses_supervisor_role_keeps_no_link_in_force(
    clinic, supervisor, therapist, unrelated_supervisor, other_therapist
):
    Membership.objects.filter(
        user=supervisor, clinic=clinic, role=Role.SUPERVISOR
    ).delete()

    assert supervises(supervisor, therapist, clinic) is False
    assert ids(access.supervision_links_in_force(on=TODAY)) == {
        link_of(unrelated_supervisor, other_therapist).pk
    }


def test_a_link_in_another_clinic_needs_the_supervisor_role_there(
    clinic, other_clinic, supervisor
):
    trainee = MembershipFactory(clinic=other_clinic, role=Role.THERAPIST).user
    link = SupervisionFactory(
        clinic=other_clinic, supervisor=supervisor, supervisee=trainee
    )

    assert supervises(supervisor, trainee, other_clinic) is False
    assert trainee.pk not in access.current_supervisee_ids(supervisor, on=TODAY)
    assert link.pk not in ids(access.supervision_links_in_force(on=TODAY))

    MembershipFactory(user=supervisor, clinic=other_clinic, role=Role.SUPERVISOR)
    assert supervises(supervisor, trainee, other_clinic) is True
    assert trainee.pk in access.current_supervisee_ids(supervisor, on=TODAY)
    assert link.pk in ids(access.supervision_links_in_force(on=TODAY))


def test_a_link_counts_only_in_its_own_clinic(
    clinic, other_clinic, supervisor, therapist
):
    MembershipFactory(user=supervisor, clinic=other_clinic, role=Role.SUPERVISOR)
    assert supervises(supervisor, therapist, clinic) is True
    assert supervises(supervisor, therapist, other_clinic) is False


def test_a_link_not_yet_started_counts_from_its_first_day(
    clinic, supervisor, other_therapist
):
    tomorrow = TODAY + dt.timedelta(days=1)
    link = SupervisionFactory(
        clinic=clinic,
        supervisor=supervisor,
        supervisee=other_therapist,
        started_on=tomorrow,
    )

    assert supervises(supervisor, other_therapist, clinic) is False
    assert other_therapist.pk not in access.current_supervisee_ids(supervisor, on=TODAY)
    assert link.pk not in ids(access.supervision_links_in_force(on=TODAY))
    assert supervises(supervisor, other_therapist, clinic, on=tomorrow) is True
    assert other_therapist.pk in access.current_supervisee_ids(supervisor, on=tomorrow)
    assert link.pk in ids(access.supervision_links_in_force(on=tomorrow))


def test_nobody_signed_out_supervises_anyone(clinic, supervisor, therapist):
    assert supervises(AnonymousUser(), therapist, clinic) is False
    assert access.current_supervisee_ids(AnonymousUser(), on=TODAY) == []


def test_is_current_supervisor_asks_about_that_supervisee_only(
    clinic, supervisor, therapist, other_therapist, unrelated_supervisor
):
    assert supervises(supervisor, therapist, clinic) is True
    assert supervises(supervisor, other_therapist, clinic) is False
    assert supervises(unrelated_supervisor, therapist, clinic) is False
    assert supervises(therapist, supervisor, clinic) is False


# --- former members of staff -------------------------------------------------


def test_a_therapist_who_left_the_clinic_keeps_no_access_to_their_clients(
    clinic, therapist, client, refusals
):
    Membership.objects.filter(user=therapist, clinic=clinic).delete()

    assert ids(access.writable_clients(therapist)) == set()
    assert ids(access.readable_clients(therapist, on=TODAY)) == set()
    with pytest.raises(Http404):
        access.client_for_writing(therapist, client.pk, on=TODAY)
    with pytest.raises(Http404):
        access.client_for_reading(therapist, client.pk, on=TODAY)


def test_a_therapist_now_only_an_admin_cannot_write_their_old_clients(
    clinic, therapist, client
):
    Membership.objects.filter(user=therapist, clinic=clinic).update(role=Role.ADMIN)
    assert ids(access.writable_clients(therapist)) == set()
    with pytest.raises(PermissionDenied):
        access.client_for_writing(therapist, client.pk, on=TODAY)


# --- fetching one client -----------------------------------------------------


def test_client_for_reading_loads_clinic_and_therapist_in_one_query(
    supervisor, client, django_assert_num_queries
):
    found = access.client_for_reading(supervisor, client.pk, on=TODAY)
    with django_assert_num_queries(0):
        assert found.clinic.slug == client.clinic.slug
        assert found.therapist.email == client.therapist.email


def test_client_for_writing_loads_clinic_and_therapist_in_one_query(
    therapist, client, django_assert_num_queries
):
    found = access.client_for_writing(therapist, client.pk, on=TODAY)
    assert found == client
    with django_assert_num_queries(0):
        assert found.clinic.slug == client.clinic.slug
        assert found.therapist.email == therapist.email


def test_client_for_configuring_loads_the_clinic(
    admin, client, django_assert_num_queries
):
    found = access.client_for_configuring(admin, client.pk)
    assert found == client
    with django_assert_num_queries(0):
        assert found.clinic.slug == client.clinic.slug


def test_each_fetch_returns_the_client_asked_for_not_another(
    clinic, therapist, supervisor, admin, client
):
    second = ClientFactory(clinic=clinic, therapist=therapist)
    assert access.client_for_reading(supervisor, second.pk, on=TODAY) == second
    assert access.client_for_writing(therapist, second.pk, on=TODAY) == second
    assert access.client_for_configuring(admin, second.pk) == second


# --- refusals: the answer, the message and the log line ------------------------


def test_a_refused_write_by_a_supervisor_is_403_naming_the_client(
    supervisor, client, refusals
):
    with pytest.raises(PermissionDenied) as raised:
        access.client_for_writing(supervisor, client.pk, on=TODAY)
    assert str(raised.value) == "You may not do this."
    assert access_log(refusals) == [
        f"access denied status=403 user={supervisor.pk} object=client id={client.pk}"
    ]


def test_a_refused_write_by_the_admin_is_403(admin, client, refusals):
    with pytest.raises(PermissionDenied):
        access.client_for_writing(admin, client.pk, on=TODAY)
    assert access_log(refusals) == [
        f"access denied status=403 user={admin.pk} object=client id={client.pk}"
    ]


def test_a_refused_read_by_the_admin_is_403_naming_the_client(admin, client, refusals):
    with pytest.raises(PermissionDenied):
        access.client_for_reading(admin, client.pk, on=TODAY)
    assert access_log(refusals) == [
        f"access denied status=403 user={admin.pk} object=client id={client.pk}"
    ]


def test_an_unknown_client_is_404_with_its_id_in_the_log(
    other_therapist, client, refusals
):
    with pytest.raises(Http404) as raised:
        access.client_for_writing(other_therapist, client.pk, on=TODAY)
    assert str(raised.value) == "Not found"
    assert access_log(refusals) == [
        f"access denied status=404 user={other_therapist.pk} object=client "
        f"id={client.pk}"
    ]


def test_configuring_someone_elses_client_is_404_with_its_id_in_the_log(
    therapist, client, refusals
):
    with pytest.raises(Http404):
        access.client_for_configuring(therapist, client.pk)
    assert access_log(refusals) == [
        f"access denied status=404 user={therapist.pk} object=client id={client.pk}"
    ]


def test_an_anonymous_refusal_logs_no_user(client, refusals):
    with pytest.raises(Http404):
        access.client_for_reading(AnonymousUser(), client.pk, on=TODAY)
    assert access_log(refusals) == [
        f"access denied status=404 user=None object=client id={client.pk}"
    ]


def test_refusals_made_while_collecting_are_kept_in_order_with_ids_only(
    supervisor, other_therapist, client
):
    with access.refusals_collected() as collected:
        with pytest.raises(Http404):
            access.client_for_reading(other_therapist, client.pk, on=TODAY)
        with pytest.raises(PermissionDenied):
            access.client_for_writing(supervisor, client.pk, on=TODAY)
        access.forbidden(AnonymousUser(), "clinic-admin", None)
    access.not_found(other_therapist, "client", client.pk)  # after the block

    assert collected == [
        access.Refusal(
            actor_id=other_therapist.pk,
            object_type="client",
            object_id=client.pk,
            status=404,
        ),
        access.Refusal(
            actor_id=supervisor.pk,
            object_type="client",
            object_id=client.pk,
            status=403,
        ),
        access.Refusal(
            actor_id=None, object_type="clinic-admin", object_id=None, status=403
        ),
    ]


def test_a_refusal_keeps_an_id_only_if_an_audit_row_can_hold_it(therapist):
    asked = [2**63 - 1, -(2**63), 2**63, -(2**63) - 1, True, "12", None]
    with access.refusals_collected() as collected:
        for object_id in asked:
            access.not_found(therapist, "client", object_id)
    assert [refusal.object_id for refusal in collected] == [
        2**63 - 1,
        -(2**63),
        None,
        None,
        None,
        None,
        None,
    ]


# --- the admin's clinic and the clinical area ---------------------------------


def test_admin_clinic_is_the_clinic_the_user_administers(admin, clinic):
    assert access.admin_clinic(admin) == clinic


def test_admin_clinic_is_403_for_a_clinician(therapist, refusals):
    with pytest.raises(PermissionDenied):
        access.admin_clinic(therapist)
    assert access_log(refusals) == [
        f"access denied status=403 user={therapist.pk} object=clinic-admin id=None"
    ]


def test_admin_clinic_is_the_first_when_one_administers_several(admin, clinic):
    later = ClinicFactory()
    MembershipFactory(user=admin, clinic=later, role=Role.ADMIN)
    assert access.admin_clinic(admin) == clinic


def test_admin_clinic_ignores_the_users_therapist_clinic(therapist, other_clinic):
    MembershipFactory(user=therapist, clinic=other_clinic, role=Role.ADMIN)
    assert access.admin_clinic(therapist) == other_clinic


def test_the_clinical_area_is_open_to_therapists_and_supervisors_only(
    clinic, therapist, admin, refusals
):
    access.require_clinical_role(therapist)
    lead = UserFactory()
    MembershipFactory(user=lead, clinic=clinic, role=Role.SUPERVISOR)
    access.require_clinical_role(lead)
    assert access_log(refusals) == []

    with pytest.raises(PermissionDenied):
        access.require_clinical_role(admin)
    assert access_log(refusals) == [
        f"access denied status=403 user={admin.pk} object=clinical-area id=None"
    ]
