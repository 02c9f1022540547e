"""The cover and break-glass rules of ``clinic.access`` on their own, at
their edges (the clinic's date, a cover in two clinics, a trainee in one
clinic of two, a client code shared by two clinics), and the database's
guard of a break-glass grant's shape."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404

from clinic import access
from clinic.models import (
    BREAK_GLASS_DURATION,
    BreakGlassGrant,
    BreakGlassReason,
    BreakGlassVerdict,
    ClientStatus,
    Role,
)
from tests.factories import (
    AbsenceFactory,
    ClientFactory,
    ClinicFactory,
    MembershipFactory,
    SupervisionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Noon in London on a Monday of the absence below.
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture
def cover(clinic):
    user = UserFactory(full_name="Cora Cover")
    MembershipFactory(user=user, clinic=clinic, role=Role.THERAPIST)
    return user


@pytest.fixture
def absence(clinic, therapist, cover):
    return AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        covering_therapist=cover,
        starts_on=TODAY - dt.timedelta(days=3),
        ends_on=TODAY,
    )


def _grant(client, grantee, *, granted_at=NOW, **fields) -> BreakGlassGrant:
    values = {
        "reason": BreakGlassReason.CRISIS_CONTACT,
        "explanation": "A crisis text, and nobody else could answer it.",
        **fields,
    }
    return BreakGlassGrant.objects.create(
        clinic=client.clinic,
        client=client,
        grantee=grantee,
        granted_at=granted_at,
        expires_at=granted_at + BREAK_GLASS_DURATION,
        **values,
    )


# --- cover ---------------------------------------------------------------------


def test_the_cover_opens_on_the_absences_days_in_the_clinics_time_zone(
    clinic, cover, client, absence
):
    last_evening = dt.datetime.combine(TODAY, dt.time(23, 30), clinic.zone)
    opened = access.client_for_cover(cover, client.pk, now=last_evening)
    assert (opened.client, opened.absence, opened.object_type) == (
        client,
        absence,
        access.COVER_PAGE,
    )
    with pytest.raises(Http404):
        access.client_for_cover(
            cover, client.pk, now=last_evening + dt.timedelta(hours=1)
        )
    first_morning = dt.datetime.combine(absence.starts_on, dt.time(0, 5), clinic.zone)
    assert access.client_for_cover(cover, client.pk, now=first_morning).absence
    with pytest.raises(Http404):
        access.client_for_cover(
            cover, client.pk, now=first_morning - dt.timedelta(minutes=10)
        )


def test_covered_clients_are_the_absent_therapists_in_therapy_in_that_clinic(
    clinic, other_clinic, cover, therapist, client, absence
):
    ending = ClientFactory(
        clinic=clinic, therapist=therapist, status=ClientStatus.ENDING
    )
    ClientFactory(
        clinic=clinic,
        therapist=therapist,
        status=ClientStatus.ENDED,
        ended_on=client.started_on,
    )
    # The therapist's client in another clinic, where the absence is not.
    MembershipFactory(user=therapist, clinic=other_clinic, role=Role.THERAPIST)
    ClientFactory(clinic=other_clinic, therapist=therapist)
    covered = set(access.covered_clients(cover, now=NOW))
    assert covered == {client, ending}


def test_a_cover_in_two_clinics_covers_each_by_its_own_date(
    clinic, cover, client, absence
):
    far = ClinicFactory(timezone="Pacific/Kiritimati")  # UTC+14
    MembershipFactory(user=cover, clinic=far, role=Role.THERAPIST)
    away = UserFactory()
    MembershipFactory(user=away, clinic=far, role=Role.THERAPIST)
    theirs = ClientFactory(clinic=far, therapist=away)
    AbsenceFactory(
        clinic=far,
        therapist=away,
        covering_therapist=cover,
        starts_on=TODAY + dt.timedelta(days=1),
        ends_on=TODAY + dt.timedelta(days=1),
    )
    # 12:00 UTC is already tomorrow in Kiritimati.
    assert set(access.covered_clients(cover, now=NOW)) == {client, theirs}


def test_nobody_but_the_named_cover_is_covering(
    clinic, client, absence, therapist, supervisor, other_therapist, admin
):
    for person in (therapist, supervisor, other_therapist, admin):
        assert not access.covered_clients(person, now=NOW).exists()


def test_refusals_say_403_only_to_those_who_know_the_client(
    client, absence, therapist, supervisor, admin, other_therapist, outsider
):
    for person in (therapist, supervisor, admin):
        with pytest.raises(PermissionDenied):
            access.client_for_cover(person, client.pk, now=NOW)
    for person in (other_therapist, outsider):
        with pytest.raises(Http404):
            access.client_for_cover(person, client.pk, now=NOW)


# --- break-glass -----------------------------------------------------------------


def test_a_grant_opens_from_its_moment_for_twelve_hours(client, other_therapist):
    grant = _grant(client, other_therapist)
    opened = access.client_for_cover(other_therapist, client.pk, now=NOW)
    assert (opened.grant, opened.object_type) == (grant, access.BREAK_GLASS_PAGE)
    last = NOW + BREAK_GLASS_DURATION - dt.timedelta(seconds=1)
    assert access.client_for_cover(other_therapist, client.pk, now=last).grant
    for outside in (NOW - dt.timedelta(seconds=1), NOW + BREAK_GLASS_DURATION):
        with pytest.raises(Http404):
            access.client_for_cover(other_therapist, client.pk, now=outside)


def test_a_grant_of_someone_who_left_the_clinic_opens_nothing(client, other_therapist):
    _grant(client, other_therapist)
    other_therapist.memberships.all().delete()
    with pytest.raises(Http404):
        access.client_for_cover(other_therapist, client.pk, now=NOW)


def test_only_clinicians_who_are_no_trainee_there_may_break_glass(
    clinic, other_clinic, supervisor, other_therapist, admin, outsider
):
    trainee = UserFactory()
    MembershipFactory(user=trainee, clinic=clinic, role=Role.THERAPIST)
    MembershipFactory(user=trainee, clinic=other_clinic, role=Role.THERAPIST)
    SupervisionFactory(
        clinic=clinic,
        supervisor=supervisor,
        supervisee=trainee,
        started_on=TODAY - dt.timedelta(days=100),
        cosign_required=True,
    )
    assert access.break_glass_clinic_ids(trainee, now=NOW) == [other_clinic.pk]
    assert access.break_glass_clinic_ids(other_therapist, now=NOW) == [clinic.pk]
    assert access.break_glass_clinic_ids(outsider, now=NOW) == [other_clinic.pk]
    with pytest.raises(PermissionDenied):
        access.require_break_glass_role(admin, now=NOW)


def test_a_code_is_found_only_in_a_clinic_where_the_user_may_break_glass(
    clinic, other_clinic, client, other_therapist, outsider
):
    twin = ClientFactory(
        clinic=other_clinic,
        therapist=UserFactory(),
        code=client.code,
    )
    assert (
        access.client_for_break_glass(other_therapist, client.code, now=NOW) == client
    )
    assert access.client_for_break_glass(outsider, client.code, now=NOW) == twin
    for code in (client.code.lower(), f" {client.code}", "RS-00"):
        with pytest.raises(Http404):
            access.client_for_break_glass(other_therapist, code, now=NOW)


def test_who_has_a_way_in_needs_no_break_glass(
    client, absence, therapist, supervisor, cover, other_therapist
):
    for person in (therapist, supervisor, cover):
        assert access.break_glass_needless(person, client, now=NOW)
    assert access.break_glass_needless(other_therapist, client, now=NOW) is None


def test_grants_are_reviewed_by_the_clinic_admin_and_current_supervisors(
    client, other_therapist, admin, supervisor, unrelated_supervisor, outsider
):
    grant = _grant(client, other_therapist)
    for reviewer in (admin, supervisor):
        assert list(access.break_glass_grants_reviewable(reviewer, on=TODAY)) == [grant]
    for stranger in (unrelated_supervisor, outsider, other_therapist):
        assert not access.break_glass_grants_reviewable(stranger, on=TODAY).exists()


# --- the database's guard ---------------------------------------------------------


def _refused(client, grantee, **fields) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _grant(client, grantee, **fields)


def test_a_grant_lasts_exactly_twelve_hours(client, other_therapist):
    with pytest.raises(IntegrityError), transaction.atomic():
        BreakGlassGrant.objects.create(
            clinic=client.clinic,
            client=client,
            grantee=other_therapist,
            reason=BreakGlassReason.OTHER,
            explanation="Long enough to say why, surely.",
            granted_at=NOW,
            expires_at=NOW + dt.timedelta(hours=13),
        )


def test_a_grant_needs_twenty_characters_of_reason(client, other_therapist):
    _refused(client, other_therapist, explanation="   short reason     ")
    _refused(client, other_therapist, reason="because")
    _grant(client, other_therapist, explanation="x" * 20)


def test_a_review_has_a_verdict_a_note_a_reviewer_and_a_time(
    client, other_therapist, admin
):
    _refused(client, other_therapist, verdict=BreakGlassVerdict.JUSTIFIED)
    _refused(
        client,
        other_therapist,
        verdict=BreakGlassVerdict.JUSTIFIED,
        review_note="  ",
        reviewed_by=admin,
        reviewed_at=NOW,
    )
    _refused(
        client,
        other_therapist,
        verdict=BreakGlassVerdict.JUSTIFIED,
        review_note="Fine.",
        reviewed_by=other_therapist,
        reviewed_at=NOW,
    )
    _grant(
        client,
        other_therapist,
        verdict=BreakGlassVerdict.JUSTIFIED,
        review_note="Fine.",
        reviewed_by=admin,
        reviewed_at=NOW,
    )
