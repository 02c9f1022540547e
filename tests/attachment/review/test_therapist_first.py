"""The therapist first: a flag reaches the treating therapist at once and the
supervisor only after the clinic's delay, unless the therapist brings it to
supervision sooner; a licensed therapist (and one without a supervisor)
closes their own flags with a reason the supervisor reads, a trainee does
not.  Also: archived flags leave the queue but stay readable, and flags about
the therapist's own responsiveness stay off the client's agenda."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from attachment.models import DetectorSettings, Flag, FlagKind, FlagStatus
from attachment.oversight.selectors import supervisee_overview
from attachment.review import selectors
from attachment.review import services as review
from attachment.review.agenda import FlagAgenda
from attachment.supervision.selectors import live_flags_for
from clinic.models import AuditEvent, Supervision
from tests.attachment.factories import DETECTED, FlagFactory
from tests.factories import ClientFactory

DAY = dt.timedelta(days=1)


@pytest.fixture
def fresh(client):
    """A flag the scan raised at DETECTED on the supervisee's client."""
    return FlagFactory(client=client, detected_at=DETECTED)


def _sees(user, flag, now) -> bool:
    return selectors.flags_readable(user=user, now=now).filter(pk=flag.pk).exists()


# The delay ---------------------------------------------------------------------


def test_the_therapist_sees_a_new_flag_at_once(therapist, fresh):
    assert _sees(therapist, fresh, DETECTED)
    assert selectors.flag_for_reading(user=therapist, flag_id=fresh.pk, now=DETECTED)


def test_the_supervisor_sees_it_on_day_seven_not_day_six(supervisor, fresh):
    day_six = DETECTED + 6 * DAY
    day_seven = DETECTED + 7 * DAY

    assert not _sees(supervisor, fresh, day_six)
    with pytest.raises(Http404):
        selectors.flag_for_reading(user=supervisor, flag_id=fresh.pk, now=day_six)

    assert _sees(supervisor, fresh, day_seven)
    assert selectors.flag_for_reading(user=supervisor, flag_id=fresh.pk, now=day_seven)


def test_the_delay_is_the_clinics(clinic, supervisor, fresh):
    DetectorSettings.objects.create(clinic=clinic, supervisor_delay_days=2)
    assert not _sees(supervisor, fresh, DETECTED + 2 * DAY - dt.timedelta(minutes=1))
    assert _sees(supervisor, fresh, DETECTED + 2 * DAY)


def test_a_zero_delay_sends_flags_to_the_supervisor_at_once(clinic, supervisor, fresh):
    DetectorSettings.objects.create(clinic=clinic, supervisor_delay_days=0)
    assert _sees(supervisor, fresh, DETECTED)


def test_brought_to_supervision_it_reaches_the_supervisor_at_once(
    therapist, supervisor, fresh
):
    brought = DETECTED + DAY
    review.flag_to_supervision(actor=therapist, flag=fresh, now=brought)

    assert Flag.objects.get(pk=fresh.pk).status == FlagStatus.IN_SUPERVISION
    assert _sees(supervisor, fresh, brought)
    [reached] = selectors.with_supervisor_reached_at(Flag.objects.filter(pk=fresh.pk))
    assert reached.supervisor_reached_at == brought


def test_it_stays_with_the_supervisor_after_supervision_closes_it(
    therapist, supervisor, fresh
):
    review.flag_to_supervision(actor=therapist, flag=fresh, now=DETECTED + DAY)
    review.flag_close(
        usefulness="not_sure",
        actor=supervisor,
        flag=fresh,
        outcome=FlagStatus.RESOLVED,
        reason="Talked through in supervision.",
        now=DETECTED + 2 * DAY,
    )
    assert _sees(supervisor, fresh, DETECTED + 3 * DAY)


def test_a_supervisor_may_not_act_on_a_flag_that_has_not_reached_them(
    supervisor, fresh
):
    with pytest.raises(Http404):
        review.flag_acknowledge(actor=supervisor, flag=fresh, now=DETECTED + DAY)
    assert Flag.objects.get(pk=fresh.pk).status == FlagStatus.OPEN


