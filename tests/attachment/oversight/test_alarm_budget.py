"""The detectors' account on the settings page: flags raised per therapist and
month, the share of closed flags that were useful in supervision per detector
and quarter, and the rule that only a person's closing step carries an
answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from attachment.engine.patterns import FIELDS, Kind
from attachment.models import FlagStatus, FlagStatusChange, Usefulness
from attachment.oversight.budget import (
    MONTHS_SHOWN,
    SWITCH_OF_DETECTOR,
    alarm_budget,
    detector_title,
    usefulness_by_quarter,
)
from tests.attachment.factories import FlagFactory
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), dt.UTC)


def _flag(client, detected: dt.date, kind: str = "policy_pattern"):
    return FlagFactory(client=client, kind=kind, detected_at=_at(detected))


def _closed(flag, usefulness: str, on: dt.date, by) -> FlagStatusChange:
    return FlagStatusChange.objects.create(
        flag=flag,
        from_status=FlagStatus.OPEN,
        to_status=FlagStatus.RESOLVED,
        changed_by=by,
        changed_at=_at(on),
        reason="Talked through in supervision.",
        usefulness=usefulness,
    )


def test_flags_are_counted_per_therapist_and_month(
    clinic, client, therapist, other_therapist
):
    other_client = ClientFactory(clinic=clinic, therapist=other_therapist)
    _flag(client, dt.date(2026, 11, 2))
    _flag(client, dt.date(2026, 11, 19))
    _flag(client, dt.date(2026, 9, 30))
    _flag(other_client, dt.date(2026, 10, 1))
    _flag(client, dt.date(2026, 3, 1))  # before the months shown

    budget = alarm_budget(clinic=clinic, today=TODAY)

    assert len(budget.months) == MONTHS_SHOWN
    assert (budget.months[0], budget.months[-1]) == (
        dt.date(2026, 6, 1),
        dt.date(2026, 11, 1),
    )
    rows = {row.therapist: row.counts for row in budget.rows}
    assert rows == {
        therapist: [0, 0, 0, 1, 0, 2],
        other_therapist: [0, 0, 0, 0, 1, 0],
    }
    assert budget.rows[0].therapist == therapist  # most flags first


def test_another_clinics_flags_are_not_counted(clinic, other_clinic, client):
    elsewhere = ClientFactory(clinic=other_clinic)
    _flag(elsewhere, dt.date(2026, 11, 2))
    assert alarm_budget(clinic=clinic, today=TODAY).rows == []


def test_usefulness_is_the_share_of_yes_among_yes_or_no_per_detector_and_quarter(
    clinic, client, supervisor
):
    answers = [
        ("policy_pattern", Usefulness.USEFUL, dt.date(2026, 10, 5)),
        ("policy_pattern", Usefulness.USEFUL, dt.date(2026, 11, 5)),
        ("policy_pattern", Usefulness.NOT_USEFUL, dt.date(2026, 11, 6)),
        ("policy_pattern", Usefulness.NOT_SURE, dt.date(2026, 11, 7)),
        ("policy_pattern", Usefulness.NOT_USEFUL, dt.date(2026, 8, 7)),
        # two sub-kinds of one detector count together
        ("absence_surge", Usefulness.USEFUL, dt.date(2026, 11, 8)),
        ("absence_ahead", Usefulness.NOT_USEFUL, dt.date(2026, 11, 9)),
    ]
    for kind, answer, on in answers:
        _closed(_flag(client, on, kind), answer, on, supervisor)

    table = usefulness_by_quarter(clinic=clinic, today=TODAY)

    assert table.labels == ["Q1 2026", "Q2 2026", "Q3 2026", "Q4 2026"]
    rows = {row.detector: row for row in table.rows}
    q4 = rows["policy_pattern"].cells[-1]
    assert (q4.useful, q4.answered, q4.not_sure, q4.share) == (2, 4, 1, 67)
    q3 = rows["policy_pattern"].cells[-2]
    assert (q3.useful, q3.answered, q3.share) == (0, 1, 0)
    absence = rows["absence_surge"].cells[-1]
    assert (absence.useful, absence.answered, absence.share) == (1, 2, 50)
    assert rows["unrepaired_rupture"].cells[-1].answered == 0
    assert rows["unrepaired_rupture"].cells[-1].share is None
    assert len(table.rows) == 8
    assert rows["policy_pattern"].title == detector_title("policy_pattern")


def test_each_figure_costs_one_query_however_many_flags(clinic, client, supervisor):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            alarm_budget(clinic=clinic, today=TODAY)
            usefulness_by_quarter(clinic=clinic, today=TODAY)
        return len(captured)

    _closed(_flag(client, dt.date(2026, 11, 2)), "useful", TODAY, supervisor)
    few = queries()
    for day in range(3, 15):
        on = dt.date(2026, 11, day)
        _closed(_flag(client, on), "not_useful", on, supervisor)
    assert queries() == few


def test_only_a_persons_closing_step_carries_an_answer(client, supervisor):
    flag = _flag(client, dt.date(2026, 11, 2))
    with pytest.raises(IntegrityError), transaction.atomic():
        FlagStatusChange.objects.create(
            flag=flag,
            from_status=FlagStatus.OPEN,
            to_status=FlagStatus.ACKNOWLEDGED,
            changed_by=supervisor,
            changed_at=_at(TODAY),
            usefulness=Usefulness.USEFUL,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        FlagStatusChange.objects.create(
            flag=flag,
            from_status=FlagStatus.OPEN,
            to_status=FlagStatus.RESOLVED,
            changed_by=None,
            changed_at=_at(TODAY),
            usefulness=Usefulness.USEFUL,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        FlagStatusChange.objects.create(
            flag=flag,
            from_status=FlagStatus.OPEN,
            to_status=FlagStatus.RESOLVED,
            changed_by=supervisor,
            changed_at=_at(TODAY),
            usefulness="maybe",
        )
    assert not FlagStatusChange.objects.exists()


def test_every_detector_is_named_by_its_own_switch():
    assert set(SWITCH_OF_DETECTOR) == set(Kind)
    assert set(SWITCH_OF_DETECTOR.values()) == {
        spec.name for spec in FIELDS if spec.kind is bool
    }
