"""Pages: the quick contact form, the record forms, the lists."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from attachment.models import Contact, DependencyObservation, RepairAttempt, Rupture
from clinic.models import AuditEvent
from tests.attachment.factories import (
    ContactFactory,
    CopingPlanFactory,
    ObservationFactory,
    RepairAttemptFactory,
    RuptureFactory,
)

pytestmark = pytest.mark.django_db


LONDON = zoneinfo.ZoneInfo("Europe/London")


def local_input(moment: dt.datetime) -> str:
    """What a therapist in the (London) clinic types into a time field."""
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def test_the_client_page_offers_the_quick_contact_form_to_the_therapist(
    login, therapist, client
):
    page = login(therapist).get(client.get_absolute_url())
    html = page.content.decode()
    assert reverse("attachment:contact_new", args=[client.pk]) in html
    assert 'name="occurred_at"' in html
    assert 'name="return_to"' in html


def test_a_supervisor_sees_the_client_page_without_the_form(login, supervisor, client):
    page = login(supervisor).get(client.get_absolute_url())
    assert page.status_code == 200
    assert 'name="occurred_at"' not in page.content.decode()


def test_a_contact_is_logged_from_the_client_page_with_three_fields(
    login, therapist, client
):
    http = login(therapist)
    moment = timezone.now() - dt.timedelta(hours=2)
    response = http.post(
        reverse("attachment:contact_new", args=[client.pk]),
        {
            "occurred_at": local_input(moment),
            "channel": "text",
            "direction": "from_client",
            "return_to": "client",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == client.get_absolute_url()
    contact = Contact.objects.get()
    assert abs(contact.occurred_at - moment) < dt.timedelta(minutes=1)
    assert contact.source == "manual"


def test_the_caseload_offers_one_tap_to_the_short_form_for_own_clients_only(
    login, therapist, supervisor, client
):
    quick = reverse("attachment:contact_new", args=[client.pk]) + "?from=caseload"
    own = login(therapist).get(reverse("clinic:home")).content.decode()
    assert quick in own
    supervising = login(supervisor).get(reverse("clinic:home")).content.decode()
    assert client.code in supervising
    assert quick not in supervising


def test_the_short_form_starts_from_the_last_channel_and_returns_to_the_caseload(
    login, therapist, client
):
    ContactFactory(client=client, channel="email", purpose="other")
    http = login(therapist)
    url = reverse("attachment:contact_new", args=[client.pk]) + "?from=caseload"
    html = http.get(url).content.decode()
    assert 'value="email" selected' in html
    assert 'name="purpose" value="sharing" class="btn-check"' in html
    response = http.post(
        url,
        {
            "occurred_at": local_input(timezone.now()),
            "channel": "email",
            "direction": "from_client",
            "purpose": "sharing",
            "return_to": "home",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:home")
    assert Contact.objects.filter(client=client, purpose="sharing").count() == 1


def test_times_are_entered_in_the_clinic_time_zone(login, therapist, client):
    client.clinic.timezone = "America/New_York"
    client.clinic.save()
    login(therapist).post(
        reverse("attachment:contact_new", args=[client.pk]),
        {
            "occurred_at": "2026-01-14T21:30",
            "channel": "text",
            "direction": "from_client",
        },
    )
    assert Contact.objects.get().occurred_at == dt.datetime(
        2026, 1, 15, 2, 30, tzinfo=dt.UTC
    )


def test_a_contact_far_in_the_future_is_a_clear_form_error(login, therapist, client):
    future = timezone.now() + dt.timedelta(days=3)
    response = login(therapist).post(
        reverse("attachment:contact_new", args=[client.pk]),
        {
            "occurred_at": local_input(future),
            "channel": "text",
            "direction": "from_client",
        },
    )
    assert response.status_code == 200
    assert "more than a day in the future" in response.content.decode()
    assert not Contact.objects.exists()


def test_the_contact_can_be_edited_by_its_therapist(login, therapist, client):
    contact = ContactFactory(
        client=client, occurred_at=timezone.now() - dt.timedelta(days=1)
    )
    response = login(therapist).post(
        reverse("attachment:contact_edit", args=[client.pk, contact.pk]),
        {
            "occurred_at": local_input(contact.occurred_at),
            "channel": "phone",
            "direction": "from_client",
            "duration_minutes": "12",
        },
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.channel, contact.duration_minutes) == ("phone", 12)


def test_a_contact_of_another_client_is_not_found_under_this_one(
    login, therapist, client
):
    from tests.factories import ClientFactory

    mine_too = ClientFactory(clinic=client.clinic, therapist=therapist)
    contact = ContactFactory(client=mine_too)
    response = login(therapist).get(
        reverse("attachment:contact_edit", args=[client.pk, contact.pk])
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("url_name", "what"),
    [
        ("attachment:contact_edit", "contact"),
        ("attachment:rupture_detail", "rupture"),
        ("attachment:rupture_edit", "rupture"),
        ("attachment:repair_new", "rupture"),
        ("attachment:plan_version", "coping-plan-version"),
    ],
)
def test_a_record_missing_under_the_client_is_a_logged_404(
    login, therapist, client, caplog, url_name, what
):
    with caplog.at_level("WARNING", logger="between.access"):
        response = login(therapist).get(reverse(url_name, args=[client.pk, 999_999]))

    assert response.status_code == 404
    assert (
        f"access denied status=404 user={therapist.pk} object={what} id=999999"
        in caplog.messages
    )


def test_a_rupture_with_markers_of_the_other_kind_is_a_form_error(
    login, therapist, client
):
    response = login(therapist).post(
        reverse("attachment:rupture_new", args=[client.pk]),
        {
            "noticed_at": local_input(timezone.now()),
            "setting": "in_session",
            "kind": "withdrawal",
            "markers": ["controlling"],
            "severity": "1",
            "priority": "2",
        },
    )
    assert response.status_code == 200
    assert "markers of the rupture" in response.content.decode()
    assert not Rupture.objects.exists()


def test_a_rupture_is_recorded_and_shown(login, therapist, client):
    http = login(therapist)
    response = http.post(
        reverse("attachment:rupture_new", args=[client.pk]),
        {
            "noticed_at": local_input(timezone.now() - dt.timedelta(hours=3)),
            "setting": "between_sessions",
            "channel": "text",
            "kind": "confrontation",
            "markers": ["complaint_parameters", "controlling"],
            "severity": "2",
            "priority": "3",
            "description": "Upset about the cancelled session.",
        },
    )
    rupture = Rupture.objects.get()
    assert response["Location"] == rupture.get_absolute_url()
    page = http.get(rupture.get_absolute_url()).content.decode()
    assert "Trying to control or pressure" in page
    assert "not repaired" in page


def test_a_repair_before_its_rupture_is_a_form_error(login, therapist, client):
    rupture = RuptureFactory(
        client=client, noticed_at=timezone.now() - dt.timedelta(hours=1)
    )
    response = login(therapist).post(
        reverse("attachment:repair_new", args=[client.pk, rupture.pk]),
        {
            "attempted_at": local_input(rupture.noticed_at - dt.timedelta(days=1)),
            "setting": "in_session",
            "strategy": "validate",
            "outcome": "complete",
        },
    )
    assert response.status_code == 200
    assert "cannot come before its rupture" in response.content.decode()
    assert not RepairAttempt.objects.exists()


def test_an_intensity_of_seven_is_a_form_error(login, therapist, client):
    response = login(therapist).post(
        reverse("attachment:observation_new", args=[client.pk]),
        {
            "observed_at": local_input(timezone.now()),
            "markers": ["panic"],
            "intensity": "7",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not DependencyObservation.objects.exists()


def test_an_observation_is_recorded(login, therapist, client):
    response = login(therapist).post(
        reverse("attachment:observation_new", args=[client.pk]),
        {
            "observed_at": local_input(timezone.now()),
            "markers": ["internalised_security"],
            "intensity": "0",
            "triggers": ["session_ending"],
        },
    )
    assert response.status_code == 302
    assert DependencyObservation.objects.get().markers == ["internalised_security"]


def test_measure_scores_are_recorded_and_listed(login, therapist, client):
    http = login(therapist)
    http.post(
        reverse("attachment:measure_new", args=[client.pk]),
        {
            "measured_on": timezone.now().date().isoformat(),
            "secure": "4.25",
            "avoidant_fearful": "2.10",
            "preoccupied_merger": "3.00",
        },
    )
    page = http.get(reverse("attachment:observation_list", args=[client.pk]))
    assert "4.25" in page.content.decode()


def test_the_coping_plan_is_revised_and_older_versions_stay_readable(
    login, therapist, client
):
    http = login(therapist)
    CopingPlanFactory(client=client, supports="First supports.")
    response = http.post(
        reverse("attachment:plan_revise", args=[client.pk]),
        {
            "strategies": ["journal", "exercise"],
            "supports": "Second supports.",
        },
    )
    assert response.status_code == 302
    current = http.get(client.get_absolute_url()).content.decode()
    assert "Second supports." in current
    assert "Coping plan v2" in current
    older = http.get(reverse("attachment:plan_version", args=[client.pk, 1]))
    assert "First supports." in older.content.decode()
    assert "superseded" in older.content.decode()


def test_the_revise_form_starts_from_the_current_plan(login, therapist, client):
    CopingPlanFactory(client=client, supports="Keep this wording.")
    page = login(therapist).get(reverse("attachment:plan_revise", args=[client.pk]))
    assert "Keep this wording." in page.content.decode()


def test_reading_a_list_is_audited(login, supervisor, client):
    login(supervisor).get(reverse("attachment:contact_list", args=[client.pk]))
    event = AuditEvent.objects.get(action="read")
    assert (event.actor, event.client_id) == (supervisor, client.pk)


def test_the_caseload_shows_the_last_contact(login, therapist, client):
    ContactFactory(
        client=client, occurred_at=dt.datetime(2026, 2, 3, 14, 5, tzinfo=dt.UTC)
    )
    ContactFactory(
        client=client, occurred_at=dt.datetime(2026, 1, 3, 14, 5, tzinfo=dt.UTC)
    )
    page = login(therapist).get(reverse("clinic:home"))
    assert "3 Feb 2026 14:05" in page.content.decode()


def test_the_caseload_costs_no_query_per_client(login, therapist, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import ClientFactory

    def home_queries() -> int:
        http.get(reverse("clinic:home"))  # warm the session
        with CaptureQueriesContext(connection) as captured:
            assert http.get(reverse("clinic:home")).status_code == 200
        return len(captured)

    def add_clients(count: int) -> None:
        for _ in range(count):
            ContactFactory(
                client=ClientFactory(clinic=client.clinic, therapist=therapist)
            )

    http = login(therapist)
    add_clients(2)
    few = home_queries()
    add_clients(15)
    assert home_queries() == few


@pytest.mark.parametrize(
    ("url_name", "build"),
    [
        (
            "attachment:contact_list",
            lambda c: ContactFactory.create_batch(60, client=c),
        ),
        (
            "attachment:rupture_list",
            lambda c: [
                RepairAttemptFactory(rupture=RuptureFactory(client=c))
                for _ in range(30)
            ],
        ),
        (
            "attachment:observation_list",
            lambda c: ObservationFactory.create_batch(60, client=c),
        ),
        (
            "attachment:plan",
            lambda c: [CopingPlanFactory(client=c, version=v) for v in range(1, 20)],
        ),
    ],
)
def test_list_pages_cost_a_fixed_number_of_queries(
    url_name, build, login, therapist, client, django_assert_max_num_queries
):
    build(client)
    http = login(therapist)
    with django_assert_max_num_queries(16):
        response = http.get(reverse(url_name, args=[client.pk]))
    assert response.status_code == 200
    assert "style=" not in response.content.decode()
