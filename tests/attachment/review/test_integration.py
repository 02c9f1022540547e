"""What the review area adds to other pages: the Flags link, the client
page's flag panel and the caseload's flag counts, without a query per client."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attachment.models import FlagStatus
from clinic.selectors import caseload_own
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
