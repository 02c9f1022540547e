"""The copy costs a fixed number of queries whatever the size of the
record: a client with three times as much of every kind costs the same."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import Client
from tests.attachment.client_copy.conftest import (
    MOMENTS,
    PERIOD,
    addendum,
    copy_url,
    signed_note,
)
from tests.attachment.factories import (
    ContactFactory,
    CopingPlanFactory,
    FlagFactory,
    MeasureFactory,
    ObservationFactory,
    RepairAttemptFactory,
    RuptureFactory,
)
from tests.factories import ClientFactory

# Fourteen of the copy's own: the therapist's clinics and the client, the
# notes left out (counted), the notes and their addenda, the contacts, the
# ruptures and their repairs, the plans, the measures, the observations,
# the flags, and the export's audit event (the chain's head, the row); the
# rest are every signed-in page's (session, user, history context, the
# navigation's notifications; the roles are the memberships the request has
# read once already).
QUERIES = 22


def _record(client: Client, *, size: int) -> Client:
    """``size`` of every kind, each note with ``size`` addenda and each
    rupture with ``size`` repairs, all inside the period."""
    for n in range(size):
        at = MOMENTS["INSIDE"] + dt.timedelta(days=n)
        note = signed_note(client, at=at, text=f"note {n}", cosigned_by=None)
        for m in range(size):
            addendum(note, text=f"addendum {n}.{m}")
        ContactFactory(client=client, occurred_at=at)
        rupture = RuptureFactory(client=client, noticed_at=at)
        for m in range(size):
            RepairAttemptFactory(
                rupture=rupture, attempted_at=at + dt.timedelta(hours=m)
            )
        CopingPlanFactory(client=client, version=n + 1, written_at=at)
        MeasureFactory(client=client, measured_on=at.date())
        ObservationFactory(client=client, observed_at=at)
        FlagFactory(client=client, window_start=at.date(), window_end=at.date())
    return client


def _queries(login, therapist, client: Client) -> int:
    browser = login(therapist)
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(copy_url(client), PERIOD)
    assert response.status_code == 200
    assert response.content.decode().count('class="copy-entry copy-note"') > 0
    return len(queries)


def test_a_copy_three_times_larger_costs_the_same_queries(login, therapist, clinic):
    small = _record(ClientFactory(clinic=clinic, therapist=therapist), size=2)
    large = _record(ClientFactory(clinic=clinic, therapist=therapist), size=6)
    assert _queries(login, therapist, small) == _queries(login, therapist, large)


def test_the_copy_costs_its_pinned_number_of_queries(
    login, therapist, clinic, django_assert_num_queries
):
    client = _record(ClientFactory(clinic=clinic, therapist=therapist), size=3)
    browser = login(therapist)
    browser.get(copy_url(client), PERIOD)  # the session's first use
    with django_assert_num_queries(QUERIES):
        response = browser.get(copy_url(client), PERIOD)
    assert response.status_code == 200
