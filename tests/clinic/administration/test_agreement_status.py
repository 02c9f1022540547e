"""The clinic admin sees where each client's between-sessions agreement
stands (whether one exists, since when its version is in force, whether it
keeps inside the clinic's frame, whether the client acknowledged it) and
never a word of what was agreed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attachment.agreements.admin_integration import (
    agreement_status,
    register_agreement_admin_integrations,
)
from attachment.models import SAFETY_PLAN_SECTIONS, ContactAgreement, SafetyPlan
from clinic import extensions
from clinic.extensions import FrameStanding
from clinic.models import ContactPolicy
from clinic.policies import clinic_default_policy
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

# Every free-text field of an agreement, each with words found nowhere else.
AGREEMENT_TEXT = {
    "in_our_words": "Quokka-agreed-words: I text Maya about appointments only.",
    "break_arrangements": "Quokka-break: Dr Cover answers while Maya is away.",
    "crisis_route": "Quokka-crisis: I call the night line, then my sister.",
    "after_ending": "Quokka-after: one card at the anniversary of the ending.",
}
TEXT_PIECES = ("Quokka", "Maya", "night line", "anniversary")
HOURS = {str(day): ["09:00", "17:00"] for day in range(5)}


@pytest.fixture(autouse=True)
def _agreements_reach_the_admin_pages(monkeypatch):
    """As the attachment app's ``ready`` does (restored afterwards)."""
    monkeypatch.setattr(extensions, "agreement_status_providers", {})
    register_agreement_admin_integrations()


@pytest.fixture
def frame(clinic):
    policy = clinic_default_policy(clinic=clinic)
    ContactPolicy.objects.filter(pk=policy.pk).update(
        allowed_channels=["text", "email", "phone"],
        contact_hours=HOURS,
        weekly_limit=3,
        response_window_hours=24,
    )
    return clinic_default_policy(clinic=clinic)


def agreement(client, author, *, version=1, days_ago=10, **changes):
    values = {
        "allowed_channels": ["text"],
        "contact_hours": HOURS,
        "weekly_limit": 2,
        "after_ending_allowed": False,
        "purpose_rules": {"text": ["scheduling"]},
        "reply_hours": 24,
        **AGREEMENT_TEXT,
    }
    values.update(changes)
    at = timezone.now() - dt.timedelta(days=days_ago)
    return ContactAgreement.objects.create(
        client=client,
        version=version,
        effective_from=at,
        written_at=at,
        author=author,
        **values,
    )


def row_of(page: str, code: str) -> str:
    rows = [row for row in re.findall(r"<tr>.*?</tr>", page, re.S) if code in row]
    assert len(rows) == 1, code
    return " ".join(rows[0].split())


@pytest.fixture
def cast(clinic, therapist, supervisor, frame):
    """One client in each standing, and one without an agreement."""
    clients = {
        name: ClientFactory(clinic=clinic, therapist=therapist, code=code)
        for name, code in [
            ("inside", "AG-INSIDE"),
            ("approved", "AG-APPROVED"),
            ("awaiting", "AG-AWAITING"),
            ("none", "AG-NONE"),
        ]
    }
    agreement(
        clients["inside"],
        therapist,
        acknowledged_on=dt.date(2026, 3, 2),
        acknowledged_how="in_session",
        client_told_of_logging=True,
    )
    agreement(
        clients["approved"],
        therapist,
        weekly_limit=5,
        wider_than_frame=True,
        approved_by=supervisor,
        approved_at=timezone.now() - dt.timedelta(days=9),
    )
    agreement(clients["awaiting"], therapist, weekly_limit=5, wider_than_frame=True)
    return clients


def test_the_agreements_page_shows_each_clients_standing(login, admin, cast):
    page = login(admin).get(reverse("clinic:agreement_status")).content.decode()

    inside = row_of(page, "AG-INSIDE")
    assert "version 1" in inside
    assert "inside the frame" in inside
    assert "<td>yes</td>" in inside
    assert "wider, approved by the supervisor" in row_of(page, "AG-APPROVED")
    awaiting = row_of(page, "AG-AWAITING")
    assert "wider, awaiting approval" in awaiting
    assert "not yet in force" in awaiting
    assert "no agreement yet" in row_of(page, "AG-NONE")


SAFETY_TEXT = {
    name: f"Wombat-{name}: synthetic safety plan words."
    for name, _heading in SAFETY_PLAN_SECTIONS
}