def test_lists_and_counts_for_the_supervisor_wait_for_the_delay(
    supervisor, therapist, client, fresh
):
    early, late = DETECTED + DAY, DETECTED + 8 * DAY
    link = Supervision.objects.get(supervisor=supervisor, supervisee=therapist)

    assert selectors.live_flags_of(client=client, viewer=therapist, now=early) == [
        fresh
    ]
    assert selectors.live_flags_of(client=client, viewer=supervisor, now=early) == []
    assert list(live_flags_for(link=link, now=early)) == []
    [row] = supervisee_overview(user=supervisor, now=early)
    assert (row.red_flags, row.yellow_flags) == (0, 0)

    assert selectors.live_flags_of(client=client, viewer=supervisor, now=late) == [
        fresh
    ]
    assert list(live_flags_for(link=link, now=late)) == [fresh]
    [row] = supervisee_overview(user=supervisor, now=late)
    assert (row.red_flags, row.yellow_flags) == (0, 1)


def test_the_supervisors_queue_page_leaves_out_a_fresh_flag(
    login, therapist, supervisor, client
):
    fresh = FlagFactory(client=client, detected_at=timezone.now())
    url = reverse("attachment:flag_detail", args=[fresh.pk])

    assert (
        url in login(therapist).get(reverse("attachment:flag_queue")).content.decode()
    )
    assert login(therapist).get(url).status_code == 200
    theirs = login(supervisor)
    assert url not in theirs.get(reverse("attachment:flag_queue")).content.decode()
    assert theirs.get(url).status_code == 404


# Closing rights -----------------------------------------------------------------


def test_a_licensed_therapist_closes_their_own_flag_and_the_supervisor_reads_why(
    login, therapist, supervisor, client
):
    flag = FlagFactory(client=client, detected_at=DETECTED)
    reason = "Agreed with the client to keep texts to scheduling; pattern settled."

    review.flag_close(
        usefulness="not_sure",
        actor=therapist,
        flag=flag,
        outcome=FlagStatus.DISMISSED,
        reason=reason,
        now=DETECTED + DAY,
    )

    [change] = selectors.status_history(flag=flag)
    assert (change.to_status, change.changed_by, change.reason) == (
        FlagStatus.DISMISSED,
        therapist,
        reason,
    )
    # Once the flag reaches the supervisor (the page reads the real clock,
    # long after DETECTED), the reason is on its page.
    page = login(supervisor).get(reverse("attachment:flag_detail", args=[flag.pk]))
    assert page.status_code == 200
    assert reason in page.content.decode()


def test_the_close_form_tells_the_therapist_their_supervisor_reads_the_reason(
    login, therapist, client
):
    flag = FlagFactory(client=client)
    page = login(therapist).get(reverse("attachment:flag_detail", args=[flag.pk]))
    assert "your supervisor reads it there" in page.content.decode()


def test_a_therapist_without_a_supervisor_closes_their_flags(clinic, other_therapist):
    own = ClientFactory(clinic=clinic, therapist=other_therapist)
    flag = FlagFactory(client=own, detected_at=DETECTED)

    review.flag_close(
        usefulness="not_sure",
        actor=other_therapist,
        flag=flag,
        outcome=FlagStatus.RESOLVED,
        reason="Discussed and settled with the client.",
        now=DETECTED + DAY,
    )

    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.RESOLVED


