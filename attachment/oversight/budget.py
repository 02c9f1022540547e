"""The detectors' account to the clinic, shown on the detector settings page:
how many flags each therapist's caseload raised per month (the alarm budget),
how often closed flags were useful in supervision per detector and quarter,
and the list of threshold changes with who made them and why.

Counts, names of staff and of detectors only: nothing of a client.  Each
figure is one query, whatever the number of flags.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncQuarter

from attachment.engine.patterns import FIELDS, Kind
from attachment.models import (
    DETECTOR_OF_KIND,
    DetectorSettingsChange,
    Flag,
    FlagStatusChange,
    Usefulness,
)
from clinic.models import Clinic, User

MONTHS_SHOWN = 6
QUARTERS_SHOWN = 4

_LABEL_OF = {spec.name: spec.label for spec in FIELDS}

#: Each detector's on/off setting, whose label names the detector's group on
#: the settings page.
SWITCH_OF_DETECTOR: dict[str, str] = {
    Kind.RISING_CONTACT_FREQUENCY: "rising_enabled",
    Kind.POLICY_PATTERN: "policy_enabled",
    Kind.ABSENCE_SURGE: "absence_enabled",
    Kind.UNREPAIRED_RUPTURE: "rupture_enabled",
    Kind.DEPENDENCY_ESCALATION: "dependency_enabled",
    Kind.THERAPIST_OVEREXTENSION: "overextension_enabled",
    Kind.ABRUPT_WITHDRAWAL: "withdrawal_enabled",
    Kind.AFTER_ENDING_CONTACT: "after_ending_enabled",
}


def detector_title(detector: str) -> str:
    """The detector's name as the settings page heads its group."""
    return _LABEL_OF[SWITCH_OF_DETECTOR[detector]].removesuffix(": on")


def _start_of(day: dt.date, clinic: Clinic) -> dt.datetime:
    """The first moment of ``day`` in the clinic's time zone, the same zone
    the months and quarters are cut in (and a bound an index can use)."""
    return dt.datetime.combine(day, dt.time.min, clinic.zone)


def _month_starts(today: dt.date, count: int) -> list[dt.date]:
    """The first days of the last ``count`` months, oldest first."""
    starts: list[dt.date] = []
    year, month = today.year, today.month
    for _ in range(count):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _quarter_starts(today: dt.date, count: int) -> list[dt.date]:
    """The first days of the last ``count`` quarters, oldest first."""
    starts: list[dt.date] = []
    year, quarter = today.year, (today.month - 1) // 3
    for _ in range(count):
        starts.append(dt.date(year, quarter * 3 + 1, 1))
        year, quarter = (year, quarter - 1) if quarter > 0 else (year - 1, 3)
    return starts[::-1]


@dataclass(frozen=True)
class BudgetRow:
    therapist: User
    counts: list[int]  # flags raised in each month shown

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class AlarmBudget:
    months: list[dt.date]
    rows: list[BudgetRow]


def alarm_budget(*, clinic: Clinic, today: dt.date) -> AlarmBudget:
    """Flags raised per therapist and month, the last :data:`MONTHS_SHOWN`
    months, in the clinic's time zone; therapists without a flag are left
    out."""
    months = _month_starts(today, MONTHS_SHOWN)
    counted = (
        Flag.objects.filter(
            client__clinic=clinic,
            detected_at__gte=_start_of(months[0], clinic),
        )
        .annotate(month=TruncMonth("detected_at", tzinfo=clinic.zone))
        .values("therapist", "month")
        .annotate(flags=Count("pk"))
    )
    by_therapist: dict[int, dict[dt.date, int]] = {}
    for row in counted:
        month = row["month"]
        day = month.date() if isinstance(month, dt.datetime) else month
        by_therapist.setdefault(row["therapist"], {})[day] = row["flags"]
    people = User.objects.in_bulk(list(by_therapist))
    rows = [
        BudgetRow(people[pk], [per_month.get(month, 0) for month in months])
        for pk, per_month in by_therapist.items()
    ]
    rows.sort(key=lambda row: (-row.total, row.therapist.full_name))
    return AlarmBudget(months=months, rows=rows)


@dataclass(frozen=True)
class UsefulnessCell:
    useful: int
    answered: int
    not_sure: int

    @property
    def share(self) -> int | None:
        """Per cent of the yes-or-no answers that were yes; None without one."""
        decided = self.answered - self.not_sure
        return round(100 * self.useful / decided) if decided else None


@dataclass(frozen=True)
class UsefulnessRow:
    detector: str
    title: str
    cells: list[UsefulnessCell]


@dataclass(frozen=True)
class UsefulnessTable:
    quarters: list[dt.date]
    rows: list[UsefulnessRow]

    @property
    def labels(self) -> list[str]:
        return [f"Q{(q.month - 1) // 3 + 1} {q.year}" for q in self.quarters]


def usefulness_by_quarter(*, clinic: Clinic, today: dt.date) -> UsefulnessTable:
    """Per detector and quarter (by the day the flag was closed): how many
    closings answered "was this useful in supervision?", how many said yes,
    and how many were not sure.  Every detector gets a row, answered or not."""
    quarters = _quarter_starts(today, QUARTERS_SHOWN)
    answered = (
        FlagStatusChange.objects.filter(
            flag__client__clinic=clinic,
            changed_at__gte=_start_of(quarters[0], clinic),
        )
        .exclude(usefulness="")
        .annotate(quarter=TruncQuarter("changed_at", tzinfo=clinic.zone))
        .values("flag__kind", "quarter")
        .annotate(
            answers=Count("pk"),
            useful=Count("pk", filter=Q(usefulness=Usefulness.USEFUL)),
            not_sure=Count("pk", filter=Q(usefulness=Usefulness.NOT_SURE)),
        )
    )
    totals: dict[tuple[str, dt.date], list[int]] = {}
    for row in answered:
        quarter = row["quarter"]
        day = quarter.date() if isinstance(quarter, dt.datetime) else quarter
        key = (DETECTOR_OF_KIND[row["flag__kind"]], day)
        total = totals.setdefault(key, [0, 0, 0])
        total[0] += row["useful"]
        total[1] += row["answers"]
        total[2] += row["not_sure"]
    detectors = list(SWITCH_OF_DETECTOR)
    rows = [
        UsefulnessRow(
            detector,
            detector_title(detector),
            [
                UsefulnessCell(*totals.get((detector, quarter), [0, 0, 0]))
                for quarter in quarters
            ],
        )
        for detector in detectors
    ]
    return UsefulnessTable(quarters=quarters, rows=rows)


@dataclass(frozen=True)
class ChangeShown:
    change: DetectorSettingsChange
    values: list[tuple[str, object, object]]  # (label, before, after)


def settings_changes(*, clinic: Clinic, limit: int = 50) -> list[ChangeShown]:
    """The clinic's threshold changes, newest first, each setting under its
    label."""
    changes: QuerySet[DetectorSettingsChange] = (
        DetectorSettingsChange.objects.filter(clinic=clinic)
        .select_related("changed_by")
        .order_by("-changed_at", "-pk")[:limit]
    )
    return [
        ChangeShown(
            change,
            [
                (_LABEL_OF.get(name, name), before, after)
                for name, (before, after) in sorted(change.changes.items())
            ],
        )
        for change in changes
    ]
