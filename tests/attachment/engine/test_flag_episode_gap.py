"""A flag is one episode of a pattern: a finding that starts within a week of
a flag's end (``attachment.engine.scan.EPISODE_GAP``) continues that flag's episode,
and one that starts later is a new episode.  So a dismissed or resolved flag
is not raised again while its pattern goes on, and a pattern that comes back
after a real gap is flagged anew.  Tested at the gap's edge: seven days
continue the episode, eight start a new one."""

from __future__ import annotations

import datetime as dt

import pytest

from attachment.engine.services import clinic_scan, flag_status_change
from attachment.models import Contact, Flag, FlagKind, FlagStatus

pytestmark = pytest.mark.django_db

# The first episode: four after-hours client contacts, the last on 13 March.
FIRST_EPISODE = [dt.date(2026, 3, day) for day in (3, 5, 9, 13)]
EPISODE_END = FIRST_EPISODE[-1]
FIRST_SCAN = dt.datetime(2026, 3, 18, 12, 0, tzinfo=dt.UTC)
# Four weeks on, the first episode's contacts are out of the policy window and
# only the second episode's are in it.
SECOND_SCAN = dt.datetime(2026, 4, 15, 12, 0, tzinfo=dt.UTC)
# Days from a flag's last day to the first day of the pattern's return.
LAST_GAP_OF_ONE_EPISODE = 7
FIRST_GAP_OF_A_NEW_EPISODE = 8


def outside_policy(client, days) -> None:
    Contact.objects.bulk_create(
        Contact(
            client=client,
            occurred_at=dt.datetime.combine(day, dt.time(10), dt.UTC),
            channel="text",
            direction="from_client",
            after_hours=True,
        )
        for day in days
    )


def second_episode(client, gap_days: int) -> None:
    """The pattern again, its first contact ``gap_days`` after the first ended."""
    start = EPISODE_END + dt.timedelta(days=gap_days)
    outside_policy(client, [start + dt.timedelta(days=n) for n in range(4)])


def policy_flags(client) -> list[Flag]:
    return list(
        Flag.objects.filter(client=client, kind=FlagKind.POLICY_PATTERN).order_by("pk")
    )


@pytest.fixture
def first_flag(clinic, client):
    outside_policy(client, FIRST_EPISODE)
    clinic_scan(clinic=clinic, now=FIRST_SCAN)
    [flag] = policy_flags(client)
    assert (flag.window_start, flag.window_end) == (FIRST_EPISODE[0], EPISODE_END)
    return flag


@pytest.mark.parametrize("closed", [FlagStatus.DISMISSED, FlagStatus.RESOLVED])
def test_a_closed_flag_is_not_raised_again_when_its_pattern_resumes_within_the_gap(
    clinic, client, supervisor, first_flag, closed
):
    flag_status_change(
        actor=supervisor, flag=first_flag, to_status=closed, now=FIRST_SCAN
    )
    second_episode(client, LAST_GAP_OF_ONE_EPISODE)

    counts = clinic_scan(clinic=clinic, now=SECOND_SCAN)

    [flag] = policy_flags(client)
    assert (flag.pk, flag.status) == (first_flag.pk, closed)
    assert (flag.window_end, flag.evidence) == (EPISODE_END, first_flag.evidence)
    assert (counts.created, counts.updated) == (0, 0)


@pytest.mark.parametrize("closed", [FlagStatus.DISMISSED, FlagStatus.RESOLVED])
def test_a_pattern_that_resumes_after_the_gap_is_flagged_anew(
    clinic, client, supervisor, first_flag, closed
):
    flag_status_change(
        actor=supervisor, flag=first_flag, to_status=closed, now=FIRST_SCAN
    )
    second_episode(client, FIRST_GAP_OF_A_NEW_EPISODE)

    counts = clinic_scan(clinic=clinic, now=SECOND_SCAN)

    old, new = policy_flags(client)
    assert (old.pk, old.status) == (first_flag.pk, closed)
    assert new.status == FlagStatus.OPEN
    assert new.window_start == EPISODE_END + dt.timedelta(
        days=FIRST_GAP_OF_A_NEW_EPISODE
    )
    assert counts.created == 1


def test_an_open_flag_takes_in_a_pattern_resuming_within_the_gap(
    clinic, client, first_flag
):
    second_episode(client, LAST_GAP_OF_ONE_EPISODE)

    clinic_scan(clinic=clinic, now=SECOND_SCAN)

    [flag] = policy_flags(client)
    assert flag.pk == first_flag.pk
    assert flag.window_start == first_flag.window_start
    assert flag.window_end == EPISODE_END + dt.timedelta(
        days=LAST_GAP_OF_ONE_EPISODE + 3
    )
    assert flag.active


def test_an_open_flag_is_left_alone_by_a_pattern_resuming_after_the_gap(
    clinic, client, first_flag
):
    second_episode(client, FIRST_GAP_OF_A_NEW_EPISODE)

    clinic_scan(clinic=clinic, now=SECOND_SCAN)

    old, new = policy_flags(client)
    assert old.pk == first_flag.pk
    assert old.window_end == EPISODE_END
    assert not old.active
    assert new.window_start == EPISODE_END + dt.timedelta(
        days=FIRST_GAP_OF_A_NEW_EPISODE
    )
    assert new.active
