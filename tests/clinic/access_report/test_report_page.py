"""A client's access report: who read or changed which kind of record, when,
in which role and from where, for the treating therapist and the clinic
admin alone; filtered and paginated in the database; downloadable as CSV.
Never a record's text."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from attachment.models import Contact
from clinic.access_report.kinds import ACCESS_REPORT, COVER_PAGE, AccessRole
from clinic.access_report.views import REPORT_PAGE_SIZE
from clinic.audit import audit_record, audit_records
from clinic.models import AuditAction, AuditEvent, Clinic, Role
from tests.attachment.factories import ContactFactory, RuptureFactory
from tests.factories import ClientFactory, MembershipFactory, UserFactory
from tests.notes.factories import SessionNoteFactory

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


def _report(http, client, *, address: str = "127.0.0.1", **query):
    url = reverse("clinic:access_report", args=[client.pk])
    return http.get(url, query, REMOTE_ADDR=address)


def _csv(http, client, *, address: str = "127.0.0.1", **query) -> list[list[str]]:
    url = reverse("clinic:access_report_csv", args=[client.pk])
    response = http.get(url, query, REMOTE_ADDR=address)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def _shown(response) -> list[tuple[str, str, str, str]]:
    return [
        (row.person, row.role, row.action, row.kind) for row in response.context["rows"]
    ]


# --- who may read it -----------------------------------------------------------


@pytest.mark.parametrize("reader", ["therapist", "admin"])
def test_the_treating_therapist_and_the_clinic_admin_read_the_report(
    request, login, client, reader
):
    response = _report(login(request.getfixturevalue(reader)), client)
    assert response.status_code == 200
    assert "Who has seen" in response.content.decode()


@pytest.mark.parametrize(
    "reader",
    [
        "supervisor",
        "other_therapist",
        "unrelated_supervisor",
        "outsider",
        "operator",
    ],
)
@pytest.mark.parametrize("url", ["clinic:access_report", "clinic:access_report_csv"])
def test_everyone_else_is_told_the_report_does_not_exist(
    request, login, client, reader, url
):
    person = request.getfixturevalue(reader)
    response = login(person).get(reverse(url, args=[client.pk]))

    assert response.status_code == 404
    assert client.code not in response.content.decode()
    events = AuditEvent.objects.filter(actor=person)
    assert list(events.values_list("action", "object_type", "object_id")) == [
        (AuditAction.DENIED, "client", client.pk)
    ]


def test_a_therapist_who_left_the_clinic_is_refused_their_old_client(
    login, therapist, client
):
    therapist.memberships.all().delete()
    assert _report(login(therapist), client).status_code == 404


def test_the_client_page_links_to_the_report_for_its_therapist_only(
    login, therapist, supervisor, client
):
    link = reverse("clinic:access_report", args=[client.pk])
    own = login(therapist).get(client.get_absolute_url()).content.decode()
    assert link in own
    assert "Who has seen this record" in own
    supervising = login(supervisor).get(client.get_absolute_url()).content.decode()
    assert link not in supervising


def test_the_admin_pages_link_to_the_clinic_wide_view(login, admin):
    page = login(admin).get(reverse("clinic:absence_list")).content.decode()
    assert reverse("clinic:access_overview") in page


# --- what it shows -------------------------------------------------------------


def test_every_row_names_time_person_role_action_kind_and_address(
    login, therapist, supervisor, admin, client, http
):
    login(supervisor).get(client.get_absolute_url(), REMOTE_ADDR=ADDRESS)
    audit_record(
        actor=therapist,
        action=AuditAction.CREATE,
        obj=ContactFactory(client=client),
    )
    audit_record(
        actor=supervisor,
        action=AuditAction.READ,
        object_type=COVER_PAGE,
        client_id=client.pk,
    )

    response = _report(login(admin), client)

    assert _shown(response) == [
        ("Ada Admin", AccessRole.ADMIN, AuditAction.READ, "access report"),
        ("Sue Supervisor", AccessRole.COVERING, AuditAction.READ, "cover page"),
        ("Tess Therapist", AccessRole.TREATING, AuditAction.CREATE, "contact"),
        ("Sue Supervisor", AccessRole.SUPERVISING, AuditAction.READ, "client record"),
    ]
    page = response.content.decode()
    for label in ("Clinic admin", "Covering therapist", "Treating therapist"):
        assert label in page
    assert ADDRESS in page


def test_times_are_shown_in_the_clinics_time_zone(login, therapist, client):
    Clinic.objects.filter(pk=client.clinic_id).update(timezone="Pacific/Auckland")
    response = _report(login(therapist), client)
    event = AuditEvent.objects.get(object_type=ACCESS_REPORT)
    zone = ZoneInfo("Pacific/Auckland")

    row = response.context["rows"][0]
    assert (row.at, row.at.tzinfo) == (event.at, zone)
    page = response.content.decode()
    assert f"{event.at.astimezone(zone):%H:%M}" in page
    assert f"{event.at.astimezone(dt.UTC):%H:%M}" not in page


def test_opening_the_report_is_a_read_on_the_clients_trail(login, therapist, client):
    _report(login(therapist), client, address=ADDRESS)
    event = AuditEvent.objects.get()
    assert (
        event.actor,
        event.action,
        event.object_type,
        event.object_id,
        event.client_id,
        event.clinic_id,
        event.ip,
    ) == (
        therapist,
        AuditAction.READ,
        ACCESS_REPORT,
        client.pk,
        client.pk,
        client.clinic_id,
        ADDRESS,
    )


def test_another_clients_rows_are_not_shown(login, therapist, client, clinic):
    second = ClientFactory(clinic=clinic, therapist=therapist)
    audit_record(actor=therapist, action=AuditAction.READ, obj=second)
    response = _report(login(therapist), client)
    assert [row.kind for row in response.context["rows"]] == ["access report"]


# --- no clinical text ------------------------------------------------------------

DISTINCTIVE = {
    "contact": "Sent a photo of the harbour lighthouse at dawn",
    "note": "Spoke of the orchard behind the grandmother's house",
    "rupture": "Walked out when the parking fee came up",
}


@pytest.fixture
def records_read(therapist, supervisor, client):
    """Records holding distinctive text, each read and changed on the trail."""
    contact = ContactFactory(client=client, summary=DISTINCTIVE["contact"])
    note = SessionNoteFactory(client=client, subjective=DISTINCTIVE["note"])
    rupture = RuptureFactory(client=client, description=DISTINCTIVE["rupture"])
    for record in (contact, note, rupture):
        audit_record(actor=therapist, action=AuditAction.CREATE, obj=record)
        audit_record(
            actor=supervisor,
            action=AuditAction.READ,
            obj=record,
            client_id=client.pk,
        )
    assert Contact.objects.filter(summary=DISTINCTIVE["contact"]).exists()
    return [contact, note, rupture]


@pytest.mark.parametrize("reader", ["therapist", "admin"])
def test_neither_the_page_nor_the_csv_shows_a_records_text(
    request, login, client, records_read, reader
):
    http = login(request.getfixturevalue(reader))
    page = _report(http, client).content.decode()
    download = "\n".join(",".join(line) for line in _csv(http, client))

    for text in DISTINCTIVE.values():
        assert text not in page
        assert text not in download
    for kind in ("contact", "session note", "rupture"):
        assert kind in page
        assert kind in download


# --- filters ----------------------------------------------------------------


@pytest.fixture
def mixed_trail(therapist, supervisor, admin, client, records_read):
    """Reads and writes by the therapist and the supervisor, and the admin's
    change of the client's contact policy."""
    audit_record(
        actor=admin,
        action=AuditAction.UPDATE,
        object_type="clinic.contactpolicy",
        client_id=client.pk,
    )
    return client


