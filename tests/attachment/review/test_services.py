"""The review steps: who may take them, what they record, what they refuse,
and that a dismissal holds through the real scan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from attachment.engine.services import FlagTransitionRefused, clinic_scan
from attachment.models import Flag, FlagResponse, FlagStatus, FlagStatusChange
from attachment.review import services as review
from clinic.models import AuditEvent, Supervision
from tests.attachment.engine.test_scan import weekly_contacts
from tests.attachment.factories import FlagFactory, former_supervisor_of
from tests.factories import ClientFactory

WEEK = dt.timedelta(days=7)


@pytest.fixture
def flag(client, now):
    """A flag old enough to have reached the supervisor (the therapist had it
    first for the clinic's delay)."""
    return FlagFactory(client=client, detected_at=now - WEEK - dt.timedelta(days=1))


def _statuses(flag):
    return list(
        FlagStatusChange.objects.filter(flag=flag).values_list(
            "from_status", "to_status", "changed_by", "reason"
        )
    )


def test_the_supervisor_acknowledges_and_the_step_is_kept_with_who_and_when(
    flag, supervisor, now
):
    review.flag_acknowledge(actor=supervisor, flag=flag, now=now)

    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACKNOWLEDGED
    [change] = FlagStatusChange.objects.filter(flag=flag)
    assert (change.changed_by, change.changed_at) == (supervisor, now)
    assert AuditEvent.objects.filter(
        object_type="attachment.flag", object_id=flag.pk, action="update"
    ).exists()


def test_the_treating_therapist_may_acknowledge_their_own_clients_flag(
    flag, therapist, now
):
    review.flag_acknowledge(actor=therapist, flag=flag, now=now)

    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.ACKNOWLEDGED


def test_a_trainee_may_not_resolve_or_dismiss_their_own_flag(
    flag, therapist, supervisor, now
):
    Supervision.objects.filter(supervisee=therapist).update(cosign_required=True)
    for outcome in (FlagStatus.RESOLVED, FlagStatus.DISMISSED):
        with pytest.raises(PermissionDenied):
            review.flag_close(
                usefulness="not_sure",
                actor=therapist,
                flag=flag,
                outcome=outcome,
                reason="done",
                now=now,
            )
    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.OPEN
    assert _statuses(flag) == []


def test_another_therapist_and_an_unrelated_supervisor_may_do_nothing(
    flag, other_therapist, unrelated_supervisor, now
):
    for person in (other_therapist, unrelated_supervisor):
        with pytest.raises(PermissionDenied):
            review.flag_acknowledge(actor=person, flag=flag, now=now)
        with pytest.raises(PermissionDenied):
            review.flag_respond(actor=person, flag=flag, text="x", now=now)
    assert _statuses(flag) == []


def test_a_former_supervisor_may_no_longer_review(clinic, therapist, flag, now):
    former = former_supervisor_of(clinic=clinic, supervisee=therapist)
    with pytest.raises(PermissionDenied):
        review.flag_to_supervision(actor=former, flag=flag, now=now)


def test_add_to_supervision_then_resolve_with_a_reason(flag, supervisor, now):
    review.flag_to_supervision(actor=supervisor, flag=flag, now=now)
    review.flag_close(
        usefulness="not_sure",
        actor=supervisor,
        flag=flag,
        outcome=FlagStatus.RESOLVED,
        reason="  Texting limited to scheduling; pattern has stopped.  ",
        now=now + dt.timedelta(days=7),
    )

    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.RESOLVED
    assert _statuses(flag) == [
        ("open", "in_supervision", supervisor.pk, ""),
        (
            "in_supervision",
            "resolved",
            supervisor.pk,
            "Texting limited to scheduling; pattern has stopped.",
        ),
    ]


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_closing_without_a_reason_is_refused_and_saves_nothing(
    flag, supervisor, now, reason
):
    with pytest.raises(ValidationError) as refused:
        review.flag_close(
            usefulness="not_sure",
            actor=supervisor,
            flag=flag,
            outcome=FlagStatus.DISMISSED,
            reason=reason,
            now=now,
        )
    assert "reason" in refused.value.message_dict
    assert Flag.objects.get(pk=flag.pk).status == FlagStatus.OPEN
    assert _statuses(flag) == []


def test_a_closed_flag_refuses_every_further_step(flag, supervisor, now):
    review.flag_close(
        usefulness="not_sure",
        actor=supervisor,
        flag=flag,
        outcome=FlagStatus.DISMISSED,
        reason="Agreed with the client in session.",
        now=now,
    )
    steps = [
        lambda: review.flag_acknowledge(actor=supervisor, flag=flag, now=now),
        lambda: review.flag_to_supervision(actor=supervisor, flag=flag, now=now),
        lambda: review.flag_close(
            usefulness="not_sure",
            actor=supervisor,
            flag=flag,
            outcome=FlagStatus.RESOLVED,
            reason="again",
            now=now,
        ),
    ]
    for step in steps:
        with pytest.raises(FlagTransitionRefused, match="dismissed"):
            step()
    assert len(_statuses(flag)) == 1


def test_acknowledging_twice_is_refused_with_a_clear_message(flag, supervisor, now):
    review.flag_acknowledge(actor=supervisor, flag=flag, now=now)

    with pytest.raises(FlagTransitionRefused, match="acknowledged"):
        review.flag_acknowledge(actor=supervisor, flag=flag, now=now)


def test_the_therapist_responds_and_the_response_is_audited(flag, therapist, now):
    response = review.flag_respond(
        actor=therapist,
        flag=flag,
        text=" Discussed with client; agreed texting only for scheduling. ",
        now=now,
    )

    assert response.text == "Discussed with client; agreed texting only for scheduling."
    assert (response.author, response.written_at) == (therapist, now)
    event = AuditEvent.objects.get(object_type="attachment.flagresponse")
    assert (event.action, event.client_id, event.object_id) == (
        "create",
        flag.client_id,
        response.pk,
    )


def test_a_supervisor_cannot_write_the_therapists_response(flag, supervisor, now):
    with pytest.raises(PermissionDenied):
        review.flag_respond(actor=supervisor, flag=flag, text="noted", now=now)
    assert not FlagResponse.objects.exists()


def test_a_blank_response_is_refused(flag, therapist, now):
    with pytest.raises(ValidationError):
        review.flag_respond(actor=therapist, flag=flag, text="   ", now=now)
    assert not FlagResponse.objects.exists()


def test_a_flag_dismissed_in_review_is_not_raised_again_by_the_scan(
    clinic, therapist, supervisor, now
):
    rising = ClientFactory(
        clinic=clinic, therapist=therapist, started_on=dt.date(2024, 6, 3)
    )
    weekly_contacts(rising, [1, 0, 1, 2, 1, 1, 0, 1] * 5 + [4, 5, 6], now=now)
    clinic_scan(clinic=clinic, now=now)
    [flag] = Flag.objects.filter(client=rising)
    review.flag_close(
        usefulness="not_sure",
        actor=supervisor,
        flag=flag,
        outcome=FlagStatus.DISMISSED,
        reason="Known pattern around a house move; agreed plan in place.",
        now=now + WEEK,  # once the flag has reached the supervisor
    )
    weekly_contacts(rising, [7], now=now + WEEK)

    counts = clinic_scan(clinic=clinic, now=now + WEEK)

    [again] = Flag.objects.filter(client=rising)
    assert again.pk == flag.pk
    assert again.status == FlagStatus.DISMISSED
    assert (counts.created, counts.updated) == (0, 0)
