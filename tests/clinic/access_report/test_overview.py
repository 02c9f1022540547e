"""The clinic admin's month of accesses (the people who opened the most
clients, break-glass and cover page accesses, refusals) and the audit
chain's last check, which ``audit_verify`` records."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.access_report.kinds import BREAK_GLASS_PAGE, COVER_PAGE
from clinic.audit import VERIFIED_FILE, audit_record, audit_records
from clinic.models import AuditAction, AuditEvent, Role
from tests.database_roles import as_database_owner
from tests.factories import ClientFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _overview(http, **query):
    return http.get(reverse("clinic:access_overview"), query)


def _verify() -> int:
    try:
        call_command(
            "audit_verify", stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0
        )
    except CommandError as error:
        return error.returncode
    return 0


# --- the month ----------------------------------------------------------------


def test_the_month_counts_who_opened_most_clients_and_the_ways_in(
    login,
    clinic,
    other_clinic,
    therapist,
    supervisor,
    other_therapist,
    admin,
    outsider,
    client,
):
    clients = [
        client,
        *ClientFactory.create_batch(3, clinic=clinic, therapist=therapist),
    ]
    elsewhere = ClientFactory(clinic=other_clinic, therapist=outsider)
    # The therapist opens four clients, twice each; the supervisor two.
    audit_records(actor=therapist, action=AuditAction.READ, objs=clients * 2)
    audit_records(actor=supervisor, action=AuditAction.READ, objs=clients[:2])
    # Another clinic's client counts for nobody here.
    audit_records(actor=outsider, action=AuditAction.READ, objs=[elsewhere] * 5)
    for object_type, times in ((COVER_PAGE, 3), (BREAK_GLASS_PAGE, 2)):
        for _ in range(times):
            audit_record(
                actor=other_therapist,
                action=AuditAction.READ,
                object_type=object_type,
                client_id=client.pk,
            )
    audit_record(
        actor=outsider,
        action=AuditAction.READ,
        object_type=COVER_PAGE,
        client_id=elsewhere.pk,
    )
    # Refusals: a colleague and an outsider asking for this clinic's client,
    # and an outsider refused their own clinic's page, which is not ours.
    login(other_therapist).get(client.get_absolute_url())
    login(outsider).get(client.get_absolute_url())
    audit_record(
        actor=outsider,
        action=AuditAction.DENIED,
        object_type="client",
        clinic_id=other_clinic.pk,
    )

    month = _overview(login(admin)).context["month"]

    assert [(reach.person, reach.clients) for reach in month.most_clients] == [
        ("Tess Therapist", 4),
        ("Sue Supervisor", 2),
        ("Otto Other", 1),
    ]
    assert (month.cover, month.break_glass, month.denied) == (3, 2, 2)


def test_the_people_are_the_ten_who_opened_most(login, clinic, admin, client):
    readers = []
    for number in range(12):
        reader = UserFactory(full_name=f"Reader {number:02d}")
        MembershipFactory(user=reader, clinic=clinic, role=Role.THERAPIST)
        readers.append(reader)
    extra = ClientFactory.create_batch(11, clinic=clinic, therapist=client.therapist)
    for number, reader in enumerate(readers):
        audit_records(
            actor=reader, action=AuditAction.READ, objs=[client, *extra[:number]]
        )

    page = _overview(login(admin))
    shown = [
        (reach.person, reach.clients) for reach in page.context["month"].most_clients
    ]

    assert shown == [
        (f"Reader {number:02d}", number + 1) for number in range(11, 1, -1)
    ]
    assert "Reader 11" in page.content.decode()
    assert "Reader 01" not in page.content.decode()


def test_the_overview_shows_the_clinic_admins_own_clinic_only(
    login, outsider, therapist, client
):
    audit_records(actor=therapist, action=AuditAction.READ, objs=[client])
    page = _overview(login(outsider))
    assert page.context["month"].most_clients == []
    assert client.code not in page.content.decode()
    assert page.context["clinic"].slug == "hilltop"


def _readers(clinic, client, count: int) -> None:
    """``count`` more colleagues, each reading the client ten times."""
    for _ in range(count):
        reader = UserFactory()
        MembershipFactory(user=reader, clinic=clinic, role=Role.THERAPIST)
        audit_records(actor=reader, action=AuditAction.READ, objs=[client] * 10)


def test_the_overview_costs_the_same_queries_however_many_rows(
    login, clinic, admin, client
):
    """The same number at 10 rows and at 210 (the navigation, which other
    areas add to, is counted in both)."""
    http = login(admin)
    http.get(reverse("clinic:absence_list"))  # the session's first reads

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert _overview(http).status_code == 200
        return len(captured)

    _readers(clinic, client, 1)
    few = queries()
    _readers(clinic, client, 20)
    assert queries() == few


# --- opening a client's report from it -----------------------------------------


def test_choosing_a_client_opens_its_report(login, admin, client):
    response = _overview(login(admin), client=client.pk)
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:access_report", args=[client.pk])


def test_another_clinics_client_cannot_be_chosen(login, admin, other_clinic, outsider):
    elsewhere = ClientFactory(clinic=other_clinic, therapist=outsider)
    response = _overview(login(admin), client=elsewhere.pk)
    assert response.status_code == 200
    assert response.context["form"].errors["client"]
    assert elsewhere.code not in response.content.decode()


def test_the_choice_offers_the_clinics_clients_by_code(login, admin, clinic, client):
    ClientFactory(clinic=clinic, therapist=client.therapist, code="RS-002")
    page = _overview(login(admin)).content.decode()
    assert "RS-001" in page
    assert "RS-002" in page
    assert "Robin" not in page


# --- the chain's last check ------------------------------------------------------


def test_before_any_check_the_chain_is_never_verified(login, admin):
    page = _overview(login(admin))
    assert page.context["verification"] is None
    assert "never verified" in page.content.decode()


def test_a_passing_check_is_shown_with_its_time_and_rows(
    login, admin, therapist, client, anchor_dir
):
    audit_records(actor=therapist, action=AuditAction.READ, objs=[client] * 3)
    assert _verify() == 0

    page = _overview(login(admin))

    verification = page.context["verification"]
    assert (verification.ok, verification.rows) == (True, 3)
    assert "intact" in page.content.decode()
    assert "3 rows" in page.content.decode()
    line = json.loads((anchor_dir / VERIFIED_FILE).read_text().splitlines()[-1])
    assert (line["rows"], line["problem"]) == (3, "")


def test_a_failing_check_is_shown_with_its_first_problem(
    login, admin, therapist, client
):
    events = audit_records(actor=therapist, action=AuditAction.READ, objs=[client] * 3)
    with as_database_owner(AuditEvent._meta.db_table), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE clinic_auditevent SET object_id = object_id + 1 WHERE id = %s",
            [events[1].pk],
        )
    assert _verify() == 1

    page = _overview(login(admin))

    verification = page.context["verification"]
    assert not verification.ok
    assert verification.problem.startswith(f"seq {events[1].seq}: edited")
    assert "broken" in page.content.decode()


def test_the_latest_check_counts_and_a_line_without_the_keys_signature_is_ignored(
    login, admin, therapist, client, anchor_dir
):
    assert _verify() == 0
    audit_records(actor=therapist, action=AuditAction.READ, objs=[client])
    assert _verify() == 0
    forged = {"at": "2099-01-01T00:00:00+00:00", "rows": 99, "problem": "", "sig": "0"}
    with (anchor_dir / VERIFIED_FILE).open("a") as file:
        file.write(json.dumps(forged) + "\n")

    verification = _overview(login(admin)).context["verification"]

    assert verification.rows == 1
    assert verification.at.year != 2099


def test_the_record_of_checks_is_not_read_as_anchors(therapist, client, anchor_dir):
    audit_records(actor=therapist, action=AuditAction.READ, objs=[client])
    assert _verify() == 0
    assert _verify() == 0
    call_command("audit_anchor", stdout=io.StringIO())
    assert _verify() == 0
