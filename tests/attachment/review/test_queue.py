"""The flag queue tells one story per client: a row is the client's sequence
card made of the flags that match the filters, the clients with strong
evidence first, then the longest waiting; a supervisor meets only the flags
that have reached them; the page costs the same queries however many
clients and flags it shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attachment.models import FlagKind, FlagStatus
from clinic.models import AuditEvent
from tests.attachment.factories import DETECTED, FlagFactory
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("attachment:flag_queue")
HOUR = dt.timedelta(hours=1)

SIX_KINDS = [
    (FlagKind.RISING_CONTACT_FREQUENCY, "yellow"),
    (FlagKind.POLICY_PATTERN, "red"),
    (FlagKind.ABSENCE_SURGE, "yellow"),
    (FlagKind.UNREPAIRED_RUPTURE, "red"),
    (FlagKind.DEPENDENCY_ESCALATION, "yellow"),
    (FlagKind.AFTER_ENDING_CONTACT, "yellow"),
]


def _rows(response) -> list[tuple[int, list[int]]]:
    """(client id, the ids of the flags on its card) per row, in order."""
    return [
        (card.client_id, [flag.pk for flag in card.flags])
        for card in response.context["cards"]
    ]


@pytest.fixture
def six(client):
    """Six live findings of one client, two with strong evidence."""
    return [
        FlagFactory(
            client=client,
            kind=kind,
            tier=tier,
            window_start=dt.date(2026, 2, 2) + dt.timedelta(days=7 * index),
            detected_at=DETECTED + index * HOUR,
        )
        for index, (kind, tier) in enumerate(SIX_KINDS)
    ]


def test_six_findings_of_one_client_make_one_row(login, supervisor, client, six):
    six[2].status = FlagStatus.IN_SUPERVISION
    six[2].save()

    response = login(supervisor).get(QUEUE)

    [(client_id, shown)] = _rows(response)
    assert client_id == client.pk
    strong = [six[1].pk, six[3].pk]
    assert shown[:2] == strong and set(shown) == {flag.pk for flag in six}
    [card] = response.context["cards"]
    assert card.statuses == [("Open", 5), ("In supervision", 1)]
    body = response.content.decode()
    assert body.count(f'href="{client.get_absolute_url()}"') == 1
    assert card.summary() in body
    assert reverse("attachment:client_sequence", args=[client.pk]) in body
    for flag in six:
        assert reverse("attachment:flag_detail", args=[flag.pk]) in body
        assert f"{flag.get_kind_display()} · {flag.get_tier_display()}" in body
    assert "5 open" in body and "1 in supervision" in body
    assert "2 Feb 2026" in body  # since the first window began
    assert response.context["counts"] == {"strong": 1, "some": 0}


def test_two_clients_make_two_rows_strongest_then_longest_waiting(
    login, clinic, therapist, supervisor
):
    some_oldest = ClientFactory(clinic=clinic, therapist=therapist)
    strong_newer = ClientFactory(clinic=clinic, therapist=therapist)
    strong_older = ClientFactory(clinic=clinic, therapist=therapist)
    FlagFactory(client=some_oldest, detected_at=DETECTED - 48 * HOUR)
    FlagFactory(client=strong_newer, tier="red", detected_at=DETECTED)
    FlagFactory(client=strong_newer, detected_at=DETECTED - 72 * HOUR)
    FlagFactory(client=strong_older, tier="red", detected_at=DETECTED - HOUR)

    response = login(supervisor).get(QUEUE)

    assert [client_id for client_id, _ in _rows(response)] == [
        strong_older.pk,
        strong_newer.pk,
        some_oldest.pk,
    ]
    assert response.context["counts"] == {"strong": 2, "some": 1}
    assert "2 clients with strong evidence" in response.content.decode()
    assert "1 with some evidence" in response.content.decode()


def test_a_client_appears_when_any_flag_matches_and_shows_the_matching_ones(
    login, clinic, therapist, other_therapist, supervisor, client, six
):
    other = ClientFactory(clinic=clinic, therapist=therapist)
    kept = FlagFactory(client=other, kind=FlagKind.POLICY_PATTERN)
    closed = FlagFactory(client=other, kind=FlagKind.POLICY_PATTERN, tier="red")
    closed.status = FlagStatus.DISMISSED
    closed.save()
    http = login(supervisor)

    by_kind = _rows(http.get(QUEUE, {"kind": FlagKind.POLICY_PATTERN}))
    assert by_kind == [(client.pk, [six[1].pk]), (other.pk, [kept.pk])]
    by_tier = _rows(http.get(QUEUE, {"tier": "red"}))
    assert by_tier == [(client.pk, [six[1].pk, six[3].pk])]
    by_status = _rows(http.get(QUEUE, {"status": "dismissed"}))
    assert by_status == [(other.pk, [closed.pk])]
    assert _rows(http.get(QUEUE, {"detected_from": "2026-03-17"})) == []
    assert len(_rows(http.get(QUEUE, {"therapist": therapist.pk}))) == 2
    assert _rows(http.get(QUEUE, {"therapist": other_therapist.pk})) == _rows(
        http.get(QUEUE)
    )  # not a supervisee: the choice is refused and the filter ignored


def test_archived_flags_leave_the_card(login, therapist, client, six):
    six[0].archived_at = DETECTED + 30 * 24 * HOUR
    six[0].save()

    [(_, shown)] = _rows(login(therapist).get(QUEUE))

    assert six[0].pk not in shown and len(shown) == 5


def test_the_supervisor_meets_only_flags_that_have_reached_them(
    login, clinic, therapist, supervisor, client
):
    reached = FlagFactory(client=client)
    fresh = FlagFactory(client=client, tier="red", detected_at=timezone.now())
    only_fresh = ClientFactory(clinic=clinic, therapist=therapist)
    FlagFactory(client=only_fresh, detected_at=timezone.now())

    theirs = login(supervisor).get(QUEUE)
    assert _rows(theirs) == [(client.pk, [reached.pk])]
    assert theirs.context["counts"] == {"strong": 0, "some": 1}
    assert reverse("attachment:flag_detail", args=[fresh.pk]) not in (
        theirs.content.decode()
    )

    mine = login(therapist).get(QUEUE)
    assert [client_id for client_id, _ in _rows(mine)] == [client.pk, only_fresh.pk]
    assert _rows(mine)[0][1] == [fresh.pk, reached.pk]
    assert mine.context["counts"] == {"strong": 1, "some": 1}


def test_the_reads_are_audited_for_every_flag_on_the_cards(
    login, supervisor, client, six
):
    login(supervisor).get(QUEUE)

    read = AuditEvent.objects.filter(action="read", object_type="attachment.flag")
    assert sorted(read.values_list("object_id", flat=True)) == sorted(
        flag.pk for flag in six
    )


def _clients_with_flags(clinic, therapist, clients: int, flags: int) -> None:
    for index in range(clients):
        flagged = ClientFactory(clinic=clinic, therapist=therapist)
        for number in range(flags):
            FlagFactory(
                client=flagged,
                kind=SIX_KINDS[number][0],
                tier="red" if (index + number) % 3 == 0 else "yellow",
            )


def test_the_query_count_stays_flat_from_2_to_12_clients(
    login, clinic, therapist, supervisor, django_assert_max_num_queries
):
    http = login(supervisor)
    http.get(QUEUE)  # the first request also starts the session
    _clients_with_flags(clinic, therapist, clients=2, flags=1)
    with CaptureQueriesContext(connection) as few:
        assert len(http.get(QUEUE).context["cards"]) == 2
    _clients_with_flags(clinic, therapist, clients=10, flags=4)
    with django_assert_max_num_queries(len(few)):
        response = http.get(QUEUE)
    assert len(response.context["cards"]) == 12
    assert sum(len(card.flags) for card in response.context["cards"]) == 42


def test_pages_hold_25_clients_whatever_their_flags(
    login, clinic, therapist, supervisor
):
    _clients_with_flags(clinic, therapist, clients=27, flags=3)
    http = login(supervisor)

    first = http.get(QUEUE).context["cards"]
    second = http.get(QUEUE, {"page": 2}).context["cards"]

    assert len(first) == 25 and len(second) == 2
    assert all(len(card.flags) == 3 for card in first + second)
    assert not {card.client_id for card in first} & {card.client_id for card in second}
