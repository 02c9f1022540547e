"""The caseload overview: per current supervisee for a supervisor, per
therapist for the clinic admin (counts only), in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from attachment.models import Flag, FlagStatus, FlagTier
from attachment.oversight.selectors import clinic_overview, supervisee_overview
from clinic.models import Role
from notes.models import NoteStatus
from tests.attachment.factories import ContactFactory, RuptureFactory
from tests.factories import (
    ClientFactory,
    MembershipFactory,
    SupervisionFactory,
    UserFactory,
)
from tests.notes.factories import SessionNoteFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 18, 12, 0, tzinfo=dt.UTC)
EXPLANATION = "Nine client contacts in the last four weeks fell outside policy."


def _flag(client, tier: str, status: str = FlagStatus.OPEN, day: int = 1) -> Flag:
    return Flag.objects.create(
        client=client,
        therapist=client.therapist,
        kind="policy_pattern",
        tier=tier,
        window_start=dt.date(2026, 3, day),
        window_end=dt.date(2026, 3, 10),
        # Long enough ago to have reached the supervisor (the therapist first).
        detected_at=NOW - dt.timedelta(days=30),
        score=1.0,
        explanation=EXPLANATION,
        status=status,
        updated_at=NOW,
    )


def _awaiting_cosign(client):
    return SessionNoteFactory(
        client=client,
        status=NoteStatus.AWAITING_COSIGN,
        signed_at=NOW,
        signed_by=client.therapist,
        content_sha256="a" * 64,
    )


@pytest.fixture
def caseload(client, therapist):
    """The supervisee's figures: 2 active clients, 1 red and 2 yellow live
    flags, 1 rupture open for over 21 days, client contacts in two weeks, one
    late contact by the therapist, one note awaiting co-signature."""
    second = ClientFactory(clinic=client.clinic, therapist=therapist)
    ClientFactory(
        clinic=client.clinic,
        therapist=therapist,
        status="ended",
        ended_on=dt.date(2026, 1, 1),
    )
    _flag(client, FlagTier.RED)
    _flag(client, FlagTier.YELLOW, day=2)
    _flag(second, FlagTier.YELLOW, status=FlagStatus.ACKNOWLEDGED)
    _flag(second, FlagTier.RED, status=FlagStatus.DISMISSED, day=3)
    RuptureFactory(client=client, noticed_at=NOW - dt.timedelta(days=30))
    RuptureFactory(client=client, noticed_at=NOW - dt.timedelta(days=10))
    RuptureFactory(
        client=second, noticed_at=NOW - dt.timedelta(days=40), status="resolved"
    )
    for ago in (dt.timedelta(days=1), dt.timedelta(days=2), dt.timedelta(days=22)):
        ContactFactory(client=client, occurred_at=NOW - ago)
    ContactFactory(client=second, occurred_at=NOW - dt.timedelta(weeks=13))
    ContactFactory(
        client=client,
        direction="from_therapist",
        occurred_at=NOW - dt.timedelta(days=3),
        after_hours=True,
    )
    ContactFactory(
        client=client,
        direction="from_therapist",
        occurred_at=NOW - dt.timedelta(days=3),
    )
    _awaiting_cosign(second)
    return [client, second]


def test_a_supervisor_sees_each_current_supervisees_figures(
    supervisor, therapist, caseload
):
    (row,) = supervisee_overview(user=supervisor, now=NOW)
    assert row.therapist == therapist
    assert (row.active_clients, row.red_flags, row.yellow_flags) == (2, 1, 2)
    assert row.old_ruptures == 1
    assert row.weekly_from_client == [0] * 8 + [1, 0, 0, 2]
    assert row.after_hours_replies == 1
    assert row.cosign_waiting == 1


def test_weeks_are_calendar_weeks_in_each_supervisees_clinic(
    supervisor, therapist, client, other_clinic
):
    """Sunday 15 March, 23:00 UTC: still Sunday in London (the week of 9 March),
    already Monday in Auckland (the current week)."""
    far_away = UserFactory(full_name="Zed Far")
    for user, role in ((far_away, Role.THERAPIST), (supervisor, Role.SUPERVISOR)):
        MembershipFactory(user=user, clinic=other_clinic, role=role)
    other_clinic.timezone = "Pacific/Auckland"
    other_clinic.save(update_fields=["timezone"])
    SupervisionFactory(clinic=other_clinic, supervisor=supervisor, supervisee=far_away)
    far_client = ClientFactory(clinic=other_clinic, therapist=far_away)
    sunday_night = dt.datetime(2026, 3, 15, 23, 0, tzinfo=dt.UTC)
    for each in (client, far_client):
        ContactFactory(client=each, occurred_at=sunday_night)
        ContactFactory(
            client=each,
            direction="from_therapist",
            occurred_at=sunday_night,
            after_hours=True,
        )

    rows = {row.therapist: row for row in supervisee_overview(user=supervisor, now=NOW)}

    assert rows[therapist].weekly_from_client[-2:] == [1, 0]
    assert rows[far_away].weekly_from_client[-2:] == [0, 1]
    assert (
        rows[therapist].after_hours_replies == rows[far_away].after_hours_replies == 1
    )


def test_after_hours_replies_count_replies_as_the_flags_do(supervisor, client):
    """A reply sent at night counts in the week of the contact it answers, once
    sent; a client's own contact at night is not the therapist's reply."""
    asked_at = NOW - dt.timedelta(days=9)
    ContactFactory(
        client=client,
        occurred_at=asked_at,
        responded_at=asked_at + dt.timedelta(hours=10),
        responded_after_hours=True,
    )
    ContactFactory(
        client=client,
        occurred_at=NOW - dt.timedelta(hours=2),
        responded_at=NOW + dt.timedelta(hours=1),
        responded_after_hours=True,
    )
    ContactFactory(client=client, occurred_at=asked_at, after_hours=True)

    (row,) = supervisee_overview(user=supervisor, now=NOW)

    assert row.after_hours_replies == 1
    assert row.weekly_from_client[-2:] == [2, 1]


def test_the_page_says_how_weeks_and_after_hours_are_counted(login, supervisor, client):
    ContactFactory(client=client, occurred_at=timezone.now())

    page = login(supervisor).get(reverse("attachment:overview")).content.decode()

    assert "calendar weeks, Monday to Sunday in the clinic" in page
    assert "the current week so far, which the flags count only once" in page
    assert "this week so far: 1" in page
    assert "After-hours replies</th>" in page
    assert "last 7 days" not in page


def test_a_former_supervisee_is_not_in_the_overview(
    supervisor, clinic, other_therapist
):
    SupervisionFactory(
        clinic=clinic,
        supervisor=supervisor,
        supervisee=other_therapist,
        started_on=dt.date(2025, 1, 1),
        ended_on=dt.date(2026, 1, 31),
    )
    names = [row.therapist for row in supervisee_overview(user=supervisor, now=NOW)]
    assert other_therapist not in names


def test_the_clinic_overview_has_a_row_for_every_therapist(
    clinic, therapist, other_therapist, supervisor, caseload
):
    ClientFactory.create_batch(3, clinic=clinic, therapist=therapist)
    rows = {row.therapist: row for row in clinic_overview(clinic=clinic, now=NOW)}
    assert set(rows) == {therapist, other_therapist, supervisor}
    assert (rows[therapist].active_clients, rows[therapist].red_flags) == (5, 1)
    assert rows[other_therapist].active_clients == 0


def test_a_flag_counts_for_the_supervisor_only_once_it_has_reached_them(
    supervisor, therapist, client, caseload
):
    fresh = _flag(client, FlagTier.RED, day=4)
    fresh.detected_at = NOW - dt.timedelta(days=1)
    fresh.save()

    (row,) = supervisee_overview(user=supervisor, now=NOW)
    assert (row.red_flags, row.yellow_flags) == (1, 2)
    (row,) = supervisee_overview(user=supervisor, now=NOW + dt.timedelta(days=6))
    assert (row.red_flags, row.yellow_flags) == (2, 2)

    fresh.status = FlagStatus.IN_SUPERVISION  # brought to supervision: at once
    fresh.save()
    (row,) = supervisee_overview(user=supervisor, now=NOW)
    assert (row.red_flags, row.yellow_flags) == (2, 2)


def test_the_admin_counts_the_flags_that_have_reached_the_supervisor(
    clinic, therapist, client, caseload
):
    ClientFactory.create_batch(3, clinic=clinic, therapist=therapist)
    fresh = _flag(client, FlagTier.RED, day=4)
    fresh.detected_at = NOW - dt.timedelta(days=1)
    fresh.save()

    row = _admins_row(clinic, therapist)

    assert not row.counts_withheld
    assert (row.red_flags, row.yellow_flags) == (1, 2)


def _admins_row(clinic, therapist):
    return next(
        row
        for row in clinic_overview(clinic=clinic, now=NOW)
        if row.therapist == therapist
    )


def test_the_admin_gets_no_counts_of_a_therapist_with_four_active_clients(
    clinic, therapist, caseload
):
    ClientFactory.create_batch(2, clinic=clinic, therapist=therapist)

    row = _admins_row(clinic, therapist)

    assert row.active_clients == 4 and row.counts_withheld
    assert (row.red_flags, row.yellow_flags, row.old_ruptures) == (0, 0, 0)
    assert (row.after_hours_replies, row.contacts_total) == (0, 0)
    assert row.cosign_waiting == 1


def test_the_admin_gets_the_counts_of_a_therapist_with_five_active_clients(
    clinic, therapist, caseload
):
    ClientFactory.create_batch(3, clinic=clinic, therapist=therapist)

    row = _admins_row(clinic, therapist)

    assert row.active_clients == 5 and not row.counts_withheld
    assert (row.red_flags, row.yellow_flags, row.old_ruptures) == (1, 2, 1)
    assert row.weekly_from_client == [0] * 8 + [1, 0, 0, 2]
    assert row.after_hours_replies == 1


@pytest.mark.parametrize(("more", "shown"), [(2, False), (3, True)])
def test_the_admins_page_shows_counts_from_five_active_clients_on(
    login, admin, clinic, therapist, caseload, more, shown
):
    ClientFactory.create_batch(more, clinic=clinic, therapist=therapist)

    page = login(admin).get(reverse("attachment:clinic_overview")).content.decode()

    tess = page[page.index("Tess Therapist") : page.index("</tr>", page.index("Tess"))]
    assert ('<span class="badge flag-tier text-bg-secondary">1</span>' in tess) is shown
    assert ("<svg" in tess) is shown
    assert ("fewer than 5 clients" in tess) is not shown
    assert "A therapist with fewer than 5 active clients shows no counts" in page


def test_a_supervisor_keeps_the_counts_of_a_small_caseload(
    login, supervisor, therapist, caseload
):
    (row,) = supervisee_overview(user=supervisor, now=NOW)
    assert row.active_clients == 2 and not row.counts_withheld
    assert (row.red_flags, row.yellow_flags) == (1, 2)
    page = login(supervisor).get(reverse("attachment:overview")).content.decode()
    assert "fewer than" not in page
    assert '<span class="badge flag-tier text-bg-secondary">1</span>' in page
    assert "<svg" in page


def test_the_admins_page_shows_counts_and_no_client_or_clinical_text(
    login, admin, caseload
):
    page = login(admin).get(reverse("attachment:clinic_overview")).content.decode()
    assert "Tess Therapist" in page
    for client in caseload:
        assert client.code not in page
        assert client.preferred_name not in page
    assert EXPLANATION not in page
    assert "flags/" not in page


def test_the_supervisors_rows_link_to_the_flag_queue_of_the_supervisee(
    login, supervisor, therapist, client, caseload
):
    other = UserFactory()
    MembershipFactory(user=other, clinic=client.clinic, role=Role.THERAPIST)
    SupervisionFactory(clinic=client.clinic, supervisor=supervisor, supervisee=other)
    other_client = ClientFactory(
        clinic=client.clinic, therapist=other, code="ELSEWHERE-1"
    )
    _flag(other_client, FlagTier.RED)
    http = login(supervisor)
    page = http.get(reverse("attachment:overview")).content.decode()
    queue = reverse("attachment:flag_queue")
    link = f"{queue}?therapist={therapist.pk}"
    assert f'href="{link}"' in page
    assert "<svg" in page and "style=" not in page

    filtered = http.get(link).content.decode()
    own_codes = {flag.client.code for flag in Flag.objects.filter(therapist=therapist)}
    assert own_codes and all(code in filtered for code in own_codes)
    assert "ELSEWHERE-1" not in filtered


def _more_supervisees(clinic, supervisor, count: int) -> None:
    for _ in range(count):
        supervisee = UserFactory()
        MembershipFactory(user=supervisee, clinic=clinic, role=Role.THERAPIST)
        SupervisionFactory(clinic=clinic, supervisor=supervisor, supervisee=supervisee)
        for _ in range(3):
            client = ClientFactory(clinic=clinic, therapist=supervisee)
            _flag(client, FlagTier.RED)
            ContactFactory(client=client, occurred_at=NOW - dt.timedelta(days=4))
            RuptureFactory(client=client, noticed_at=NOW - dt.timedelta(days=25))
            _awaiting_cosign(client)


@pytest.mark.parametrize("supervisees", [1, 8])
def test_the_supervisors_page_costs_the_same_queries_at_any_size(
    login, supervisor, clinic, caseload, supervisees, django_assert_max_num_queries
):
    _more_supervisees(clinic, supervisor, supervisees)
    http = login(supervisor)
    with django_assert_max_num_queries(22):
        response = http.get(reverse("attachment:overview"))
    assert len(response.context["rows"]) == supervisees + 1


@pytest.mark.parametrize("supervisees", [1, 8])
def test_the_admins_page_costs_the_same_queries_at_any_size(
    login,
    admin,
    supervisor,
    clinic,
    caseload,
    supervisees,
    django_assert_max_num_queries,
):
    _more_supervisees(clinic, supervisor, supervisees)
    http = login(admin)
    with django_assert_max_num_queries(19):
        response = http.get(reverse("attachment:clinic_overview"))
    assert len(response.context["rows"]) >= supervisees + 2
