"""Queries drawn from the access report's own forms, about half of them
valid: the report lists exactly the rows its valid filters select (an
invalid filter is left out, the valid ones still apply), and the clinic
admin's choice of a client opens that client's report or comes back with the
form's error.  Never a server error.

The trail is built once per test; each example runs inside a savepoint that
is rolled back afterwards, so its own read of the report leaves no trace for
the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from hypothesis import event, given
from hypothesis import strategies as st

from clinic.access_report.filters import AccessReportFilter
from clinic.access_report.forms import ReportClientForm
from clinic.access_report.kinds import (
    ACCESS_REPORT,
    BREAK_GLASS_PAGE,
    COVER_PAGE,
    KIND_OF_TYPE,
    AccessRole,
)
from clinic.access_report.selectors import people_on_trail
from clinic.audit import audit_record
from clinic.models import AuditAction, AuditEvent, Client, User
from tests.factories import ClientFactory
from tests.strategies import (
    FIXTURES_RESET,
    GARBAGE,
    as_posted,
    form_data,
    rolled_back,
    signed_in,
    valid_share,
)


@dataclass(frozen=True)
class Row:
    seq: int
    actor_id: int | None
    kind: str
    role: str
    action: str


@dataclass
class Trail:
    client: Client
    people: list[User]
    rows: list[Row]
    as_therapist: Callable[[], HttpClient]
    queries: st.SearchStrategy[dict[str, Any]] = field(default=st.nothing(), repr=False)

    def filters(self, data=None) -> AccessReportFilter:
        """The report's filters for ``data``; validating them reads no row."""
        return AccessReportFilter(
            data,
            queryset=AuditEvent.objects.none(),
            people=self.people,
            zone=self.client.clinic.zone,
        )


# (who, action, object type, the role the report must give)
SHAPES = [
    ("therapist", AuditAction.READ, "clinic.client", AccessRole.TREATING),
    ("therapist", AuditAction.CREATE, "attachment.contact", AccessRole.TREATING),
    ("supervisor", AuditAction.READ, "notes.sessionnote", AccessRole.SUPERVISING),
    ("supervisor", AuditAction.READ, BREAK_GLASS_PAGE, AccessRole.BREAK_GLASS),
    ("other_therapist", AuditAction.READ, COVER_PAGE, AccessRole.COVERING),
    ("admin", AuditAction.UPDATE, "clinic.contactpolicy", AccessRole.ADMIN),
    (None, AuditAction.UPDATE, "clinic.client", AccessRole.INTEGRATION),
]


@pytest.fixture
def trail(request, client) -> Trail:
    rows = []
    for who, action, object_type, role in SHAPES:
        actor = request.getfixturevalue(who) if who else None
        written = audit_record(
            actor=actor, action=action, object_type=object_type, client_id=client.pk
        )
        rows.append(
            Row(written.seq, written.actor_id, KIND_OF_TYPE[object_type], role, action)
        )
    therapist = client.therapist
    found = Trail(
        client=client,
        people=list(people_on_trail(client=client)),
        rows=rows,
        as_therapist=signed_in(therapist),
    )
    page = st.one_of(st.just({}), st.fixed_dictionaries({"page": GARBAGE}))
    found.queries = st.builds(
        lambda query, paging: {**query, **paging},
        form_data(found.filters().form),
        page,
    )
    return found


def _selected(rows: list[Row], chosen: dict[str, Any], today) -> list[int]:
    """The rows the report must list for the filters that validated, worked
    out without the ORM, newest first (every row is from today)."""

    def wanted(row: Row) -> bool:
        return (
            (not chosen.get("person") or row.actor_id == int(chosen["person"]))
            and (not chosen.get("kind") or row.kind == chosen["kind"])
            and (not chosen.get("role") or row.role == chosen["role"])
            and (not chosen.get("action") or row.action == chosen["action"])
            and (not chosen.get("since") or chosen["since"] <= today)
            and (not chosen.get("until") or chosen["until"] >= today)
        )

    return sorted((row.seq for row in rows if wanted(row)), reverse=True)


