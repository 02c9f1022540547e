"""Writes of between-session records: facts, permissions, bad input, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from attachment.models import (
    AttachmentMeasure,
    Contact,
    CopingPlan,
    DependencyObservation,
    RepairAttempt,
    Rupture,
)
from attachment.records import services
from clinic.models import AuditEvent
from tests.attachment.factories import AgreementFactory, RuptureFactory
from tests.factories import AbsenceFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC)


def log(therapist, client, now, **kwargs) -> Contact:
    values = {
        "occurred_at": MONDAY,
        "channel": "text",
        "direction": "from_client",
    }
    return services.contact_log(
        actor=therapist, client=client, now=now, **{**values, **kwargs}
    )


def test_logging_a_contact_derives_and_stores_its_facts(therapist, client, policy, now):
    evening = MONDAY.replace(hour=21)
    contact = log(
        therapist,
        client,
        now,
        occurred_at=evening,
        channel="social",
        responded_at=evening + dt.timedelta(minutes=12),
    )
    stored = Contact.objects.get(pk=contact.pk)
    assert stored.after_hours
    assert stored.outside_agreement
    assert stored.response_minutes == 12
    assert stored.responded_after_hours
    assert not stored.during_absence
    assert not stored.after_ending


def test_the_agreement_in_force_is_the_one_that_applies(therapist, client, policy, now):
    AgreementFactory(
        client=client,
        effective_from=now - dt.timedelta(days=30),
        allowed_channels=["social"],
    )
    assert not log(therapist, client, now, channel="social").outside_agreement
    assert log(therapist, client, now, channel="text").outside_agreement


def test_a_contact_before_the_first_agreement_is_judged_by_the_frame(
    therapist, client, policy, now
):
    AgreementFactory(client=client, effective_from=now, allowed_channels=["social"])
    earlier = log(
        therapist,
        client,
        now,
        occurred_at=now - dt.timedelta(days=1),
        channel="social",
    )
    assert earlier.outside_agreement  # the frame offers no social media


def test_a_contact_under_version_1_keeps_its_facts_when_version_2_lowers_the_limit(
    therapist, client, policy, now
):
    AgreementFactory(
        client=client,
        version=1,
        effective_from=now - dt.timedelta(days=60),
        weekly_limit=4,
    )
    week_ago = now - dt.timedelta(days=6)
    first_three = [
        log(therapist, client, now, occurred_at=week_ago + dt.timedelta(hours=hours))
        for hours in (0, 1, 2)
    ]
    AgreementFactory(
        client=client,
        version=2,
        effective_from=now - dt.timedelta(days=1),
        weekly_limit=1,
    )
    # Version 2 in force: today's contact is over its limit of 1 ...
    assert log(therapist, client, now, occurred_at=now).over_weekly_limit
    # ... while the three made under version 1 (limit 4) stay within it, even
    # after today's contact made the facts of the week be computed again.
    for contact in first_three:
        contact.refresh_from_db()
        assert not contact.over_weekly_limit


@pytest.mark.parametrize("purpose", ["distress", "crisis"])
def test_distress_and_crisis_contacts_are_never_over_the_limit_nor_counted(
    therapist, client, policy, now, purpose
):
    AgreementFactory(
        client=client, effective_from=now - dt.timedelta(days=60), weekly_limit=1
    )
    reaching_out = [
        log(
            therapist,
            client,
            now,
            occurred_at=now - dt.timedelta(hours=hours),
            purpose=purpose,
        )
        for hours in (5, 4, 3)
    ]
    for contact in reaching_out:
        contact.refresh_from_db()
        assert not contact.over_weekly_limit
        assert not contact.after_hours and not contact.outside_agreement
    # They did not count toward the limit: one scheduling text keeps to it.
    assert not log(
        therapist, client, now, occurred_at=now, purpose="scheduling"
    ).over_weekly_limit


def test_a_contact_during_the_therapists_absence_says_so(
    therapist, client, policy, now
):
    AbsenceFactory(
        clinic=client.clinic,
        therapist=therapist,
        starts_on=dt.date(2026, 3, 9),
        ends_on=dt.date(2026, 3, 13),
    )
    assert log(therapist, client, now).during_absence


def test_a_contact_for_an_ended_client_is_always_marked_after_ending(
    therapist, client, policy, now
):
    client.status, client.ended_on = "ended", dt.date(2026, 3, 1)
    client.save()
    assert log(therapist, client, now).after_ending


def test_the_fourth_client_contact_in_seven_days_is_over_the_weekly_limit(
    therapist, client, policy, now
):
    contacts = [
        log(therapist, client, now, occurred_at=MONDAY + dt.timedelta(days=day))
        for day in range(4)
    ]
    assert [c.over_weekly_limit for c in contacts] == [False, False, False, True]


def test_therapist_contacts_do_not_count_towards_the_weekly_limit(
    therapist, client, policy, now
):
    for day in range(4):
        log(
            therapist,
            client,
            now,
            occurred_at=MONDAY + dt.timedelta(days=day),
            direction="from_therapist",
        )
    assert not Contact.objects.filter(over_weekly_limit=True).exists()


def test_a_backdated_contact_pushes_its_later_neighbours_over_the_limit(
    therapist, client, policy, now
):
    later = [
        log(therapist, client, now, occurred_at=MONDAY + dt.timedelta(days=day))
        for day in (1, 2, 3)
    ]
    assert not any(c.over_weekly_limit for c in later)
    log(therapist, client, now, occurred_at=MONDAY)
    assert Contact.objects.get(pk=later[-1].pk).over_weekly_limit


def test_moving_a_contact_away_takes_its_neighbour_back_under_the_limit(
    therapist, client, policy, now
):
    first, *_, fourth = [
        log(therapist, client, now, occurred_at=MONDAY + dt.timedelta(days=day))
        for day in range(4)
    ]
    assert Contact.objects.get(pk=fourth.pk).over_weekly_limit
    services.contact_update(
        actor=therapist,
        contact=first,
        now=now,
        occurred_at=MONDAY - dt.timedelta(days=8),
    )
    assert not Contact.objects.get(pk=fourth.pk).over_weekly_limit


def test_a_contact_is_refused_more_than_a_day_in_the_future(
    therapist, client, policy, now
):
    with pytest.raises(ValidationError) as refused:
        log(therapist, client, now, occurred_at=now + dt.timedelta(days=1, minutes=1))
    assert "occurred_at" in refused.value.error_dict
    assert not Contact.objects.exists()
    log(therapist, client, now, occurred_at=now + dt.timedelta(hours=23))


def test_an_answer_before_the_contact_is_refused(therapist, client, policy, now):
    with pytest.raises(ValidationError) as refused:
        log(therapist, client, now, responded_at=MONDAY - dt.timedelta(minutes=1))
    assert "responded_at" in refused.value.error_dict
    assert not Contact.objects.exists()


def test_an_answer_to_the_therapists_own_contact_is_refused(
    therapist, client, policy, now
):
    with pytest.raises(ValidationError):
        log(
            therapist,
            client,
            now,
            direction="from_therapist",
            responded_at=MONDAY + dt.timedelta(hours=1),
        )


def test_an_unknown_channel_is_refused(therapist, client, policy, now):
    with pytest.raises(ValidationError) as refused:
        log(therapist, client, now, channel="pigeon")
    assert "channel" in refused.value.error_dict


def test_a_supervisor_may_not_log_a_contact(supervisor, client, policy, now):
    with pytest.raises(PermissionDenied):
        log(supervisor, client, now)
    assert not Contact.objects.exists()


def test_another_therapist_does_not_find_the_client(
    other_therapist, client, policy, now
):
    with pytest.raises(Http404):
        log(other_therapist, client, now)


def test_every_write_is_audited_with_ids_only(therapist, client, policy, now):
    contact = log(therapist, client, now)
    event = AuditEvent.objects.get(object_type="attachment.contact")
    assert (event.actor, event.action, event.object_id, event.client_id) == (
        therapist,
        "create",
        contact.pk,
        client.pk,
    )


def test_a_saved_contact_asks_for_a_rescan_on_commit(
    therapist, client, policy, now, django_capture_on_commit_callbacks, monkeypatch
):
    asked: list[int] = []
    monkeypatch.setattr(services, "_request_rescan", asked.append)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        log(therapist, client, now)
    assert len(callbacks) == 1
    assert asked == [client.pk]


def test_the_rescan_hook_is_not_called_when_the_contact_is_refused(
    therapist, client, policy, now, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(ValidationError),
    ):
        log(therapist, client, now, occurred_at=now + dt.timedelta(days=3))
    assert callbacks == []


# Ruptures and repairs ------------------------------------------------------


def record_rupture(therapist, client, now, **kwargs) -> Rupture:
    values = {
        "noticed_at": MONDAY,
        "setting": "between_sessions",
        "channel": "text",
        "kind": "confrontation",
        "markers": ["complaint_therapist"],
        "severity": 2,
    }
    return services.rupture_record(
        actor=therapist, client=client, now=now, **{**values, **kwargs}
    )


def test_a_rupture_between_sessions_needs_its_channel(therapist, client, now):
    with pytest.raises(ValidationError) as refused:
        record_rupture(therapist, client, now, channel="")
    assert "channel" in refused.value.error_dict


def test_markers_of_the_other_kind_are_refused(therapist, client, now):
    with pytest.raises(ValidationError) as refused:
        record_rupture(therapist, client, now, markers=["denial"])
    assert "markers" in refused.value.error_dict
    assert not Rupture.objects.exists()


def test_the_database_refuses_markers_of_the_other_kind(client):
    with pytest.raises(IntegrityError), transaction.atomic():
        RuptureFactory(client=client, kind="withdrawal", markers=["controlling"])


def test_the_database_refuses_a_severity_outside_one_to_three(client):
    with pytest.raises(IntegrityError), transaction.atomic():
        RuptureFactory(client=client, severity=4)


def test_a_complete_repair_resolves_the_rupture_and_gives_the_time_to_repair(
    therapist, client, now
):
    rupture = record_rupture(therapist, client, now)
    services.repair_record(
        actor=therapist,
        rupture=rupture,
        attempted_at=MONDAY + dt.timedelta(minutes=45),
        setting="between_sessions",
        strategy="clarify",
        outcome="complete",
        now=now,
    )
    rupture = Rupture.objects.get(pk=rupture.pk)
    assert rupture.status == "resolved"
    assert rupture.time_to_repair == dt.timedelta(minutes=45)
    assert rupture.time_to_repair_text == "45 minutes"


def test_a_partial_repair_marks_the_rupture_as_repairing(therapist, client, now):
    rupture = record_rupture(therapist, client, now)
    services.repair_record(
        actor=therapist,
        rupture=rupture,
        attempted_at=MONDAY + dt.timedelta(days=2),
        setting="in_session",
        strategy="validate",
        outcome="partial",
        now=now,
    )
    rupture.refresh_from_db()
    assert rupture.status == "repairing"
    assert rupture.time_to_repair is None


def test_a_repair_before_its_rupture_is_refused(therapist, client, now):
    rupture = record_rupture(therapist, client, now)
    with pytest.raises(ValidationError) as refused:
        services.repair_record(
            actor=therapist,
            rupture=rupture,
            attempted_at=MONDAY - dt.timedelta(hours=1),
            setting="in_session",
            strategy="validate",
            outcome="complete",
            now=now,
        )
    assert "attempted_at" in refused.value.error_dict
    assert not RepairAttempt.objects.exists()
    assert Rupture.objects.get(pk=rupture.pk).status == "open"


def test_the_database_refuses_a_repair_before_its_rupture(client):
    rupture = RuptureFactory(client=client)
    with pytest.raises(IntegrityError), transaction.atomic():
        RepairAttempt.objects.create(
            rupture=rupture,
            attempted_at=rupture.noticed_at - dt.timedelta(seconds=1),
            setting="in_session",
            strategy="validate",
            outcome="none",
        )


def test_a_rupture_cannot_be_moved_after_its_repairs(therapist, client, now):
    rupture = record_rupture(therapist, client, now)
    services.repair_record(
        actor=therapist,
        rupture=rupture,
        attempted_at=MONDAY + dt.timedelta(hours=1),
        setting="in_session",
        strategy="validate",
        outcome="partial",
        now=now,
    )
    with pytest.raises(ValidationError):
        services.rupture_update(
            actor=therapist,
            rupture=rupture,
            now=now,
            noticed_at=MONDAY + dt.timedelta(hours=2),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Rupture.objects.filter(pk=rupture.pk).update(
            noticed_at=MONDAY + dt.timedelta(hours=2)
        )


def test_a_supervisor_may_not_record_a_repair(therapist, supervisor, client, now):
    rupture = record_rupture(therapist, client, now)
    with pytest.raises(PermissionDenied):
        services.repair_record(
            actor=supervisor,
            rupture=rupture,
            attempted_at=MONDAY,
            setting="in_session",
            strategy="validate",
            outcome="none",
            now=now,
        )


# Observations, measures, plans ----------------------------------------------


def test_an_intensity_of_seven_is_refused(therapist, client, now):
    with pytest.raises(ValidationError) as refused:
        services.observation_record(
            actor=therapist,
            client=client,
            observed_at=MONDAY,
            markers=["panic"],
            intensity=7,
            now=now,
        )
    assert "intensity" in refused.value.error_dict
    assert not DependencyObservation.objects.exists()


def test_the_database_refuses_an_intensity_of_seven(client):
    with pytest.raises(IntegrityError), transaction.atomic():
        DependencyObservation.objects.create(
            client=client, observed_at=MONDAY, markers=["panic"], intensity=7
        )


def test_an_observation_needs_a_marker(therapist, client, now):
    with pytest.raises(ValidationError) as refused:
        services.observation_record(
            actor=therapist,
            client=client,
            observed_at=MONDAY,
            markers=[],
            intensity=1,
            now=now,
        )
    assert "markers" in refused.value.error_dict


def test_internalised_security_is_an_observation_marker(therapist, client, now):
    observation = services.observation_record(
        actor=therapist,
        client=client,
        observed_at=MONDAY,
        markers=["internalised_security"],
        intensity=0,
        now=now,
        triggers=["session_ending"],
    )
    assert observation.marker_labels[0].startswith("Internalised security")


def test_measure_scores_outside_their_range_are_refused(therapist, client, now):
    with pytest.raises(ValidationError) as refused:
        services.measure_record(
            actor=therapist,
            client=client,
            measured_on=MONDAY.date(),
            secure=Decimal("7"),
            avoidant_fearful=Decimal("2"),
            preoccupied_merger=Decimal("0.5"),
            now=now,
        )
    assert {"secure", "preoccupied_merger"} <= set(refused.value.error_dict)
    assert not AttachmentMeasure.objects.exists()


def test_one_measure_a_day(therapist, client, now):
    values = {
        "actor": therapist,
        "client": client,
        "measured_on": MONDAY.date(),
        "secure": Decimal("4"),
        "avoidant_fearful": Decimal("2"),
        "preoccupied_merger": Decimal("3"),
        "now": now,
    }
    services.measure_record(**values)
    with pytest.raises(ValidationError):
        services.measure_record(**values)


def test_a_measure_in_the_future_is_refused(therapist, client, now):
    with pytest.raises(ValidationError):
        services.measure_record(
            actor=therapist,
            client=client,
            measured_on=now.date() + dt.timedelta(days=2),
            secure=Decimal("4"),
            avoidant_fearful=Decimal("2"),
            preoccupied_merger=Decimal("3"),
            now=now,
        )


def test_revising_the_coping_plan_adds_a_version_and_keeps_the_old_one(
    therapist, client, now
):
    first = services.coping_plan_revise(
        actor=therapist,
        client=client,
        now=now,
        strategies=["journal"],
        supports="A friend on weekdays.",
    )
    second = services.coping_plan_revise(
        actor=therapist,
        client=client,
        now=now + dt.timedelta(days=7),
        strategies=["journal", "exercise"],
        supports="A sibling.",
    )
    assert (first.version, second.version) == (1, 2)
    assert CopingPlan.objects.get(client=client, version=1).supports == (
        "A friend on weekdays."
    )
    assert second.author == therapist


def test_the_database_refuses_two_plans_with_one_version(therapist, client, now):
    services.coping_plan_revise(actor=therapist, client=client, now=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        CopingPlan.objects.create(
            client=client, version=1, written_at=now, author=therapist
        )


def test_an_unknown_strategy_is_refused(therapist, client, now):
    with pytest.raises(ValidationError):
        services.coping_plan_revise(
            actor=therapist, client=client, now=now, strategies=["shouting"]
        )
    assert not CopingPlan.objects.exists()


def test_every_change_of_a_contact_is_kept_in_its_history(
    therapist, client, policy, now
):
    from django.apps import apps

    contact = log(therapist, client, now)
    services.contact_update(actor=therapist, contact=contact, now=now, channel="phone")
    events = apps.get_model("attachment", "ContactEvent").objects.filter(
        pgh_obj_id=contact.pk
    )
    assert list(events.order_by("pgh_id").values_list("pgh_label", "channel")) == [
        ("insert", "text"),
        ("update", "phone"),
    ]


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (0, "0 minutes"),
        (1, "1 minute"),
        (59, "59 minutes"),
        (60, "1 hour"),
        (61, "1 hour 1 minute"),
        (320, "5 hours 20 minutes"),
        (48 * 60 - 1, "47 hours 59 minutes"),
        (48 * 60, "2.0 days"),
        (5343, "3.7 days"),
    ],
)
def test_durations_read_in_the_words_people_use(minutes, words):
    from attachment.models import duration_text

    assert duration_text(dt.timedelta(minutes=minutes)) == words
