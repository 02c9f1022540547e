"""What the review area adds to other pages: the Flags link, the client
page's flag panel and the caseload's flag counts, without a query per client."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attachment.models import FlagKind, FlagStatus
from clinic.selectors import caseload_of_supervisees, caseload_own
from tests.attachment.factories import FlagFactory
from tests.factories import ClientFactory

QUEUE = reverse("attachment:flag_queue")


def test_clinicians_get_the_flags_link_and_the_admin_does_not(login, therapist, admin):
    assert QUEUE.encode() in login(therapist).get(reverse("clinic:home")).content
    assert (
        QUEUE.encode()
        not in login(admin).get(reverse("clinic:manage_clients"), follow=True).content
    )


def test_the_client_page_lists_live_flags_and_recently_closed_ones(
    login, client, therapist
):
    live = FlagFactory(client=client, tier="red")
    closed = FlagFactory(client=client, status=FlagStatus.RESOLVED)

    body = login(therapist).get(client.get_absolute_url()).content.decode()

    assert reverse("attachment:flag_detail", args=[live.pk]) in body
    assert live.explanation in body
    assert "Recently closed" in body
    assert reverse("attachment:flag_detail", args=[closed.pk]) in body


def test_the_client_page_shows_the_live_flags_as_one_card(login, client, therapist):
    strong = FlagFactory(
        client=client, tier="red", kind=FlagKind.RISING_CONTACT_FREQUENCY
    )
    some = FlagFactory(client=client, kind=FlagKind.POLICY_PATTERN)

    response = login(therapist).get(client.get_absolute_url())

    [panel] = [
        context
        for template, context in response.context["panels"]
        if template == "attachment/review/_flags_panel.html"
    ]
    card = panel["card"]
    assert [flag.pk for flag in card.flags] == [strong.pk, some.pk]
    body = response.content.decode()
    assert card.summary() in body
    assert "Contacts rising · Strong evidence" in body
    assert "Contacts outside the agreement · Some evidence" in body
    assert reverse("attachment:client_sequence", args=[client.pk]) in body
    assert body.index("Contacts rising · Strong evidence") < body.index(
        reverse("attachment:flag_detail", args=[some.pk])
    )  # the chips first, the flags beneath


def test_a_client_without_live_flags_has_no_card(login, client, therapist):
    FlagFactory(client=client, status=FlagStatus.RESOLVED)

    body = login(therapist).get(client.get_absolute_url()).content.decode()

    assert "No open flags." in body
    assert reverse("attachment:client_sequence", args=[client.pk]) not in body


def test_the_supervisors_card_leaves_out_a_flag_still_with_the_therapist(
    login, client, therapist, supervisor
):
    reached = FlagFactory(client=client)
    fresh = FlagFactory(client=client, tier="red", detected_at=timezone.now())

    theirs = login(supervisor).get(client.get_absolute_url()).content.decode()
    mine = login(therapist).get(client.get_absolute_url()).content.decode()

    assert reverse("attachment:flag_detail", args=[reached.pk]) in theirs
    assert reverse("attachment:flag_detail", args=[fresh.pk]) not in theirs
    assert "Strong evidence" not in theirs
    assert reverse("attachment:flag_detail", args=[fresh.pk]) in mine


def test_the_client_panel_query_count_does_not_grow_with_flags(
    login, client, therapist
):
    http = login(therapist)
    http.get(client.get_absolute_url())  # the first request also starts the session
    counts = []
    for n in (1, 12):
        for _ in range(n):
            FlagFactory(client=client)
            FlagFactory(client=client, status=FlagStatus.DISMISSED)
        with CaptureQueriesContext(connection) as queries:
            http.get(client.get_absolute_url())
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_the_caseload_counts_live_flags_by_tier_in_one_query(
    clinic, therapist, django_assert_num_queries
):
    clients = [ClientFactory(clinic=clinic, therapist=therapist) for _ in range(6)]
    FlagFactory(client=clients[0], tier="red")
    FlagFactory(client=clients[0], tier="yellow")
    FlagFactory(client=clients[0], tier="yellow")
    FlagFactory(client=clients[1], tier="red", status=FlagStatus.DISMISSED)

    with django_assert_num_queries(2):  # the therapist's clinics, the caseload
        rows = {c.pk: c for c in caseload_own(user=therapist)}

    assert (
        rows[clients[0].pk].live_red_flags,
        rows[clients[0].pk].live_yellow_flags,
    ) == (1, 2)
    assert (
        rows[clients[1].pk].live_red_flags,
        rows[clients[1].pk].live_yellow_flags,
    ) == (0, 0)


def test_the_caseload_table_shows_a_flags_column(login, clinic, therapist):
    flagged = ClientFactory(clinic=clinic, therapist=therapist)
    ClientFactory(clinic=clinic, therapist=therapist)
    FlagFactory(client=flagged, tier="red")

    html = login(therapist).get(reverse("clinic:home")).content.decode()

    assert '<th scope="col">Flags</th>' in html
    assert "1 strong evidence" in html
    assert html.count('<span class="text-muted">none</span>') == 1


def test_the_supervisors_caseload_counts_only_flags_that_have_reached_them(
    login, clinic, therapist, supervisor, client
):
    FlagFactory(client=client)
    FlagFactory(client=client, tier="red", detected_at=timezone.now())

    [caseload] = caseload_of_supervisees(user=supervisor, on=timezone.now().date())
    [row] = caseload.clients
    assert (row.reached_red_flags, row.reached_yellow_flags) == (0, 1)
    assert (row.live_red_flags, row.live_yellow_flags) == (1, 1)

    theirs = login(supervisor).get(reverse("clinic:home")).content.decode()
    assert "1 some evidence" in theirs
    assert "strong evidence</a>" not in theirs
    mine = login(therapist).get(reverse("clinic:home")).content.decode()
    assert "1 some evidence" in mine
    assert "1 strong evidence" in mine


def test_the_supervisors_caseload_costs_the_same_queries_for_any_number_of_clients(
    clinic, therapist, supervisor
):
    counts = []
    for n in (1, 5):
        for _ in range(n):
            flagged = ClientFactory(clinic=clinic, therapist=therapist)
            FlagFactory(client=flagged, tier="red")
            FlagFactory(client=flagged, detected_at=timezone.now())
        with CaptureQueriesContext(connection) as queries:
            [caseload] = caseload_of_supervisees(
                user=supervisor, on=timezone.now().date()
            )
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert [
        (row.reached_red_flags, row.reached_yellow_flags) for row in caseload.clients
    ] == [(1, 0)] * 6