def _outcome(accepted: bool) -> None:
    event("valid filters" if accepted else "invalid filters")


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_the_report_lists_exactly_the_rows_its_valid_filters_select(trail, data):
    query = data.draw(trail.queries, label="query")
    form = trail.filters(as_posted(query)).form
    accepted = form.is_valid()
    _outcome(accepted)

    response = trail.as_therapist().get(
        reverse("clinic:access_report", args=[trail.client.pk]), query
    )

    assert response.status_code == 200
    own = AuditEvent.objects.order_by("-seq").first()
    assert (own.actor_id, own.object_type) == (trail.client.therapist_id, ACCESS_REPORT)
    rows = [
        *trail.rows,
        Row(own.seq, own.actor_id, "access_report", AccessRole.TREATING, "read"),
    ]
    today = timezone.localdate(own.at, trail.client.clinic.zone)
    shown = [row.seq for row in response.context["page"].object_list]
    assert shown == _selected(rows, form.cleaned_data, today)
    assert bool(response.context["filters"].form.errors) == (not accepted)


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_the_csv_holds_exactly_the_rows_of_the_valid_filters(trail, data):
    query = data.draw(trail.queries, label="query")
    form = trail.filters(as_posted(query)).form
    _outcome(form.is_valid())

    response = trail.as_therapist().get(
        reverse("clinic:access_report_csv", args=[trail.client.pk]), query
    )

    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    export = AuditEvent.objects.order_by("-seq").first()
    assert (export.action, export.object_type) == (AuditAction.EXPORT, ACCESS_REPORT)
    rows = [
        *trail.rows,
        Row(
            export.seq, export.actor_id, "access_report", AccessRole.TREATING, "export"
        ),
    ]
    today = timezone.localdate(export.at, trail.client.clinic.zone)
    assert len(lines) == 1 + len(_selected(rows, form.cleaned_data, today))


# --- the clinic admin's choice of a client -----------------------------------------


@dataclass
class Choice:
    clients: list[Client]
    elsewhere: Client
    as_admin: Callable[[], HttpClient]
    form: ReportClientForm


@pytest.fixture
def choice(clinic, other_clinic, outsider, admin, client) -> Choice:
    clients = [client, *ClientFactory.create_batch(2, clinic=clinic)]
    return Choice(
        clients=clients,
        elsewhere=ClientFactory(clinic=other_clinic, therapist=outsider),
        as_admin=signed_in(admin),
        form=ReportClientForm(clinic=clinic),
    )


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_valid_choice_opens_that_clients_report_and_any_other_comes_back(
    choice, data
):
    submitted = data.draw(
        form_data(choice.form, garbage={"client": st.just(str(choice.elsewhere.pk))})
    )
    bound = ReportClientForm(as_posted(submitted), clinic=choice.clients[0].clinic)
    accepted = bound.is_valid()
    event("valid choice" if accepted else "invalid choice")

    response = choice.as_admin().get(reverse("clinic:access_overview"), submitted)

    if accepted:
        chosen = bound.cleaned_data["client"]
        assert chosen in choice.clients
        assert response.status_code == 302
        assert response["Location"] == reverse("clinic:access_report", args=[chosen.pk])
    else:
        assert response.status_code == 200
        asked = "client" in as_posted(submitted)
        assert bool(response.context["form"].errors) == asked
        assert choice.elsewhere.code not in response.content.decode()


def test_the_queries_drawn_are_valid_about_half_the_time(trail, choice):
    shares = {
        "filters": valid_share(
            trail.queries, lambda query: trail.filters(as_posted(query)).form.is_valid()
        ),
        "choice": valid_share(
            form_data(choice.form),
            lambda data: ReportClientForm(
                as_posted(data), clinic=choice.clients[0].clinic
            ).is_valid(),
        ),
    }
    assert all(0.3 <= share <= 0.8 for share in shares.values()), shares
