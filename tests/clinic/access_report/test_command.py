"""``manage.py access_report``: the report page's CSV on stdout, for a
request that arrives by letter, asked by a clinic admin of the client's
clinic or a superuser, and itself an export on the client's trail."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from clinic.access_report.exports import HEADER
from clinic.access_report.kinds import ACCESS_REPORT, BREAK_GLASS_PAGE, COVER_PAGE
from clinic.audit import audit_record
from clinic.models import AuditAction, AuditEvent, Role
from tests.factories import ClientFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[list[list[str]], str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("access_report", *args, stdout=out, stderr=err)
    return list(csv.reader(io.StringIO(out.getvalue()))), err.getvalue()


@pytest.fixture
def every_role(therapist, supervisor, other_therapist, admin, operator, client):
    """One row of each role on the client's trail."""
    for actor, object_type in (
        (therapist, "attachment.contact"),
        (supervisor, "notes.sessionnote"),
        (other_therapist, COVER_PAGE),
        (supervisor, BREAK_GLASS_PAGE),
        (admin, "clinic.contactpolicy"),
        (operator, "clinic.client"),
        (None, "clinic.client"),
    ):
        audit_record(
            actor=actor,
            action=AuditAction.READ,
            object_type=object_type,
            client_id=client.pk,
        )
    return client


def test_it_prints_every_row_with_its_role_and_the_export_itself(admin, every_role):
    lines, err = run("--client", every_role.code, "--actor", admin.email)

    assert lines[0] == list(HEADER)
    assert [(line[2], line[3], line[5]) for line in lines[1:]] == [
        ("Ada Admin", "admin", "access report"),
        ("no person (an import or a command)", "integration", "client record"),
        ("Oona Operator", "operator", "client record"),
        ("Ada Admin", "admin", "contact policy"),
        ("Sue Supervisor", "break-glass", "cover page (break-glass)"),
        ("Otto Other", "covering", "cover page"),
        ("Sue Supervisor", "supervising", "session note"),
        ("Tess Therapist", "treating", "contact"),
    ]
    assert lines[1][4] == "export"
    assert {line[0] for line in lines[1:]} == {every_role.code}
    assert err.strip() == "8 rows exported"


def test_the_run_is_an_export_event_on_the_clients_trail(admin, client):
    run("--client", client.code, "--actor", admin.email)
    event = AuditEvent.objects.get()
    assert (
        event.actor,
        event.action,
        event.object_type,
        event.object_id,
        event.client_id,
        event.clinic_id,
    ) == (
        admin,
        AuditAction.EXPORT,
        ACCESS_REPORT,
        client.pk,
        client.pk,
        client.clinic_id,
    )


def test_without_an_actor_the_export_names_nobody(client):
    lines, _ = run("--client", client.code)
    event = AuditEvent.objects.get()
    assert (event.actor, event.action) == (None, AuditAction.EXPORT)
    assert lines[1][3] == "integration"


def test_a_superuser_may_ask(operator, client):
    run("--client", client.code, "--actor", operator.email.upper())
    assert AuditEvent.objects.get().actor == operator


@pytest.mark.parametrize(
    "asker", ["therapist", "supervisor", "outsider", "other_therapist"]
)
def test_only_a_clinic_admin_of_the_clinic_or_a_superuser_may_ask(
    request, client, asker
):
    person = request.getfixturevalue(asker)
    with pytest.raises(CommandError, match="only a clinic admin"):
        run("--client", client.code, "--actor", person.email)
    assert not AuditEvent.objects.exists()


def test_an_inactive_or_unknown_actor_is_refused(admin, client):
    admin.is_active = False
    admin.save()
    for email in (admin.email, "nobody@example.test"):
        with pytest.raises(CommandError, match="no active user"):
            run("--client", client.code, "--actor", email)
    assert not AuditEvent.objects.exists()


def test_since_keeps_the_rows_from_that_day_in_the_clinics_time_zone(admin, every_role):
    today = timezone.localdate(timezone.now(), every_role.clinic.zone)
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    lines, _ = run("--client", every_role.code, "--since", today.isoformat())
    assert len(lines) == 1 + 8
    lines, err = run("--client", every_role.code, "--since", tomorrow)
    assert lines == [list(HEADER)]
    assert err.strip() == "0 rows exported"


def test_a_date_that_is_no_date_is_refused(client):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--client", client.code, "--since", "01/02/2026")
    assert not AuditEvent.objects.exists()


def test_a_code_in_two_clinics_needs_the_clinic(admin, other_clinic, outsider, client):
    ClientFactory(clinic=other_clinic, therapist=outsider, code=client.code)
    with pytest.raises(CommandError, match="--clinic"):
        run("--client", client.code)
    lines, _ = run(
        "--client", client.code, "--clinic", client.clinic.slug, "--actor", admin.email
    )
    assert AuditEvent.objects.get().client_id == client.pk
    with pytest.raises(CommandError, match="only a clinic admin"):
        run("--client", client.code, "--clinic", "hilltop", "--actor", admin.email)


def test_an_unknown_code_is_refused(client):
    with pytest.raises(CommandError, match="no client"):
        run("--client", "NOPE-1")


def test_names_that_look_like_formulas_are_printed_as_text(clinic, admin, client):
    visitor = UserFactory(full_name='=HYPERLINK("http://example.test","x")')
    MembershipFactory(user=visitor, clinic=clinic, role=Role.THERAPIST)
    audit_record(actor=visitor, action=AuditAction.READ, obj=client)
    lines, _ = run("--client", client.code, "--actor", admin.email)
    assert lines[2][2] == "'" + visitor.full_name
