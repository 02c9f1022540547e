"""The set-based scan: the flags it writes, idempotency, episodes, the moment
it judges, and what it never reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attachment.engine import patterns as p
from attachment.engine.detect import ChunkClient, WeekMatrix, weekly_findings
from attachment.engine.reads import (
    STREAMS,
    ClientStream,
    ScanWindow,
    query_parameters,
)
from attachment.engine.services import clinic_scan, flag_status_change
from attachment.models import Contact, Flag, FlagStatus
from tests.attachment.factories import (
    FlagFactory,
    MeasureFactory,
    ObservationFactory,
    RepairAttemptFactory,
    RuptureFactory,
)
from tests.factories import AbsenceFactory, ClientFactory

WEEK = dt.timedelta(days=7)


def last_monday(now: dt.datetime, zone) -> dt.date:
    today = now.astimezone(zone).date()
    return today - dt.timedelta(days=today.weekday())


def weekly_contacts(client, counts, *, now, direction="from_client", **facts):
    """``counts[i]`` contacts in each complete week, the last one being the
    week that ended before ``now``; weekday mornings, clinic time."""
    zone = client.clinic.zone
    monday = last_monday(now, zone)
    rows = []
    for weeks_back, count in enumerate(reversed(counts), start=1):
        week = monday - WEEK * weeks_back
        for n in range(count):
            local = dt.datetime.combine(
                week + dt.timedelta(days=n % 5), dt.time(9 + n // 5, 30), zone
            )
            rows.append(
                Contact(
                    client=client,
                    occurred_at=local.astimezone(dt.UTC),
                    channel="text",
                    direction=direction,
                    **facts,
                )
            )
    Contact.objects.bulk_create(rows)


def contacts_at(client, moments, **facts):
    Contact.objects.bulk_create(
        Contact(
            client=client,
            occurred_at=moment,
            channel="text",
            direction="from_client",
            **facts,
        )
        for moment in moments
    )


@pytest.fixture
def long_client(clinic, therapist):
    return ClientFactory(
        clinic=clinic, therapist=therapist, started_on=dt.date(2024, 6, 3)
    )


@pytest.fixture
def rising(long_client, now):
    weekly_contacts(long_client, [1, 0, 1, 2, 1, 1, 0, 1] * 5 + [4, 5, 6], now=now)
    return long_client


def flags_of(client):
    return list(Flag.objects.filter(client=client).order_by("pk"))


def test_a_rising_client_gets_a_flag_and_a_stable_one_none(
    clinic, therapist, rising, now
):
    stable = ClientFactory(
        clinic=clinic, therapist=therapist, started_on=dt.date(2024, 6, 3)
    )
    weekly_contacts(stable, [1, 0, 1, 2, 1, 1, 0, 1] * 5 + [1, 1, 0], now=now)

    counts = clinic_scan(clinic=clinic, now=now)

    [flag] = flags_of(rising)
    assert flag.kind == "rising_contact_frequency"
    assert flag.therapist == therapist
    assert flag.detected_at == now
    assert flag.active and flag.status == FlagStatus.OPEN
    assert flag.evidence["recent_contacts"] == 15
    assert flag.evidence["no_longer_active"] is False
    assert flags_of(stable) == []
    assert (counts.created, counts.updated, counts.clients) == (1, 0, 2)


def test_scanning_twice_adds_and_changes_nothing(clinic, rising, now):
    clinic_scan(clinic=clinic, now=now)
    before = [(f.pk, f.updated_at, f.evidence) for f in flags_of(rising)]

    again = clinic_scan(clinic=clinic, now=now + dt.timedelta(hours=1))

    assert [(f.pk, f.updated_at, f.evidence) for f in flags_of(rising)] == before
    assert (again.created, again.updated, again.deactivated) == (0, 0, 0)


def test_a_pattern_that_holds_next_week_updates_the_same_flag(clinic, rising, now):
    clinic_scan(clinic=clinic, now=now)
    [first] = flags_of(rising)
    weekly_contacts(rising, [7], now=now + WEEK)

    counts = clinic_scan(clinic=clinic, now=now + WEEK)

    [flag] = flags_of(rising)
    assert flag.pk == first.pk
    assert flag.window_start == first.window_start
    assert flag.window_end == first.window_end + WEEK
    assert flag.detected_at == now
    assert flag.updated_at == now + WEEK
    assert counts.updated == 1


def test_a_flag_whose_pattern_ends_stays_and_is_marked_no_longer_active(
    clinic, long_client, now
):
    contacts_at(
        long_client,
        [now - dt.timedelta(days=d, hours=-10) for d in (3, 8, 12, 15)],
        after_hours=True,
    )
    clinic_scan(clinic=clinic, now=now)
    later = now + 5 * WEEK

    counts = clinic_scan(clinic=clinic, now=later)

    [flag] = flags_of(long_client)
    assert flag.kind == "policy_pattern"
    assert not flag.active
    assert flag.evidence["no_longer_active"] is True
    assert flag.evidence["contacts_outside_policy"] == 4
    assert flag.status == FlagStatus.OPEN
    assert counts.deactivated == 1


def test_a_dismissed_flag_is_not_raised_again_while_its_pattern_goes_on(
    clinic, rising, now, supervisor
):
    clinic_scan(clinic=clinic, now=now)
    [flag] = flags_of(rising)
    flag_status_change(
        actor=supervisor, flag=flag, to_status=FlagStatus.DISMISSED, now=now
    )
    weekly_contacts(rising, [7], now=now + WEEK)

    counts = clinic_scan(clinic=clinic, now=now + WEEK)

    [again] = flags_of(rising)
    assert again.pk == flag.pk
    assert again.status == FlagStatus.DISMISSED
    assert again.evidence == flag.evidence
    assert counts.created == counts.updated == 0


def test_a_scan_as_of_a_moment_ignores_what_came_after_it(clinic, long_client, now):
    contacts_at(
        long_client,
        [now - dt.timedelta(days=d) for d in (1, 2, 3, 3.5)],
        outside_agreement=True,
    )
    earlier = now - dt.timedelta(days=4)

    clinic_scan(clinic=clinic, now=earlier)
    assert flags_of(long_client) == []

    clinic_scan(clinic=clinic, now=now)
    [flag] = flags_of(long_client)
    assert flag.kind == "policy_pattern"
    assert flag.detected_at == now


def test_an_unrepaired_rupture_is_flagged_and_a_repaired_one_is_not(
    clinic, therapist, now
):
    waiting = ClientFactory(clinic=clinic, therapist=therapist)
    repaired = ClientFactory(clinic=clinic, therapist=therapist)
    RuptureFactory(client=waiting, noticed_at=now - dt.timedelta(days=30))
    rupture = RuptureFactory(
        client=repaired, noticed_at=now - dt.timedelta(days=30), status="resolved"
    )
    RepairAttemptFactory(rupture=rupture)

    clinic_scan(clinic=clinic, now=now)

    [flag] = flags_of(waiting)
    assert (flag.kind, flag.tier) == ("unrepaired_rupture", "yellow")
    assert flags_of(repaired) == []


def test_contact_after_ending_is_flagged(clinic, therapist, now):
    ended = ClientFactory(
        clinic=clinic,
        therapist=therapist,
        status="ended",
        ended_on=(now - dt.timedelta(days=20)).date(),
    )
    contacts_at(ended, [now - dt.timedelta(days=d) for d in (2, 9, 15)])

    clinic_scan(clinic=clinic, now=now)

    [flag] = flags_of(ended)
    assert (flag.kind, flag.tier) == ("after_ending_contact", "red")
    assert flag.evidence["contacts_after_ending"] == 3


def test_a_surge_during_the_therapists_absence_is_flagged(
    clinic, therapist, long_client, now
):
    zone = clinic.zone
    starts_on = (now - dt.timedelta(days=10)).astimezone(zone).date()
    AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        starts_on=starts_on,
        ends_on=starts_on + dt.timedelta(days=13),
    )
    baseline = [now - dt.timedelta(days=20 + 14 * n) for n in range(6)]
    contacts_at(long_client, baseline)
    during = [now - dt.timedelta(days=d, hours=2) for d in range(1, 10)]
    contacts_at(long_client, during, during_absence=True)

    clinic_scan(clinic=clinic, now=now)

    kinds = {f.kind: f for f in flags_of(long_client)}
    flag = kinds["absence_surge"]
    assert flag.window_start == starts_on
    assert flag.evidence["contacts_during_absence"] == 9


def test_the_query_count_does_not_grow_with_the_number_of_clients(
    clinic, therapist, now
):
    def queries_for_a_scan() -> int:
        with CaptureQueriesContext(connection) as captured:
            clinic_scan(clinic=clinic, now=now)
        return len(captured)

    first = ClientFactory(clinic=clinic, therapist=therapist)
    contacts_at(first, [now - dt.timedelta(days=1)])
    queries_for_a_scan()  # creates the clinic's detector settings once
    few = queries_for_a_scan()
    for _ in range(25):
        client = ClientFactory(clinic=clinic, therapist=therapist)
        contacts_at(client, [now - dt.timedelta(days=d) for d in (1, 2, 3)])
    many = queries_for_a_scan()

    assert many == few


def test_the_scan_reads_no_clinical_text_and_no_notes(clinic, rising, now):
    with CaptureQueriesContext(connection) as captured:
        clinic_scan(clinic=clinic, now=now)

    sql = " ".join(query["sql"] for query in captured).lower()
    for forbidden in ("notes_", "summary", "description", "client_response", ".note"):
        assert forbidden not in sql


def _random_matrix(rng, clients: int, window: ScanWindow) -> WeekMatrix:
    weeks = window.weeks
    rate = rng.choice([0.5, 1, 2, 4], size=clients)[:, None]
    change = rng.integers(weeks - 12, weeks, size=clients)[:, None]
    factor = np.where(
        np.arange(weeks)[None, :] >= change, rng.choice([1, 3], size=(clients, 1)), 1
    )
    ci = rng.poisson(rate * factor)
    replied = np.minimum(
        ci, rng.binomial(ci, rng.choice([0.95, 0.4], size=(clients, 1)))
    )
    ti = rng.poisson(rng.choice([0.2, 1.5], size=(clients, 1)) * factor)
    after = rng.poisson(0.3 * factor + 0 * ci)
    median = np.where(
        replied > 0, rng.gamma(2, rng.choice([30, 300], size=(clients, 1))), np.nan
    )
    away = rng.random((clients, weeks)) < 0.03
    # a quarter of the therapists away for two of the last six weeks, some of
    # them texting the client from their leave
    leave = rng.random(clients) < 0.25
    away[leave, -4:-2] = True
    texting = rng.choice([0, 4], size=(clients, 1))
    from_leave = np.where(away, rng.poisson(np.broadcast_to(texting, away.shape)), 0)
    values = np.stack([ci, ti, replied, after, median, from_leave], axis=2).astype(
        float
    )
    return WeekMatrix(values=values, absent=away.copy(), therapist_away=away)


def test_the_screens_never_miss_a_finding_of_the_pure_detectors():
    """Calling every weekly detector on every client finds exactly what the
    screened scan finds."""
    kinds = set()
    # the defaults, and three recent weeks with a looser test, under which
    # these random histories hold cutbacks too
    for thresholds in (
        p.DetectorThresholds(),
        p.DetectorThresholds(
            withdrawal_recent_weeks=3, withdrawal_min_contacts=4, withdrawal_alpha=0.05
        ),
    ):
        kinds |= _screened_equals_brute_force(thresholds)
    assert len(kinds) == 3


def _screened_equals_brute_force(thresholds: p.DetectorThresholds) -> set[p.Kind]:
    rng = np.random.default_rng(5)
    now = dt.datetime(2026, 3, 18, 12, tzinfo=dt.UTC)
    window = ScanWindow.build(now=now, thresholds=thresholds)
    matrix = _random_matrix(rng, 400, window)
    mondays = window.week_starts
    endings = [None] * 8 + [mondays[-2], mondays[-4] + dt.timedelta(days=3)]
    clients = [
        ChunkClient(i + 1, 1, int(start), endings[int(ending)], False)
        for i, (start, ending) in enumerate(
            zip(
                rng.choice([0, 0, 0, 30, 50], size=400),
                rng.integers(0, len(endings), size=400),
                strict=True,
            )
        )
    ]
    matrix.ended = np.array(
        [
            [c.ended_on is not None and monday > c.ended_on for monday in mondays]
            for c in clients
        ]
    )
    for row, client in enumerate(clients):
        matrix.absent[row, : client.start_week] = True

    screened = {
        (c.client_id, f.kind)
        for c, f in weekly_findings(clients, matrix, window, thresholds)
    }
    brute = set()
    for row, client in enumerate(clients):
        series = matrix.series(row, client, window)
        for detector in (
            p.rising_contact_frequency,
            p.therapist_overextension,
            p.abrupt_withdrawal,
        ):
            finding = detector(series, now=now, thresholds=thresholds)
            if finding is not None:
                brute.add((client.client_id, finding.kind))

    assert screened == brute
    return {kind for _, kind in brute}


# --- the detectors' corrections, through the scan's reads -------------------------


def _answered_weeks(client, now, *, weeks, answered_weeks, per_week=4):
    """``per_week`` client contacts in each of the last ``weeks`` complete
    weeks; those in the oldest ``answered_weeks`` answered after 20 minutes."""
    zone = client.clinic.zone
    monday = last_monday(now, zone)
    rows = []
    for back in range(weeks, 0, -1):
        week = monday - WEEK * back
        answered = weeks - back < answered_weeks
        for n in range(per_week):
            local = dt.datetime.combine(week + dt.timedelta(days=n), dt.time(10), zone)
            moment = local.astimezone(dt.UTC)
            rows.append(
                Contact(
                    client=client,
                    occurred_at=moment,
                    channel="text",
                    direction="from_client",
                    responded_at=moment + dt.timedelta(minutes=20)
                    if answered
                    else None,
                    response_minutes=20 if answered else None,
                )
            )
    Contact.objects.bulk_create(rows)


def test_no_responsiveness_flag_from_contacts_after_the_ending(clinic, therapist, now):
    """Replies stop with the ending: the after-ending detector speaks, the
    responsiveness detector does not (a client in therapy with the same
    history gets it)."""
    monday = last_monday(now, clinic.zone)
    ended = ClientFactory(
        clinic=clinic,
        therapist=therapist,
        started_on=dt.date(2024, 6, 3),
        status="ended",
        ended_on=monday - 3 * WEEK - dt.timedelta(days=1),
    )
    in_therapy = ClientFactory(
        clinic=clinic, therapist=therapist, started_on=dt.date(2024, 6, 3)
    )
    for client in (ended, in_therapy):
        _answered_weeks(client, now, weeks=11, answered_weeks=8)

    clinic_scan(clinic=clinic, now=now)

    assert "abrupt_withdrawal" in {f.kind for f in flags_of(in_therapy)}
    kinds = {f.kind for f in flags_of(ended)}
    assert "after_ending_contact" in kinds
    assert "abrupt_withdrawal" not in kinds
    assert "therapist_overextension" not in kinds


def test_repeated_ruptures_leave_out_the_completely_repaired(clinic, therapist, now):
    repaired = ClientFactory(clinic=clinic, therapist=therapist)
    partly = ClientFactory(clinic=clinic, therapist=therapist)
    for days in (5, 10, 15):
        done = RuptureFactory(
            client=repaired, noticed_at=now - dt.timedelta(days=days), status="resolved"
        )
        RepairAttemptFactory(rupture=done, outcome="complete")
        waiting = RuptureFactory(
            client=partly, noticed_at=now - dt.timedelta(days=days), status="repairing"
        )
        RepairAttemptFactory(rupture=waiting, outcome="partial")

    clinic_scan(clinic=clinic, now=now)

    assert flags_of(repaired) == []
    [flag] = flags_of(partly)
    assert flag.kind == "repeated_ruptures"
    assert flag.evidence["ruptures"] == 3


def test_observations_of_internalised_security_never_raise_a_rising_trend(
    clinic, therapist, now
):
    secure = ClientFactory(clinic=clinic, therapist=therapist)
    longing = ClientFactory(clinic=clinic, therapist=therapist)
    for client in (secure, longing):  # the usual weeks: distress at 1 or 2
        for week in range(14, 24):
            ObservationFactory(
                client=client,
                observed_at=now - dt.timedelta(weeks=week),
                intensity=1 + week % 2,
                markers=["longing"],
            )
    for days in (30, 20, 10, 1):  # the recent weeks: intensity 4
        moment = now - dt.timedelta(days=days)
        ObservationFactory(
            client=secure,
            observed_at=moment,
            intensity=4,
            markers=["internalised_security"],
        )
        ObservationFactory(
            client=longing, observed_at=moment, intensity=4, markers=["longing"]
        )

    clinic_scan(clinic=clinic, now=now)

    assert flags_of(secure) == []
    assert [f.kind for f in flags_of(longing)] == ["dependency_escalation"]


def test_a_measure_rise_within_measurement_error_is_not_flagged(clinic, therapist, now):
    small = ClientFactory(clinic=clinic, therapist=therapist)
    reliable = ClientFactory(clinic=clinic, therapist=therapist)
    today = now.date()
    for client, after in ((small, "3.80"), (reliable, "4.40")):
        MeasureFactory(
            client=client,
            measured_on=today - dt.timedelta(days=90),
            preoccupied_merger=Decimal("3.00"),
        )
        MeasureFactory(
            client=client,
            measured_on=today - dt.timedelta(days=1),
            preoccupied_merger=Decimal(after),
        )

    clinic_scan(clinic=clinic, now=now)

    assert flags_of(small) == []
    [flag] = flags_of(reliable)
    assert flag.kind == "dependency_measure_rise"
    assert flag.evidence["reliable_change_index"] > 1.96


def test_contacts_the_cover_answered_in_time_do_not_make_a_surge(
    clinic, therapist, other_therapist, now
):
    zone = clinic.zone
    starts_on = (now - dt.timedelta(days=10)).astimezone(zone).date()
    AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        covering_therapist=other_therapist,
        starts_on=starts_on,
        ends_on=starts_on + dt.timedelta(days=13),
    )
    answered, linked, late = (
        ClientFactory(
            clinic=clinic, therapist=therapist, started_on=dt.date(2024, 6, 3)
        )
        for _ in range(3)
    )
    during = [now - dt.timedelta(days=d, hours=2) for d in range(1, 10)]
    for client in (answered, linked, late):
        contacts_at(client, [now - dt.timedelta(days=20 + 14 * n) for n in range(6)])
    for client, delay in ((answered, 1), (late, 30)):
        Contact.objects.bulk_create(
            Contact(
                client=client,
                occurred_at=moment,
                channel="text",
                direction="from_client",
                during_absence=True,
                responded_at=moment + dt.timedelta(hours=delay),
                response_minutes=60 * delay,
            )
            for moment in during
        )
    contacts_at(linked, during, during_absence=True)
    for contact in Contact.objects.filter(client=linked, during_absence=True):
        Contact.objects.create(
            client=linked,
            occurred_at=contact.occurred_at + dt.timedelta(hours=3),
            channel="text",
            direction="from_therapist",
            in_reply_to=contact,
            logged_by=other_therapist,
            logged_while="covering",
        )

    clinic_scan(clinic=clinic, now=now)

    assert "absence_surge" not in {f.kind for f in flags_of(answered)}
    assert "absence_surge" not in {f.kind for f in flags_of(linked)}
    surge = {f.kind: f for f in flags_of(late)}["absence_surge"]
    assert surge.evidence["contacts_during_absence"] == 9
    assert surge.evidence["contacts_answered_by_cover"] == 0


def test_policy_counts_never_include_distress_or_crisis_contacts(
    clinic, therapist, now
):
    """Such contacts carry no policy facts when recorded; the scan's read
    leaves them out even where a fact was stored."""
    distressed = ClientFactory(clinic=clinic, therapist=therapist)
    sharing = ClientFactory(clinic=clinic, therapist=therapist)
    moments = [now - dt.timedelta(days=d) for d in (2, 5, 8, 11)]
    for purpose in ("distress", "crisis"):
        contacts_at(distressed, moments, after_hours=True, purpose=purpose)
    contacts_at(sharing, moments, after_hours=True, purpose="sharing")

    clinic_scan(clinic=clinic, now=now)

    assert "policy_pattern" not in {f.kind for f in flags_of(distressed)}
    [flag] = flags_of(sharing)
    assert flag.kind == "policy_pattern"
    assert flag.evidence["contacts_outside_policy"] == 4


def test_the_weekly_read_counts_the_therapists_own_contacts_from_leave(
    clinic, therapist, other_therapist, long_client, now
):
    monday = last_monday(now, clinic.zone)
    week = monday - WEEK
    AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        covering_therapist=other_therapist,
        starts_on=week,
        ends_on=week + dt.timedelta(days=6),
    )
    at = dt.datetime.combine(week + dt.timedelta(days=2), dt.time(10), clinic.zone)
    own = dict(channel="text", direction="from_therapist", during_absence=True)
    Contact.objects.bulk_create(
        [
            Contact(client=long_client, occurred_at=at, **own),
            Contact(client=long_client, occurred_at=at + dt.timedelta(hours=1), **own),
            Contact(
                client=long_client,
                occurred_at=at + dt.timedelta(hours=2),
                logged_by=other_therapist,
                logged_while="covering",
                **own,
            ),
        ]
    )
    thresholds = p.DetectorThresholds()
    window = ScanWindow.build(now=now.astimezone(clinic.zone), thresholds=thresholds)
    params = query_parameters(
        clinic_id=clinic.pk,
        zone_name=clinic.timezone,
        window=window,
        thresholds=thresholds,
        client_ids=[long_client.pk],
    )
    stream = ClientStream(STREAMS["weekly"], params)
    try:
        [row] = stream.rows_through(long_client.pk)
    finally:
        stream.close()
    assert row[1] == window.weeks - 1
    assert row[3] == 3  # therapist-initiated, cover's included
    assert row[-1] == 2  # from the therapist's own leave, the cover's left out


def test_the_weekly_read_leaves_out_contacts_after_the_ending(clinic, therapist, now):
    monday = last_monday(now, clinic.zone)
    ended = ClientFactory(
        clinic=clinic,
        therapist=therapist,
        started_on=dt.date(2024, 6, 3),
        status="ended",
        ended_on=monday - WEEK + dt.timedelta(days=2),
    )
    _answered_weeks(ended, now, weeks=1, answered_weeks=1)
    thresholds = p.DetectorThresholds()
    window = ScanWindow.build(now=now.astimezone(clinic.zone), thresholds=thresholds)
    params = query_parameters(
        clinic_id=clinic.pk,
        zone_name=clinic.timezone,
        window=window,
        thresholds=thresholds,
        client_ids=[ended.pk],
    )
    stream = ClientStream(STREAMS["weekly"], params)
    try:
        [row] = stream.rows_through(ended.pk)
    finally:
        stream.close()
    assert row[2] == 3  # Monday to Wednesday; Thursday's contact is after it


# --- archiving ----------------------------------------------------------------------


def test_flags_inactive_for_four_weeks_are_archived_outside_supervision(
    clinic, therapist, now
):
    client = ClientFactory(clinic=clinic, therapist=therapist)

    def flag(*, days_inactive, status="open", active=False):
        made = FlagFactory(client=client, status=status, active=active)
        Flag.objects.filter(pk=made.pk).update(
            updated_at=now - dt.timedelta(days=days_inactive)
        )
        return made.pk

    old = flag(days_inactive=28)
    recent = flag(days_inactive=27)
    discussed = flag(days_inactive=60, status="in_supervision")
    live = flag(days_inactive=60, active=True)
    acknowledged = flag(days_inactive=40, status="acknowledged")

    counts = clinic_scan(clinic=clinic, now=now)

    archived = dict(Flag.objects.values_list("pk", "archived_at"))
    assert archived[old] == now
    assert archived[acknowledged] == now
    assert archived[recent] is None
    assert archived[discussed] is None
    assert archived[live] is None
    assert counts.archived == 2
    assert Flag.objects.get(pk=old).updated_at == now - dt.timedelta(days=28)


def test_an_archived_flag_is_not_reopened_by_the_scan(clinic, rising, now):
    clinic_scan(clinic=clinic, now=now)
    [flag] = flags_of(rising)
    archived_at = now - dt.timedelta(days=1)
    Flag.objects.filter(pk=flag.pk).update(
        active=False, archived_at=archived_at, updated_at=now - dt.timedelta(days=30)
    )

    counts = clinic_scan(clinic=clinic, now=now + dt.timedelta(hours=1))

    [after] = flags_of(rising)
    assert after.pk == flag.pk
    assert after.active is False
    assert after.archived_at == archived_at
    assert (counts.created, counts.updated) == (0, 0)


def test_a_continued_episode_says_when_the_pattern_was_first_seen(
    clinic, therapist, now
):
    client = ClientFactory(clinic=clinic, therapist=therapist)
    contacts_at(
        client,
        [now - dt.timedelta(days=d) for d in (20, 15, 10, 5, 2)],
        after_hours=True,
    )
    clinic_scan(clinic=clinic, now=now)
    [first] = flags_of(client)
    assert "first seen" not in first.explanation

    clinic_scan(clinic=clinic, now=now + dt.timedelta(days=10))

    [flag] = flags_of(client)
    assert flag.window_start == first.window_start
    assert flag.evidence["detector_window"][0] > first.window_start.isoformat()
    assert flag.explanation.endswith(
        f"; this pattern was first seen on {p.day_text(first.window_start)}."
    )
