"""The role of each row of a client's trail, worked out when the report is
read: the page it names first, then who the person was to the client."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clinic.access_report.kinds import (
    BREAK_GLASS_GRANT,
    BREAK_GLASS_PAGE,
    COVER_PAGE,
    AccessRole,
)
from clinic.audit import audit_record
from clinic.models import AuditAction, Client, Role
from tests.attachment.factories import ContactFactory
from tests.clinic.access_report.conftest import roles_by_event
from tests.factories import (
    AbsenceFactory,
    MembershipFactory,
    SupervisionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _read(actor, client, **fields):
    return audit_record(actor=actor, action=AuditAction.READ, obj=client, **fields)


def _role(event, client) -> str:
    return roles_by_event(client)[event.pk]


def test_the_clients_therapist_reads_as_treating(therapist, client):
    assert _role(_read(therapist, client), client) == AccessRole.TREATING


def test_an_earlier_therapist_in_the_clients_history_is_treating_too(
    therapist, other_therapist, client
):
    earlier_read = _read(therapist, client)
    Client.objects.filter(pk=client.pk).update(therapist=other_therapist)
    client.refresh_from_db()
    newer_read = _read(other_therapist, client)
    later_read = _read(therapist, client)

    roles = roles_by_event(client)
    assert roles[earlier_read.pk] == AccessRole.TREATING
    assert roles[newer_read.pk] == AccessRole.TREATING
    assert roles[later_read.pk] == AccessRole.TREATING


def test_without_the_move_in_its_history_a_colleague_is_other(other_therapist, client):
    assert _role(_read(other_therapist, client), client) == AccessRole.OTHER


def test_the_therapists_supervisor_reads_as_supervising(supervisor, client):
    assert _role(_read(supervisor, client), client) == AccessRole.SUPERVISING


def test_a_supervisor_of_an_earlier_therapist_is_supervising(
    other_therapist, unrelated_supervisor, client
):
    """``unrelated_supervisor`` supervises ``other_therapist``, who treated
    the client first."""
    Client.objects.filter(pk=client.pk).update(therapist=other_therapist)
    Client.objects.filter(pk=client.pk).update(therapist=client.therapist)
    event = _read(unrelated_supervisor, client)
    assert _role(event, client) == AccessRole.SUPERVISING


@pytest.mark.parametrize(
    "link",
    [
        pytest.param({"ended_on": dt.date(2025, 1, 31)}, id="ended"),
        pytest.param({"accepted_at": None}, id="never accepted"),
        pytest.param({"starts_in_days": 2}, id="not begun"),
    ],
)
def test_a_link_not_in_force_on_the_rows_day_is_not_supervising(
    clinic, therapist, client, link
):
    colleague = UserFactory(full_name="Lin Link")
    MembershipFactory(user=colleague, clinic=clinic, role=Role.SUPERVISOR)
    today = timezone.localdate(timezone.now(), clinic.zone)
    started_on = today + dt.timedelta(days=link.pop("starts_in_days", 0))
    if "ended_on" in link:
        started_on = dt.date(2025, 1, 1)
    SupervisionFactory(
        clinic=clinic,
        supervisor=colleague,
        supervisee=therapist,
        started_on=started_on,
        **link,
    )
    assert _role(_read(colleague, client), client) == AccessRole.OTHER


def test_a_link_in_another_clinic_is_not_supervising(
    other_clinic, therapist, outsider, client
):
    SupervisionFactory(
        clinic=other_clinic,
        supervisor=outsider,
        supervisee=therapist,
        started_on=dt.date(2024, 1, 1),
    )
    assert _role(_read(outsider, client), client) == AccessRole.OTHER


def test_a_clinic_admin_of_the_clinic_is_admin(admin, client):
    assert _role(_read(admin, client), client) == AccessRole.ADMIN


def test_an_admin_of_another_clinic_is_other(outsider, client):
    assert _role(_read(outsider, client), client) == AccessRole.OTHER


def test_a_superuser_without_a_membership_is_the_operator(operator, client):
    assert _role(_read(operator, client), client) == AccessRole.OPERATOR


def test_a_superuser_who_works_in_the_clinic_is_read_by_that_work(
    clinic, client, other_therapist
):
    other_therapist.is_superuser = True
    other_therapist.save()
    assert _role(_read(other_therapist, client), client) == AccessRole.OTHER
    MembershipFactory(user=other_therapist, clinic=clinic, role=Role.ADMIN)
    assert _role(_read(other_therapist, client), client) == AccessRole.ADMIN


def test_a_row_without_a_person_is_an_integration(client):
    assert _role(_read(None, client), client) == AccessRole.INTEGRATION


@pytest.mark.parametrize(
    ("object_type", "role"),
    [(COVER_PAGE, AccessRole.COVERING), (BREAK_GLASS_PAGE, AccessRole.BREAK_GLASS)],
)
def test_a_cover_or_break_glass_page_names_the_role_whoever_opens_it(
    other_therapist, supervisor, client, object_type, role
):
    for person in (other_therapist, supervisor):
        event = audit_record(
            actor=person,
            action=AuditAction.READ,
            object_type=object_type,
            client_id=client.pk,
            clinic_id=client.clinic_id,
        )
        assert _role(event, client) == role


def test_breaking_glass_is_on_the_trail_as_break_glass_and_its_review_is_not(
    other_therapist, supervisor, client
):
    def grant(actor, action):
        return audit_record(
            actor=actor,
            action=action,
            object_type=BREAK_GLASS_GRANT,
            client_id=client.pk,
        )

    broken = grant(other_therapist, AuditAction.CREATE)
    reviewed = grant(supervisor, AuditAction.UPDATE)
    roles = roles_by_event(client)
    assert roles[broken.pk] == AccessRole.BREAK_GLASS
    assert roles[reviewed.pk] == AccessRole.SUPERVISING


def _absence_of(client, cover, *, days_from_today: tuple[int, int]):
    """An absence of the client's therapist, ``cover`` covering."""
    today = timezone.localdate(timezone.now(), client.clinic.zone)
    first, last = days_from_today
    return AbsenceFactory(
        clinic=client.clinic,
        therapist=client.therapist,
        covering_therapist=cover,
        starts_on=today + dt.timedelta(days=first),
        ends_on=today + dt.timedelta(days=last),
    )


def test_the_cover_of_the_therapists_absence_that_day_is_covering(
    other_therapist, client
):
    _absence_of(client, other_therapist, days_from_today=(-1, 0))
    logged = audit_record(
        actor=other_therapist,
        action=AuditAction.CREATE,
        obj=ContactFactory(client=client),
    )
    assert _role(logged, client) == AccessRole.COVERING


@pytest.mark.parametrize("days", [(-9, -1), (1, 5)], ids=["over", "to come"])
def test_a_cover_outside_the_absence_is_not_covering(other_therapist, client, days):
    _absence_of(client, other_therapist, days_from_today=days)
    logged = audit_record(
        actor=other_therapist,
        action=AuditAction.CREATE,
        obj=ContactFactory(client=client),
    )
    assert _role(logged, client) == AccessRole.OTHER


def test_the_role_strings_are_the_ones_the_report_and_csv_use():
    assert {role.value for role in AccessRole} == {
        "treating",
        "supervising",
        "covering",
        "break-glass",
        "admin",
        "operator",
        "integration",
        "other",
    }