def test_a_trainee_may_not_close_their_own_flag(
    login, therapist, supervisor, client, fresh
):
    Supervision.objects.filter(supervisee=therapist).update(cosign_required=True)

    with pytest.raises(PermissionDenied):
        review.flag_close(
            usefulness="not_sure",
            actor=therapist,
            flag=fresh,
            outcome=FlagStatus.DISMISSED,
            reason="Not a concern.",
            now=DETECTED + DAY,
        )
    assert Flag.objects.get(pk=fresh.pk).status == FlagStatus.OPEN

    http = login(therapist)
    page = http.get(reverse("attachment:flag_detail", args=[fresh.pk]))
    assert "close_form" not in page.context
    assert page.context["supervision_form"]
    refused = http.post(
        reverse("attachment:flag_close", args=[fresh.pk]),
        {"outcome": "dismissed", "reason": "Not a concern.", "usefulness": "not_sure"},
    )
    assert refused.status_code == 403


def test_another_therapist_meets_the_flag_as_not_found(login, other_therapist, fresh):
    with pytest.raises(Http404):
        selectors.flag_for_reading(
            user=other_therapist, flag_id=fresh.pk, now=DETECTED + 30 * DAY
        )
    response = login(other_therapist).post(
        reverse("attachment:flag_close", args=[fresh.pk]),
        {"outcome": "dismissed", "reason": "Not a concern.", "usefulness": "not_sure"},
    )
    assert response.status_code == 404
    assert Flag.objects.get(pk=fresh.pk).status == FlagStatus.OPEN


def test_closing_by_the_therapist_is_audited(therapist, fresh):
    review.flag_close(
        usefulness="not_sure",
        actor=therapist,
        flag=fresh,
        outcome=FlagStatus.RESOLVED,
        reason="Settled.",
        now=DETECTED + DAY,
    )
    assert AuditEvent.objects.filter(
        actor=therapist, object_id=fresh.pk, action="update"
    ).exists()


# Archived flags -------------------------------------------------------------------


def test_an_archived_flag_leaves_the_queue_but_keeps_its_page(
    login, therapist, supervisor, client
):
    kept = FlagFactory(client=client)
    archived = FlagFactory(client=client, archived_at=DETECTED + 30 * DAY)

    for user in (therapist, supervisor):
        http = login(user)
        queue = http.get(reverse("attachment:flag_queue"))
        shown = [flag.pk for card in queue.context["cards"] for flag in card.flags]
        assert shown == [kept.pk]
        page = http.get(reverse("attachment:flag_detail", args=[archived.pk]))
        assert page.status_code == 200
        assert "no longer in the flag queue" in page.content.decode()


def test_the_client_lists_archived_flags_apart(client, therapist):
    kept = FlagFactory(client=client)
    archived = FlagFactory(client=client, archived_at=DETECTED + 30 * DAY)

    assert selectors.live_flags_of(client=client) == [kept]
    assert selectors.archived_flags_of(client=client) == [archived]


# The agenda -------------------------------------------------------------------------


def test_the_therapists_own_responsiveness_flags_are_not_on_the_clients_agenda(
    client,
):
    about_client = FlagFactory(client=client, kind=FlagKind.POLICY_PATTERN)
    for kind in (FlagKind.THERAPIST_OVEREXTENSION, FlagKind.ABRUPT_WITHDRAWAL):
        FlagFactory(client=client, kind=kind)
    FlagFactory(client=client, archived_at=DETECTED + 30 * DAY)

    keys = [item.key for item in FlagAgenda().items(client=client, since=None)]

    assert keys == [f"flag:{about_client.pk}"]


def test_the_timeline_shows_a_supervisor_only_the_flags_that_reached_them(
    login, therapist, supervisor, client
):
    now = timezone.now()
    waiting = FlagFactory(
        client=client, detected_at=now - dt.timedelta(days=1), explanation="FRESH one."
    )
    reached = FlagFactory(
        client=client,
        kind="policy_pattern",
        detected_at=now - dt.timedelta(days=30),
        explanation="REACHED one.",
    )
    url = reverse("attachment:timeline", args=[client.pk]) + "?type=flag"
    as_supervisor = login(supervisor).get(url).content.decode()
    as_therapist = login(therapist).get(url).content.decode()
    assert reached.explanation in as_supervisor
    assert waiting.explanation not in as_supervisor
    assert waiting.explanation in as_therapist and reached.explanation in as_therapist
