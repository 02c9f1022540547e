"""The unanswered-distress sweep: one alert at the right minute, to the
therapist or the cover, escalated once to the supervisor, settled by an
answer; no clinical text, code or name in what it sends.  Time is passed in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from attachment.alerts.services import SweepCounts, unanswered_distress_sweep
from attachment.models import Notification, NotificationKind, SafetyAlert
from attachment.records.services import contact_log
from clinic.models import AuditEvent, ClientStatus
from tests.attachment.alerts.conftest import (
    SUMMARY,
    T0,
    hours,
    minutes,
    reach_out,
    risk,
)
from tests.attachment.factories import (
    AgreementFactory,
    ContactFactory,
    former_supervisor_of,
)
from tests.factories import (
    AbsenceFactory,
    ClientFactory,
    ContactPolicyFactory,
    MembershipFactory,
    SupervisionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def sweep(at: dt.datetime) -> SweepCounts:
    return unanswered_distress_sweep(now=at)


def told(kind: str = NotificationKind.UNANSWERED_DISTRESS) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind).order_by("pk"))


# --- raising, once, at the right minute ------------------------------------------


def test_a_crisis_contact_alerts_once_at_its_reply_time(policy, client, therapist):
    contact = reach_out(client, purpose="crisis")
    assert sweep(T0 + minutes(119)).raised == 0
    assert not SafetyAlert.objects.exists()
    assert not Notification.objects.exists()

    assert sweep(T0 + minutes(120)).raised == 1
    alert = SafetyAlert.objects.get()
    assert (alert.contact, alert.client, alert.notified) == (contact, client, therapist)
    assert alert.due_at == T0 + minutes(120)
    assert alert.raised_at == T0 + minutes(120)
    assert alert.escalate_at == T0 + minutes(240)
    [note] = told()
    assert note.recipient == therapist
    assert note.url == (
        reverse("clinic:client", args=[client.pk]) + f"?in_reply_to={contact.pk}"
    )
    assert note.created_at == T0 + minutes(120)

    assert sweep(T0 + minutes(125)) == SweepCounts(not_escalated=0)
    assert SafetyAlert.objects.count() == 1
    assert len(told()) == 1


def test_crisis_waits_the_frames_crisis_reply_minutes(clinic, client):
    ContactPolicyFactory(clinic=clinic, crisis_reply_minutes=30)
    reach_out(client, purpose="crisis")
    assert sweep(T0 + minutes(29)).raised == 0
    assert sweep(T0 + minutes(30)).raised == 1


def test_a_sweep_that_ran_late_still_raises_the_alert_due_earlier(policy, client):
    reach_out(client, purpose="crisis")
    assert sweep(T0 + minutes(183)).raised == 1
    assert SafetyAlert.objects.get().due_at == T0 + minutes(120)


def test_distress_at_low_risk_raises_nothing(policy, client):
    risk(client, "low")
    reach_out(client, purpose="distress")
    assert sweep(T0 + hours(24)).raised == 0
    assert sweep(T0 + hours(72)).raised == 0
    assert not Notification.objects.exists()


def test_distress_with_no_risk_recorded_raises_nothing(policy, client):
    reach_out(client, purpose="distress")
    assert sweep(T0 + hours(72)).raised == 0


def test_distress_at_moderate_risk_alerts_at_the_frames_response_window(policy, client):
    risk(client, "moderate")
    reach_out(client, purpose="distress")
    assert sweep(T0 + hours(24) - minutes(1)).raised == 0
    assert sweep(T0 + hours(24)).raised == 1
    assert "distress contact" in told()[0].message


def test_distress_alerts_at_the_reply_time_of_the_agreement_in_force(policy, client):
    risk(client, "high")
    AgreementFactory(client=client, effective_from=T0 - hours(48), reply_hours=6)
    AgreementFactory(client=client, effective_from=T0 + hours(1), reply_hours=12)
    reach_out(client, purpose="distress")
    assert sweep(T0 + hours(6) - minutes(1)).raised == 0
    assert sweep(T0 + hours(6)).raised == 1


def test_the_latest_risk_level_decides(policy, client):
    risk(client, "high", session_at=T0 - dt.timedelta(days=14))
    risk(client, "low", session_at=T0 - dt.timedelta(days=7))
    reach_out(client, purpose="distress")
    assert sweep(T0 + hours(30)).raised == 0


def test_answered_ended_and_other_contacts_raise_nothing(
    policy, clinic, client, therapist
):
    risk(client, "high")
    reach_out(client, purpose="scheduling")
    answered = reach_out(client, purpose="crisis")
    answered.responded_at = T0 + minutes(10)
    answered.save()
    ContactFactory(
        client=client, occurred_at=T0, direction="from_therapist", purpose="crisis"
    )
    ended = ClientFactory(
        clinic=clinic,
        therapist=therapist,
        status=ClientStatus.ENDED,
        ended_on=dt.date(2026, 3, 1),
    )
    reach_out(ended, purpose="crisis")
    assert sweep(T0 + hours(30)).raised == 0


def test_an_ending_clients_crisis_alerts(policy, client):
    client.status = ClientStatus.ENDING
    client.save()
    reach_out(client, purpose="crisis")
    assert sweep(T0 + hours(3)).raised == 1


# --- the cover during an absence ------------------------------------------------


def test_during_an_absence_the_cover_is_told(policy, clinic, client, therapist, cover):
    AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        covering_therapist=cover,
        starts_on=dt.date(2026, 3, 16),
        ends_on=dt.date(2026, 3, 18),
    )
    contact = reach_out(client, purpose="crisis")
    assert sweep(T0 + minutes(120)).raised == 1
    assert SafetyAlert.objects.get().notified == cover
    [note] = told()
    assert note.recipient == cover
    assert note.url == (
        reverse("attachment:cover_page", args=[client.pk])
        + f"?in_reply_to={contact.pk}"
    )
    assert "a client you cover" in note.message


def test_after_the_absence_the_therapist_is_told_again(
    policy, clinic, client, therapist, cover
):
    AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        covering_therapist=cover,
        starts_on=dt.date(2026, 3, 10),
        ends_on=dt.date(2026, 3, 17),
    )
    reach_out(client, purpose="crisis")
    sweep(T0 + minutes(120))
    assert told()[0].recipient == therapist


def test_an_absence_without_a_cover_leaves_the_therapist_told(
    policy, clinic, client, therapist
):
    AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        starts_on=dt.date(2026, 3, 16),
        ends_on=dt.date(2026, 3, 20),
    )
    reach_out(client, purpose="crisis")
    sweep(T0 + minutes(120))
    assert told()[0].recipient == therapist


# --- escalation to the supervisor -----------------------------------------------


def test_it_escalates_once_to_the_supervisor_after_another_window(
    policy, client, therapist, supervisor
):
    reach_out(client, purpose="crisis")
    assert sweep(T0 + minutes(120)).escalated == 0
    assert sweep(T0 + minutes(239)).escalated == 0
    assert not told(NotificationKind.UNANSWERED_ESCALATED)

    assert sweep(T0 + minutes(240)).escalated == 1
    alert = SafetyAlert.objects.get()
    assert (alert.escalated_at, alert.escalated_to) == (T0 + minutes(240), supervisor)
    [note] = told(NotificationKind.UNANSWERED_ESCALATED)
    assert note.recipient == supervisor
    assert note.url == reverse("clinic:client", args=[client.pk])
    assert "Tess Therapist's clients" in note.message

    assert sweep(T0 + minutes(245)).escalated == 0
    assert sweep(T0 + hours(30)).escalated == 0
    assert len(told(NotificationKind.UNANSWERED_ESCALATED)) == 1


def test_without_a_current_supervisor_it_waits_and_is_counted(
    policy, clinic, client, therapist
):
    reach_out(client, purpose="crisis")
    sweep(T0 + minutes(120))
    assert sweep(T0 + minutes(240)) == SweepCounts(not_escalated=1)
    assert SafetyAlert.objects.get().escalated_at is None

    late = UserFactory(full_name="Lee Later")
    MembershipFactory(user=late, clinic=clinic, role="supervisor")
    SupervisionFactory(
        clinic=clinic, supervisor=late, supervisee=therapist, started_on=T0.date()
    )
    assert sweep(T0 + minutes(245)).escalated == 1
    assert SafetyAlert.objects.get().escalated_to == late


def test_a_former_supervisor_is_not_told(policy, clinic, client, therapist):
    former_supervisor_of(clinic=clinic, supervisee=therapist)
    reach_out(client, purpose="crisis")
    sweep(T0 + minutes(120))
    assert sweep(T0 + minutes(240)).not_escalated == 1
    assert not told(NotificationKind.UNANSWERED_ESCALATED)


# --- settling by an answer ------------------------------------------------------


def test_a_linked_reply_settles_the_alert_and_stops_the_escalation(
    policy, client, therapist, supervisor
):
    contact = reach_out(client, purpose="crisis")
    sweep(T0 + minutes(120))
    contact_log(
        actor=therapist,
        client=client,
        occurred_at=T0 + minutes(150),
        channel="phone",
        direction="from_therapist",
        now=T0 + minutes(155),
        in_reply_to=contact.pk,
    )
    counts = sweep(T0 + minutes(240))
    assert counts == SweepCounts(settled=1)
    alert = SafetyAlert.objects.get()
    assert alert.answered_at == T0 + minutes(150)
    assert alert.escalated_at is None
    assert not told(NotificationKind.UNANSWERED_ESCALATED)
    assert sweep(T0 + minutes(245)) == SweepCounts()


def test_a_reply_before_the_reply_time_raises_nothing(policy, client, therapist):
    contact = reach_out(client, purpose="crisis")
    contact_log(
        actor=therapist,
        client=client,
        occurred_at=T0 + minutes(20),
        channel="text",
        direction="from_therapist",
        now=T0 + minutes(20),
        in_reply_to=contact.pk,
    )
    assert sweep(T0 + hours(5)) == SweepCounts()
    assert not SafetyAlert.objects.exists()


# --- what it sends and records --------------------------------------------------


def test_notifications_hold_no_summary_code_or_name(
    policy, client, therapist, supervisor
):
    risk(client, "high")
    reach_out(client, purpose="crisis")
    reach_out(client, purpose="distress", occurred_at=T0 + minutes(1))
    sweep(T0 + hours(24) + minutes(1))
    sweep(T0 + hours(48) + minutes(1))
    notes = list(Notification.objects.all())
    assert {note.kind for note in notes} == {
        NotificationKind.UNANSWERED_DISTRESS,
        NotificationKind.UNANSWERED_ESCALATED,
    }
    assert len(notes) == 4
    for note in notes:
        for secret in (SUMMARY, "Zebra", client.code, client.preferred_name):
            assert secret not in note.message
            assert secret not in note.url


def test_the_systems_writes_are_audited_without_an_actor(policy, client, supervisor):
    reach_out(client, purpose="crisis")
    sweep(T0 + minutes(120))
    alert = SafetyAlert.objects.get()
    events = AuditEvent.objects.filter(
        object_type="attachment.safetyalert", object_id=alert.pk
    )
    assert [(e.action, e.actor_id, e.client_id) for e in events] == [
        ("create", None, client.pk)
    ]
    sweep(T0 + minutes(240))
    assert events.filter(action="update").count() == 1


def test_a_sweep_costs_a_fixed_number_of_queries(
    policy, clinic, therapist, supervisor, django_assert_max_num_queries
):
    for _ in range(6):
        some = ClientFactory(clinic=clinic, therapist=therapist)
        risk(some, "high")
        reach_out(some, purpose="crisis")
        reach_out(some, purpose="distress")
    # The crisis contacts' alerts are a reply window overdue at once.
    with django_assert_max_num_queries(24):
        assert sweep(T0 + hours(24)) == SweepCounts(raised=12, escalated=6)
    with django_assert_max_num_queries(14):
        assert sweep(T0 + hours(48)) == SweepCounts(escalated=6)
