"""The flag queue, the flag page and the review steps through HTTP: scope,
order, filters, query counts, what the page shows and never shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attachment.models import Flag, FlagStatus, FlagStatusChange
from clinic.models import AuditEvent
from tests.attachment.factories import (
    DETECTED,
    FlagFactory,
    FlagResponseFactory,
    former_supervisor_of,
)
from tests.factories import ClientFactory
from tests.notes.factories import ProcessNoteFactory

QUEUE = reverse("attachment:flag_queue")


def _detail(flag):
    return reverse("attachment:flag_detail", args=[flag.pk])


def _queue_ids(response) -> list[int]:
    """The flags the queue shows, row by row (one row per client)."""
    return [flag.pk for card in response.context["cards"] for flag in card.flags]


@pytest.fixture
def flags(client, therapist):
    """Three live flags of the supervised client and a dismissed one."""
    hour = dt.timedelta(hours=1)
    return {
        "old_yellow": FlagFactory(client=client, detected_at=DETECTED - 3 * hour),
        "new_red": FlagFactory(
            client=client, tier="red", kind="after_ending_contact", detected_at=DETECTED
        ),
        "old_red": FlagFactory(client=client, tier="red", detected_at=DETECTED - hour),
        "dismissed": FlagFactory(client=client, status=FlagStatus.DISMISSED),
    }


def test_the_queue_shows_live_flags_red_first_then_oldest(login, supervisor, flags):
    response = login(supervisor).get(QUEUE)

    assert response.status_code == 200
    assert _queue_ids(response) == [
        flags["old_red"].pk,
        flags["new_red"].pk,
        flags["old_yellow"].pk,
    ]
    assert response.context["counts"] == {"strong": 1, "some": 0}
    assert b"1 client with strong evidence" in response.content


def test_the_queue_filters_by_status_tier_kind_therapist_and_date(
    login, supervisor, therapist, flags
):
    http = login(supervisor)

    assert _queue_ids(http.get(QUEUE, {"status": "dismissed"})) == [
        flags["dismissed"].pk
    ]
    assert _queue_ids(http.get(QUEUE, {"tier": "yellow"})) == [flags["old_yellow"].pk]
    assert _queue_ids(http.get(QUEUE, {"kind": "after_ending_contact"})) == [
        flags["new_red"].pk
    ]
    assert len(_queue_ids(http.get(QUEUE, {"therapist": therapist.pk}))) == 3
    assert _queue_ids(http.get(QUEUE, {"detected_from": "2026-03-17"})) == []
    assert len(_queue_ids(http.get(QUEUE, {"detected_to": "2026-03-16"}))) == 3


def test_garbage_filters_are_ignored_not_a_server_error(login, supervisor, flags):
    response = login(supervisor).get(
        QUEUE,
        {
            "detected_from": "31/02/2026",
            "tier": "purple",
            "therapist": "x",
            "page": "-1",
        },
    )

    assert response.status_code == 200


def test_the_queue_reads_are_audited_per_flag_shown(login, supervisor, flags):
    login(supervisor).get(QUEUE)

    read = AuditEvent.objects.filter(action="read", object_type="attachment.flag")
    assert set(read.values_list("object_id", flat=True)) == {
        flags["old_red"].pk,
        flags["new_red"].pk,
        flags["old_yellow"].pk,
    }


def test_the_therapist_sees_only_their_own_clients_flags(
    login, clinic, therapist, other_therapist, flags
):
    theirs = FlagFactory(client=ClientFactory(clinic=clinic, therapist=other_therapist))

    mine = _queue_ids(login(therapist).get(QUEUE))

    assert theirs.pk not in mine
    assert len(mine) == 3


def test_an_unrelated_supervisor_sees_none_of_them(login, unrelated_supervisor, flags):
    assert _queue_ids(login(unrelated_supervisor).get(QUEUE)) == []


def test_a_former_supervisor_sees_no_flags_and_gets_404_on_the_flag_page(
    login, clinic, therapist, flags
):
    former = former_supervisor_of(clinic=clinic, supervisee=therapist)
    http = login(former)

    assert _queue_ids(http.get(QUEUE)) == []
    assert http.get(_detail(flags["old_red"])).status_code == 404


def test_the_admin_gets_403_and_never_the_evidence(login, admin, flags):
    http = login(admin)

    assert http.get(QUEUE).status_code == 403
    page = http.get(_detail(flags["old_red"]))
    assert page.status_code == 403
    assert b"outside the agreement" not in page.content
    assert b"after hours" not in page.content


def _many_flags(clinic, therapist, n: int) -> None:
    for _ in range(n):
        FlagFactory(client=ClientFactory(clinic=clinic, therapist=therapist))


def test_the_queue_query_count_does_not_grow_with_flags_and_clients(
    login, clinic, therapist, supervisor, django_assert_max_num_queries
):
    http = login(supervisor)
    http.get(QUEUE)  # the first request also starts the session
    counts = []
    for n in (2, 40):
        _many_flags(clinic, therapist, n)
        with CaptureQueriesContext(connection) as queries:
            assert http.get(QUEUE).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[1]):
        http.get(QUEUE, {"page": 2})


def test_the_queue_is_paginated_by_25_clients(login, clinic, therapist, supervisor):
    _many_flags(clinic, therapist, 30)

    http = login(supervisor)

    assert len(http.get(QUEUE).context["cards"]) == 25
    assert len(http.get(QUEUE, {"page": 2}).context["cards"]) == 5


def test_the_flag_page_explains_the_flag_in_plain_rows_and_is_audited(
    login, supervisor, flags
):
    flag = flags["old_red"]
    FlagResponseFactory(flag=flag)
    FlagStatusChange.objects.create(
        flag=flag,
        from_status="open",
        to_status="acknowledged",
        changed_by=supervisor,
        changed_at=DETECTED,
    )

    response = login(supervisor).get(_detail(flag))

    body = response.content.decode()
    assert response.status_code == 200
    assert flag.explanation in body
    assert "Client contacts outside the agreement" in body
    assert "Some evidence from / strong evidence from" in body
    assert '"contacts_outside_policy"' not in body
    assert "agreed texting only for scheduling" in body
    assert "Acknowledged" in body and str(supervisor) in body
    assert reverse("attachment:timeline", args=[flag.client_id]) in body
    assert AuditEvent.objects.filter(
        action="read", object_type="attachment.flag", object_id=flag.pk
    ).exists()


def test_no_process_note_content_ever_appears_on_the_flag_page(
    login, client, therapist, supervisor, flags
):
    ProcessNoteFactory(client=client, text="PRIVATE-ANALYSIS-MARKER")

    for person in (therapist, supervisor):
        body = login(person).get(_detail(flags["old_red"])).content
        assert b"PRIVATE-ANALYSIS-MARKER" not in body


def test_a_rising_flag_page_draws_its_weekly_series(login, client, supervisor):
    weeks = [
        (dt.date(2025, 12, 1) + dt.timedelta(weeks=i)).isoformat() for i in range(14)
    ]
    flag = FlagFactory(
        client=client,
        kind="rising_contact_frequency",
        tier="red",
        window_start=dt.date(2026, 2, 16),
        window_end=dt.date(2026, 3, 8),
        evidence={
            "weeks": weeks,
            "client_initiated": [1, 0, 1, 1, 0, 1, 2, 1, 0, 1, 1, 4, 5, 6],
            "therapist_absent": [False] * 14,
            "baseline_rate_per_week": 0.8,
            "reference_rate_per_week": 0.8,
            "recent_rate_per_week": 5.0,
            "rate_ratio": 6.25,
            "rate_ratio_ci95": [2.4, 17.9],
            "cusum": 7.2,
            "cusum_threshold": 4.1,
        },
    )

    body = login(supervisor).get(_detail(flag)).content.decode()

    assert "<svg" in body
    assert "6.25 (95% CI 2.4 to 17.9)" in body
    assert "7.2 against h = 4.1 (at or over the threshold)" in body
    assert body.count('class="in-window"') == 3


def test_closing_without_a_reason_shows_a_form_error_and_saves_nothing(
    login, supervisor, flags
):
    flag = flags["old_red"]

    response = login(supervisor).post(
        reverse("attachment:flag_close", args=[flag.pk]),
        {"outcome": "resolved", "reason": "   ", "usefulness": "useful"},
    )

    assert response.status_code == 200
    assert response.context["close_form"].errors["reason"]
    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.OPEN
    assert not FlagStatusChange.objects.filter(flag=flag).exists()


def test_the_supervisor_dismisses_with_a_reason(login, supervisor, flags):
    flag = flags["old_red"]

    response = login(supervisor).post(
        reverse("attachment:flag_close", args=[flag.pk]),
        {
            "outcome": "dismissed",
            "reason": "Agreed in supervision: expected.",
            "usefulness": "useful",
        },
    )

    assert response.status_code == 302
    change = FlagStatusChange.objects.get(flag=flag)
    assert (change.to_status, change.reason, change.changed_by) == (
        "dismissed",
        "Agreed in supervision: expected.",
        supervisor,
    )


def test_a_step_on_a_closed_flag_is_a_message_not_an_error(login, supervisor, flags):
    flag = flags["dismissed"]

    response = login(supervisor).post(
        reverse("attachment:flag_acknowledge", args=[flag.pk]), follow=True
    )

    assert response.status_code == 200
    assert "This flag is dismissed" in response.content.decode()
    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.DISMISSED


def test_the_therapist_answers_a_flag(login, therapist, flags):
    flag = flags["old_red"]

    response = login(therapist).post(
        reverse("attachment:flag_respond", args=[flag.pk]),
        {"text": "Discussed with client; agreed texting only for scheduling."},
    )

    assert response.status_code == 302
    assert flag.responses.get().author == therapist


def test_the_flag_page_offers_each_person_only_their_steps(
    login, therapist, supervisor, flags
):
    flag = flags["old_red"]
    own = login(therapist).get(_detail(flag)).context
    assert own["acknowledge_form"] and own["response_form"]
    # A licensed therapist brings their own flag to supervision or closes it.
    assert own["close_form"] and own["supervision_form"]

    theirs = login(supervisor).get(_detail(flag)).context
    assert theirs["close_form"] and theirs["supervision_form"]
    assert "response_form" not in theirs