def test_no_admin_page_shows_a_word_of_any_agreement_or_safety_plan(
    login, admin, therapist, cast
):
    SafetyPlan.objects.create(
        client=cast["inside"],
        version=1,
        written_at=timezone.now(),
        author=therapist,
        **SAFETY_TEXT,
    )
    pieces = (*TEXT_PIECES, "Wombat")
    http = login(admin)
    for name in ("clinic:agreement_status", "clinic:manage_clients"):
        page = http.get(reverse(name)).content.decode()
        assert "AG-INSIDE" in page  # the page did list the clients
        for piece in pieces:
            assert piece not in page, (name, piece)
    frame_page = http.get(reverse("clinic:policy_default")).content.decode()
    for piece in pieces:
        assert piece not in frame_page, piece
    # The client's own pages refuse the admin, and say nothing of the text.
    for name, args in (
        ("attachment:agreement", [cast["inside"].pk]),
        ("attachment:agreement_copy", [cast["inside"].pk, 1]),
        ("attachment:safety_plan", [cast["inside"].pk]),
        ("attachment:safety_plan_client_copy", [cast["inside"].pk, 1]),
    ):
        response = http.get(reverse(name, args=args))
        assert response.status_code in (403, 404), name
        for piece in pieces:
            assert piece not in response.content.decode(), (name, piece)


def test_the_clients_page_has_an_agreement_column(login, admin, cast):
    page = login(admin).get(reverse("clinic:manage_clients")).content.decode()

    assert '<th scope="col">Agreement</th>' in page
    assert "inside the frame" in row_of(page, "AG-INSIDE")
    assert "wider, awaiting approval" in row_of(page, "AG-AWAITING")
    assert "no agreement yet" in row_of(page, "AG-NONE")


def test_the_version_in_force_is_shown_and_a_newer_one_awaiting_approval_is_noted(
    clinic, therapist, client, frame
):
    first = agreement(client, therapist, version=1, days_ago=30)
    agreement(
        client, therapist, version=2, days_ago=1, weekly_limit=9, wider_than_frame=True
    )

    status = agreement_status(
        clinic=clinic, client_ids=[client.pk], now=timezone.now()
    )[client.pk]

    assert (status.version, status.effective_from, status.in_force) == (
        1,
        first.effective_from,
        True,
    )
    assert status.standing == FrameStanding.INSIDE
    assert status.newer_awaiting_approval is True
    assert status.acknowledged is False


def test_a_version_taking_effect_later_is_not_yet_in_force(
    clinic, therapist, client, frame
):
    agreement(client, therapist, version=1, days_ago=-3)

    status = agreement_status(
        clinic=clinic, client_ids=[client.pk], now=timezone.now()
    )[client.pk]

    assert (status.version, status.in_force) == (1, False)


def test_a_narrower_frame_shows_an_agreement_written_inside_the_old_one_as_wider(
    clinic, therapist, client, frame
):
    agreement(client, therapist, weekly_limit=3)
    now = timezone.now()
    assert (
        agreement_status(clinic=clinic, client_ids=[client.pk], now=now)[
            client.pk
        ].standing
        == FrameStanding.INSIDE
    )

    ContactPolicy.objects.filter(pk=frame.pk).update(weekly_limit=2)

    assert (
        agreement_status(clinic=clinic, client_ids=[client.pk], now=now)[
            client.pk
        ].standing
        == FrameStanding.WIDER_SINCE_CHANGE
    )


def test_another_clinics_agreements_are_not_reported(
    clinic, other_clinic, therapist, frame
):
    elsewhere = ClientFactory(clinic=other_clinic)
    agreement(elsewhere, therapist)

    assert (
        agreement_status(clinic=clinic, client_ids=[elsewhere.pk], now=timezone.now())
        == {}
    )


def test_the_status_of_many_clients_takes_two_queries(
    clinic, therapist, frame, django_assert_num_queries
):
    clients = [ClientFactory(clinic=clinic, therapist=therapist) for _ in range(4)]
    for client in clients:
        agreement(client, therapist)
        agreement(client, therapist, version=2, days_ago=2)

    with django_assert_num_queries(2):
        statuses = agreement_status(
            clinic=clinic,
            client_ids=[client.pk for client in clients],
            now=timezone.now(),
        )

    assert {status.version for status in statuses.values()} == {2}


def test_the_status_query_reads_no_text_column_of_an_agreement(
    clinic, therapist, client, frame
):
    agreement(client, therapist)
    with CaptureQueriesContext(connection) as queries:
        agreement_status(clinic=clinic, client_ids=[client.pk], now=timezone.now())

    sql = " ".join(query["sql"] for query in queries.captured_queries)
    for name in [*AGREEMENT_TEXT, "purpose_rules"]:
        assert f'"{name}"' not in sql, name


@pytest.mark.parametrize("name", ["clinic:agreement_status", "clinic:manage_clients"])
def test_the_pages_query_count_does_not_grow_with_the_clients(
    name, login, admin, clinic, therapist, frame
):
    http = login(admin)

    def queries_with(count: int) -> int:
        for _ in range(count):
            agreement(ClientFactory(clinic=clinic, therapist=therapist), therapist)
        with CaptureQueriesContext(connection) as queries:
            assert http.get(reverse(name)).status_code == 200
        return len(queries.captured_queries)

    assert queries_with(1) == queries_with(5)


def test_the_administration_navigation_links_the_agreements_page(login, admin):
    page = login(admin).get(reverse("clinic:manage_clients")).content.decode()
    assert f'href="{reverse("clinic:agreement_status")}">Agreements' in page
