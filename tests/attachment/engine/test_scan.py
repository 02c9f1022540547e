"""The set-based scan: the flags it writes, idempotency, episodes, the moment
it judges, and what it never reads."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attachment.engine import patterns as p
from attachment.engine.detect import ChunkClient, WeekMatrix, weekly_findings
from attachment.engine.reads import ScanWindow
from attachment.engine.services import clinic_scan, flag_status_change
from attachment.models import Contact, Flag, FlagStatus
from tests.attachment.factories import RepairAttemptFactory, RuptureFactory
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
        [now - dt.timedelta(days=d, hours=-10) for d in (3, 8, 12)],
        after_hours=True,
    )
    clinic_scan(clinic=clinic, now=now)
    later = now + 5 * WEEK

    counts = clinic_scan(clinic=clinic, now=later)

    [flag] = flags_of(long_client)
    assert flag.kind == "policy_pattern"
    assert not flag.active
    assert flag.evidence["no_longer_active"] is True
    assert flag.evidence["contacts_outside_policy"] == 3
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
        [now - dt.timedelta(days=d) for d in (1, 2, 3)],
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
    values = np.stack([ci, ti, replied, after, median], axis=2).astype(float)
    away = rng.random((clients, weeks)) < 0.03
    return WeekMatrix(values=values, absent=away.copy(), therapist_away=away)


def test_the_screens_never_miss_a_finding_of_the_pure_detectors():
    """Calling every weekly detector on every client finds exactly what the
    screened scan finds."""
    rng = np.random.default_rng(7)
    thresholds = p.DetectorThresholds()
    now = dt.datetime(2026, 3, 18, 12, tzinfo=dt.UTC)
    window = ScanWindow.build(now=now, thresholds=thresholds)
    matrix = _random_matrix(rng, 400, window)
    clients = [
        ChunkClient(i + 1, 1, int(start), None, False)
        for i, start in enumerate(rng.choice([0, 0, 0, 30, 50], size=400))
    ]
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
    assert len({kind for _, kind in brute}) == 3
