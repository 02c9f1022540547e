"""The cover page: open to the cover on the absence's dates only, showing
what a colleague needs to act and nothing of the notes, every read on the
client's trail as a ``cover_page`` event; the home page's Covering section;
a contact the cover logs, found marked by the therapist on return."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from attachment.models import Contact, LoggedWhile
from clinic.access import COVER_PAGE
from clinic.models import AuditAction, AuditEvent, ClientStatus, Membership
from tests.attachment.cover.conftest import local_noon
from tests.attachment.factories import (
    AgreementFactory,
    ContactFactory,
    CopingPlanFactory,
    FlagFactory,
    MeasureFactory,
    ObservationFactory,
    RuptureFactory,
)
from tests.factories import (
    AbsenceFactory,
    ClientFactory,
    ContactPolicyFactory,
    MembershipFactory,
    UserFactory,
)
from tests.notes.factories import (
    ProcessNoteFactory,
    ReflectionFactory,
    SessionNoteFactory,
)

pytestmark = pytest.mark.django_db


def cover_url(client) -> str:
    return reverse("attachment:cover_page", args=[client.pk])


def cover_reads(user) -> list[tuple[str, int | None, int | None]]:
    return list(
        AuditEvent.objects.filter(actor=user, action=AuditAction.READ)
        .order_by("pk")
        .values_list("object_type", "object_id", "client_id")
    )


# --- when it opens ---------------------------------------------------------


def test_the_cover_reads_a_cover_page_inside_the_absence(login, cover, client, absence):
    assert login(cover).get(cover_url(client)).status_code == 200


def test_the_day_after_the_absence_every_cover_page_answers_404(
    http, clinic, cover, client, absence, clock
):
    clock(local_noon(clinic, absence.ends_on))
    http.force_login(cover)
    assert http.get(cover_url(client)).status_code == 200

    clock(local_noon(clinic, absence.ends_on + dt.timedelta(days=1)))
    http.force_login(cover)
    assert http.get(cover_url(client)).status_code == 404
    assert "Covering" not in http.get(reverse("clinic:home")).content.decode()


def test_the_day_before_the_absence_the_cover_page_answers_404(
    http, clinic, cover, client, absence, clock
):
    clock(local_noon(clinic, absence.starts_on - dt.timedelta(days=1)))
    http.force_login(cover)
    assert http.get(cover_url(client)).status_code == 404


def test_the_absence_days_are_the_clinics_own(
    http, clinic, cover, client, absence, clock
):
    """Half past midnight in London on the day after the absence is still its
    last day in UTC, and already past it for the clinic."""
    clinic.timezone = "Pacific/Auckland"
    clinic.save()
    last_day_ends = dt.datetime.combine(
        absence.ends_on + dt.timedelta(days=1), dt.time(0, 30), clinic.zone
    )
    assert last_day_ends.astimezone(dt.UTC).date() <= absence.ends_on
    clock(last_day_ends)
    http.force_login(cover)
    assert http.get(cover_url(client)).status_code == 404
    clock(last_day_ends - dt.timedelta(hours=1))
    http.force_login(cover)
    assert http.get(cover_url(client)).status_code == 200


def test_clients_of_another_therapist_or_clinic_answer_404_to_the_cover(
    login, cover, client, absence, clinic, other_therapist, other_clinic
):
    colleagues = ClientFactory(clinic=clinic, therapist=other_therapist)
    elsewhere = ClientFactory(
        clinic=other_clinic, therapist=UserFactory(), code=client.code
    )
    http = login(cover)
    for other in (colleagues, elsewhere):
        assert http.get(cover_url(other)).status_code == 404


def test_an_ended_client_is_not_covered(login, cover, client, absence):
    client.status, client.ended_on = ClientStatus.ENDED, client.started_on
    client.save()
    assert login(cover).get(cover_url(client)).status_code == 404


def test_a_cover_who_left_the_clinic_opens_nothing(login, cover, client, absence):
    Membership.objects.filter(user=cover).delete()
    assert login(cover).get(cover_url(client)).status_code == 404


def test_a_cover_replaced_on_the_absence_opens_nothing(
    login, cover, client, absence, other_therapist
):
    absence.covering_therapist = other_therapist
    absence.save()
    assert login(cover).get(cover_url(client)).status_code == 404
    assert login(other_therapist).get(cover_url(client)).status_code == 200


def test_those_who_know_the_client_are_sent_to_its_own_page(
    login, client, absence, therapist, supervisor, admin
):
    for person in (therapist, supervisor, admin):
        assert login(person).get(cover_url(client)).status_code == 403


def test_a_user_of_another_clinic_gets_404(login, client, absence, outsider):
    assert login(outsider).get(cover_url(client)).status_code == 404


# --- what it shows -----------------------------------------------------------


def test_a_cover_page_never_shows_notes_process_notes_reflections_observations_or_measures(
    login, cover, client, absence
):
    SessionNoteFactory(
        client=client,
        subjective="NOTE-SUBJECTIVE-zebra",
        objective="NOTE-OBJECTIVE-zebra",
        assessment="NOTE-ASSESSMENT-zebra",
        plan="NOTE-PLAN-zebra",
    )
    ProcessNoteFactory(client=client, text="PROCESS-NOTE-zebra countertransference")
    ReflectionFactory(client=client, text="REFLECTION-zebra bring it up")
    ObservationFactory(
        client=client, note="OBSERVATION-zebra", observed_at=timezone.now()
    )
    MeasureFactory(
        client=client,
        measured_on=timezone.localdate(),
        secure=Decimal("1.37"),
        avoidant_fearful=Decimal("2.91"),
        preoccupied_merger=Decimal("4.63"),
    )
    page = login(cover).get(cover_url(client)).content.decode()
    assert "zebra" not in page
    for score in ("1.37", "2.91", "4.63"):
        assert score not in page


def test_a_cover_page_shows_what_a_colleague_needs_to_act(
    login, cover, client, absence, clinic
):
    now = timezone.now()
    ContactPolicyFactory(clinic=clinic)
    AgreementFactory(
        client=client,
        effective_from=now - dt.timedelta(days=30),
        crisis_route="AGREEMENT-CRISIS call the line",
        break_arrangements="AGREEMENT-BREAKS the cover answers",
    )
    CopingPlanFactory(client=client, version=1, crisis_steps="OLD-PLAN-STEPS")
    CopingPlanFactory(
        client=client,
        version=2,
        crisis_steps="PLAN-CRISIS call the covering therapist",
        supports="PLAN-SUPPORTS a sister",
    )
    ContactFactory(
        client=client, occurred_at=now - dt.timedelta(days=3), summary="RECENT-CONTACT"
    )
    ContactFactory(
        client=client, occurred_at=now - dt.timedelta(days=40), summary="OLD-CONTACT"
    )
    RuptureFactory(client=client, description="OPEN-RUPTURE went quiet")
    RuptureFactory(client=client, description="RESOLVED-RUPTURE", status="resolved")
    FlagFactory(client=client, explanation="LIVE-FLAG sentence for the client.")
    FlagFactory(client=client, explanation="CLOSED-FLAG sentence.", status="resolved")

    page = login(cover).get(cover_url(client)).content.decode()

    for shown in (
        "AGREEMENT-CRISIS",
        "AGREEMENT-BREAKS",
        "PLAN-CRISIS",
        "PLAN-SUPPORTS",
        "RECENT-CONTACT",
        "OPEN-RUPTURE",
        "LIVE-FLAG",
        'action="/records/clients/',
    ):
        assert shown in page, shown
    for hidden in ("OLD-PLAN-STEPS", "OLD-CONTACT", "RESOLVED-RUPTURE", "CLOSED-FLAG"):
        assert hidden not in page, hidden
    # Nothing that leads to pages the cover cannot open.
    for closed in ("clinic:client", "attachment:timeline", "attachment:plan"):
        assert f'href="{reverse(closed, args=[client.pk])}"' not in page, closed


# --- the trail ---------------------------------------------------------------


def test_every_cover_read_is_a_cover_page_event_on_the_clients_trail(
    login, cover, client, absence
):
    http = login(cover)
    http.get(cover_url(client))
    http.get(cover_url(client))
    assert cover_reads(cover) == [(COVER_PAGE, absence.pk, client.pk)] * 2
    assert (
        not AuditEvent.objects.filter(actor=cover)
        .exclude(object_type=COVER_PAGE)
        .exists()
    )


def test_a_refused_cover_page_writes_no_read(login, cover, client, absence, clock):
    clock(timezone.now() + dt.timedelta(days=5))
    http = login(cover)
    assert http.get(cover_url(client)).status_code == 404
    assert cover_reads(cover) == []


# --- the home page -------------------------------------------------------------


def test_the_cover_sees_covering_with_the_absent_therapists_clients_in_therapy(
    login, cover, client, absence, clinic, therapist, other_therapist
):
    ending = ClientFactory(
        clinic=clinic, therapist=therapist, status=ClientStatus.ENDING
    )
    ended = ClientFactory(
        clinic=clinic,
        therapist=therapist,
        status=ClientStatus.ENDED,
        ended_on=client.started_on,
    )
    someone_elses = ClientFactory(clinic=clinic, therapist=other_therapist)
    page = login(cover).get(reverse("clinic:home")).content.decode()
    assert "Covering" in page
    assert therapist.full_name in page
    for shown in (client, ending):
        assert cover_url(shown) in page
    for hidden in (ended, someone_elses):
        assert cover_url(hidden) not in page
        assert hidden.code not in page


def test_nobody_else_sees_covering(login, client, absence, therapist, supervisor):
    for person in (therapist, supervisor):
        assert (
            "Covering" not in login(person).get(reverse("clinic:home")).content.decode()
        )


def test_the_covering_section_costs_no_query_per_client(
    login, cover, client, absence, clinic, therapist
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    http = login(cover)

    def home_queries() -> int:
        http.get(reverse("clinic:home"))
        with CaptureQueriesContext(connection) as captured:
            assert http.get(reverse("clinic:home")).status_code == 200
        return len(captured)

    few = home_queries()
    for _ in range(6):
        ClientFactory(clinic=clinic, therapist=therapist)
    other = UserFactory()
    MembershipFactory(user=other, clinic=clinic)
    AbsenceFactory(
        clinic=clinic,
        therapist=other,
        covering_therapist=absence.covering_therapist,
        starts_on=absence.starts_on,
        ends_on=absence.ends_on,
    )
    ClientFactory(clinic=clinic, therapist=other)
    assert home_queries() == few


# --- logging a contact -----------------------------------------------------------


def _posted(clinic, **changes) -> dict:
    moment = timezone.localtime(timezone.now() - dt.timedelta(hours=1), clinic.zone)
    return {
        "occurred_at": moment.strftime("%Y-%m-%dT%H:%M"),
        "channel": "text",
        "direction": "from_client",
        "purpose": "distress",
        "summary": "Asked whether someone is there this week.",
        **changes,
    }


def test_the_cover_logs_a_contact_the_therapist_finds_marked_on_return(
    login, cover, client, absence, clinic, therapist
):
    response = login(cover).post(
        reverse("attachment:cover_contact_new", args=[client.pk]), _posted(clinic)
    )
    assert response.status_code == 302
    assert response["Location"] == cover_url(client)
    contact = Contact.objects.get(client=client)
    assert (contact.logged_by, contact.logged_while) == (cover, LoggedWhile.COVERING)
    assert contact.during_absence
    assert AuditEvent.objects.filter(
        actor=cover,
        action=AuditAction.CREATE,
        object_type="attachment.contact",
        object_id=contact.pk,
        client_id=client.pk,
    ).exists()

    page = (
        login(therapist)
        .get(reverse("attachment:contact_list", args=[client.pk]))
        .content.decode()
    )
    assert "logged by Cora Cover while covering" in page


def test_a_refused_contact_is_shown_again_and_nothing_is_written(
    login, cover, client, absence, clinic
):
    response = login(cover).post(
        reverse("attachment:cover_contact_new", args=[client.pk]),
        _posted(clinic, occurred_at="", channel="pigeon"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Contact.objects.exists()


def test_after_the_absence_the_cover_can_log_nothing(
    http, cover, client, absence, clinic, clock
):
    clock(local_noon(clinic, absence.ends_on + dt.timedelta(days=1)))
    http.force_login(cover)
    response = http.post(
        reverse("attachment:cover_contact_new", args=[client.pk]), _posted(clinic)
    )
    assert response.status_code == 404
    assert not Contact.objects.exists()
