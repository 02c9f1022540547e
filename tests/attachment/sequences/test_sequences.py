"""One story per client: a client's concurrent findings read as one card."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attachment.models import Flag, FlagKind
from attachment.review.progress import progress_signals
from attachment.review.sequences import (
    QUESTIONS_FOR_SUPERVISION,
    card_of,
    sequence_cards,
)
from clinic.models import AuditEvent
from tests.attachment.factories import (
    ContactFactory,
    FlagFactory,
    ObservationFactory,
    RepairAttemptFactory,
    RuptureFactory,
)
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

SIX_KINDS = [
    (FlagKind.RISING_CONTACT_FREQUENCY, "red"),
    (FlagKind.POLICY_PATTERN, "yellow"),
    (FlagKind.THERAPIST_OVEREXTENSION, "red"),
    (FlagKind.ABRUPT_WITHDRAWAL, "yellow"),
    (FlagKind.DEPENDENCY_ESCALATION, "yellow"),
    (FlagKind.DEPENDENCY_MEASURE_RISE, "red"),
]
DETECTED = dt.datetime(2026, 3, 16, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def six(client):
    return [
        FlagFactory(
            client=client,
            kind=kind,
            tier=tier,
            window_start=dt.date(2026, 2, 2) + dt.timedelta(days=7 * index),
            detected_at=DETECTED + dt.timedelta(hours=index),
        )
        for index, (kind, tier) in enumerate(SIX_KINDS)
    ]


def test_six_findings_of_one_client_make_one_card_strongest_first(six):
    cards = sequence_cards(six)
    assert len(cards) == 1
    card = cards[0]
    assert [flag.tier for flag in card.flags] == ["red"] * 3 + ["yellow"] * 3
    # Within a tier, the longest waiting first.
    reds = [flag.detected_at for flag in card.flags[:3]]
    assert reds == sorted(reds)
    assert card.since == dt.date(2026, 2, 2)
    assert card.strongest.kind == FlagKind.RISING_CONTACT_FREQUENCY


def test_each_client_gets_its_own_card(six, therapist, clinic):
    other = ClientFactory(clinic=clinic, therapist=therapist)
    FlagFactory(client=other, kind=FlagKind.POLICY_PATTERN, tier="yellow")
    cards = sequence_cards([*six, *Flag.objects.filter(client=other)])
    assert [card.client_id for card in cards] == [six[0].client_id, other.pk]


def test_the_card_counts_its_flags_by_status_in_the_reviews_order(six, client):
    six[4].status = "in_supervision"
    six[1].status = "acknowledged"
    card = card_of(six)
    assert card.statuses == [("Open", 4), ("Acknowledged", 1), ("In supervision", 1)]
    assert card.client == client


def test_the_summary_names_every_finding_in_two_sentences(six):
    card = card_of(six)
    summary = card.summary()
    assert summary.startswith("6 findings since 2 Feb 2026: ")
    assert summary.count(". ") == 1 and summary.endswith(".")
    for flag in six:
        assert str(flag.get_kind_display()).lower() in summary


def test_every_kind_has_two_or_three_questions_and_the_card_asks_each_once(six):
    assert set(QUESTIONS_FOR_SUPERVISION) == set(FlagKind.values)
    for questions in QUESTIONS_FOR_SUPERVISION.values():
        assert 2 <= len(questions) <= 3
    twice = [*six, FlagFactory(client=six[0].client, kind=FlagKind.POLICY_PATTERN)]
    asked = card_of(twice).questions()
    assert len(asked) == len(SIX_KINDS)
    rising = next(k for k in asked if "What changed" in k.questions[0])
    assert rising.questions[0] == "What changed for the client around 2 Feb?"


def test_no_flags_no_card():
    assert card_of([]) is None
    assert sequence_cards([]) == []


def test_the_card_page_tells_the_sequence_and_is_audited(login, therapist, six):
    client = six[0].client
    response = login(therapist).get(
        reverse("attachment:client_sequence", args=[client.pk])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert card_of(six).summary() in page
    assert "Questions for supervision" in page
    for flag in six:
        assert reverse("attachment:flag_detail", args=[flag.pk]) in page
    assert AuditEvent.objects.filter(
        actor=therapist, action="read", client_id=client.pk
    ).exists()


def test_closed_and_archived_findings_stay_off_the_card(login, therapist, six):
    six[0].status = "resolved"
    six[0].save()
    Flag.objects.filter(pk=six[1].pk).update(archived_at=DETECTED)
    page = (
        login(therapist)
        .get(reverse("attachment:client_sequence", args=[six[0].client_id]))
        .content.decode()
    )
    assert "4 findings" in page
    assert reverse("attachment:flag_detail", args=[six[0].pk]) not in page
    assert reverse("attachment:flag_detail", args=[six[1].pk]) not in page


def test_another_therapist_cannot_learn_the_client_exists(login, other_therapist, six):
    response = login(other_therapist).get(
        reverse("attachment:client_sequence", args=[six[0].client_id])
    )
    assert response.status_code == 404


def test_progress_is_as_visible_as_risk(client):
    now = DETECTED
    for weeks_ago in (12, 11, 10, 9, 3):
        ContactFactory(
            client=client,
            purpose="reassurance",
            occurred_at=now - dt.timedelta(weeks=weeks_ago),
        )
    ObservationFactory(
        client=client,
        observed_at=now - dt.timedelta(weeks=2),
        markers=["internalised_security"],
        intensity=1,
    )
    rupture = RuptureFactory(client=client, noticed_at=now - dt.timedelta(weeks=4))
    RepairAttemptFactory(
        rupture=rupture,
        attempted_at=now - dt.timedelta(weeks=3),
        outcome="complete",
    )
    signals = progress_signals(client=client, now=now)
    assert signals == [
        "Internalised security observed 1 time in the last 8 weeks.",
        "Fewer check-in or reassurance contacts: 1 in the last 8 weeks, "
        "against 4 in the 8 weeks before.",
        "1 rupture repaired in the last 8 weeks.",
    ]


def test_fewer_check_ins_waits_for_recent_contacts_to_be_classified(client):
    """Four check-ins before, one lately, and three recent contacts that
    arrived without a purpose: they may be check-ins, so no sentence yet."""
    for weeks_ago in (12, 11, 10, 9, 3):
        ContactFactory(
            client=client,
            purpose="reassurance",
            occurred_at=DETECTED - dt.timedelta(weeks=weeks_ago),
        )
    for days_ago in (1, 2, 3):
        ContactFactory(
            client=client,
            purpose="",
            occurred_at=DETECTED - dt.timedelta(days=days_ago),
        )
    assert not any(
        "check-in" in signal for signal in progress_signals(client=client, now=DETECTED)
    )


def test_no_progress_no_sentence(client):
    ContactFactory(
        client=client,
        purpose="reassurance",
        occurred_at=DETECTED - dt.timedelta(weeks=1),
    )
    assert progress_signals(client=client, now=DETECTED) == []


def test_the_card_page_costs_a_fixed_number_of_queries(
    login, therapist, client, django_assert_max_num_queries
):
    made = []

    def findings(count: int) -> None:
        for index in range(len(made), len(made) + count):
            made.append(index)
            FlagFactory(
                client=client,
                kind=SIX_KINDS[index % len(SIX_KINDS)][0],
                window_start=dt.date(2026, 1, 5) + dt.timedelta(days=index),
            )
            rupture = RuptureFactory(
                client=client, noticed_at=DETECTED - dt.timedelta(days=index)
            )
            RepairAttemptFactory(rupture=rupture)

    http = login(therapist)
    url = reverse("attachment:client_sequence", args=[client.pk])
    findings(2)
    http.get(url)  # the session and the clinic's settings are warm now
    with CaptureQueriesContext(connection) as few:
        http.get(url)
    findings(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = http.get(url)
    assert response.status_code == 200
    assert "12 findings" in response.content.decode()