def test_the_person_filter_shows_one_persons_rows(
    login, therapist, supervisor, mixed_trail
):
    response = _report(login(therapist), mixed_trail, person=supervisor.pk)
    assert {row[0] for row in _shown(response)} == {"Sue Supervisor"}
    assert len(_shown(response)) == 3


def test_the_person_choices_are_the_people_on_the_trail(
    login, therapist, other_therapist, mixed_trail
):
    response = _report(login(therapist), mixed_trail)
    choices = dict(response.context["filters"].form.fields["person"].choices)
    assert set(choices.values()) >= {"Tess Therapist", "Sue Supervisor", "Ada Admin"}
    assert "Otto Other" not in choices.values()
    refused = _report(login(therapist), mixed_trail, person=other_therapist.pk)
    assert refused.context["filters"].form.errors


def test_the_kind_filter_takes_every_object_type_of_the_kind(
    login, therapist, mixed_trail
):
    response = _report(login(therapist), mixed_trail, kind="session_note")
    assert {row[3] for row in _shown(response)} == {"session note"}
    assert len(_shown(response)) == 2


def test_the_role_filter_works_in_the_database(login, therapist, admin, mixed_trail):
    response = _report(login(therapist), mixed_trail, role=AccessRole.SUPERVISING)
    assert {row[1] for row in _shown(response)} == {AccessRole.SUPERVISING}
    assert response.context["page"].paginator.count == 3
    as_admin = _report(login(admin), mixed_trail, role=AccessRole.ADMIN)
    assert [row[2] for row in _shown(as_admin)] == [
        AuditAction.READ,
        AuditAction.UPDATE,
    ]


def test_the_action_filter(login, therapist, mixed_trail):
    response = _report(login(therapist), mixed_trail, action=AuditAction.CREATE)
    assert [row[3] for row in _shown(response)] == [
        "rupture",
        "session note",
        "contact",
    ]


def test_the_date_range_is_read_in_the_clinics_time_zone(login, therapist, mixed_trail):
    Clinic.objects.filter(pk=mixed_trail.clinic_id).update(
        timezone="Pacific/Kiritimati"
    )
    today = timezone.localdate(timezone.now(), ZoneInfo("Pacific/Kiritimati"))
    http = login(therapist)

    def count(**days) -> int:
        query = {name: day.isoformat() for name, day in days.items()}
        return _report(http, mixed_trail, **query).context["page"].paginator.count

    everything = count()
    assert everything > 1
    # Each request adds its own read: one more row every time.
    assert count(since=today, until=today) == everything + 1
    assert count(since=today + dt.timedelta(days=1)) == 0
    assert count(until=today - dt.timedelta(days=1)) == 0
    assert count(since=dt.date.min, until=dt.date.max) == everything + 4


# --- pagination and query counts ---------------------------------------------------


def _events(therapist, supervisor, client, count: int) -> None:
    """``count`` rows of several people, in one INSERT each."""
    half = count // 2
    audit_records(actor=therapist, action=AuditAction.READ, objs=[client] * half)
    audit_records(
        actor=supervisor, action=AuditAction.READ, objs=[client] * (count - half)
    )


def test_the_report_is_paginated_newest_first(login, therapist, supervisor, client):
    _events(therapist, supervisor, client, 240)
    http = login(therapist)
    pages = [
        _report(http, client, role=AccessRole.SUPERVISING, page=number).context["page"]
        for number in (1, 2, 3)
    ]

    assert [len(page.object_list) for page in pages] == [REPORT_PAGE_SIZE] * 2 + [20]
    shown = [event.seq for page in pages for event in page.object_list]
    trail = AuditEvent.objects.filter(client_id=client.pk, actor=supervisor)
    assert shown == list(trail.order_by("-seq").values_list("seq", flat=True))


@pytest.mark.parametrize(("rows", "shown"), [(10, 6), (300, REPORT_PAGE_SIZE)])
def test_the_page_costs_the_same_queries_however_long_the_trail(
    login, therapist, supervisor, admin, client, django_assert_num_queries, rows, shown
):
    _events(therapist, supervisor, client, rows)
    audit_record(actor=admin, action=AuditAction.UPDATE, obj=client)
    http = login(therapist)
    http.get(reverse("clinic:home"))  # the session's first reads
    with django_assert_num_queries(QUERIES):
        response = _report(http, client, role=AccessRole.TREATING, page=2)
    assert response.status_code == 200
    # 10 rows leave one page of treating rows, and page 2 is then the last.
    assert len(response.context["rows"]) == shown


# The session and the user; the reader's memberships (read once a request:
# their clinics as therapist and as admin, and the navigation's roles), the
# client, its earlier therapists; the chain's head and the read event; the
# people on the trail, the count and the page; the navigation's unread badge;
# the request's savepoints and the session's save.
QUERIES = 16


@pytest.mark.parametrize("rows", [10, 300])
def test_the_csv_costs_the_same_queries_however_long_the_trail(
    login, therapist, supervisor, client, django_assert_num_queries, rows
):
    _events(therapist, supervisor, client, rows)
    http = login(therapist)
    http.get(reverse("clinic:home"))
    with django_assert_num_queries(CSV_QUERIES):
        lines = _csv(http, client)
    assert len(lines) == rows + 2  # the header, and the export itself


# The same without the count, the page and the navigation, and with the
# rows read through one server-side cursor.
CSV_QUERIES = 14


# --- the CSV ------------------------------------------------------------------


def test_the_csv_holds_the_filtered_rows_of_every_page_and_is_audited(
    login, therapist, supervisor, client
):
    _events(therapist, supervisor, client, 120)
    lines = _csv(login(therapist), client, role=AccessRole.SUPERVISING, address=ADDRESS)

    assert lines[0] == ["client", "time", "person", "role", "action", "kind", "address"]
    assert len(lines) == 1 + 60
    assert {tuple(line[2:6]) for line in lines[1:]} == {
        ("Sue Supervisor", "supervising", "read", "client record")
    }
    assert {line[0] for line in lines[1:]} == {client.code}
    export = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (export.actor, export.object_type, export.client_id, export.ip) == (
        therapist,
        ACCESS_REPORT,
        client.pk,
        ADDRESS,
    )
    assert not AuditEvent.objects.filter(object_type=ACCESS_REPORT, action="read")


def test_the_csv_times_are_in_the_clinics_time_zone(login, therapist, client):
    Clinic.objects.filter(pk=client.clinic_id).update(timezone="Asia/Kolkata")
    lines = _csv(login(therapist), client)
    export = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert lines[1][1] == export.at.astimezone(
        dt.timezone(dt.timedelta(hours=5, minutes=30))
    ).isoformat(timespec="seconds")
    assert lines[1][1].endswith("+05:30")


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://example.test")', "+1+2", "-3", "@SUM(A1)", "\tTab"]
)
def test_csv_cells_never_start_a_formula(login, therapist, clinic, client, name):
    visitor = UserFactory(full_name=name)
    MembershipFactory(user=visitor, clinic=clinic, role=Role.THERAPIST)
    audit_record(actor=visitor, action=AuditAction.READ, obj=client)
    lines = _csv(login(therapist), client)
    cells = [cell for line in lines for cell in line]
    assert "'" + name in cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t"))]
