"""The plain data the detectors read, and how the scan should fill it.

Every shape here can be filled by a handful of set-based aggregate queries per
clinic (``date_trunc('week', occurred_at AT TIME ZONE clinic_tz)`` grouped by
client, left-joined onto ``generate_series`` so that empty weeks are zeros).
No detector needs a query per client, and none receives clinical text: only
dates, counts, codes and scores.

Weeks are Monday-start weeks in the clinic's time zone, oldest first, with no
gaps, starting at the client's first week (or at most a little over a year
back: ``rising_baseline_weeks + rising_monitor_weeks + 1`` weeks is all any
detector reads), and ending with the last week that has *ended* at ``now``.
A detector ignores weeks that end after ``now``, so scanning "as of" a past
moment is safe even if the series runs on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WeeklySeries:
    """One client's weekly aggregates (all sequences as long as ``week_starts``).

    * ``week_starts``: the Monday of each week (consecutive).
    * ``client_initiated``: contacts with direction ``from_client`` in the week.
    * ``therapist_initiated``: contacts with direction ``from_therapist`` that
      are not linked as a reply to a client's contact.
    * ``replied``: the week's client-initiated contacts that have a
      ``responded_at`` (counted in the week of the client's contact).
    * ``after_hours_replies``: the therapist's replies and therapist-initiated
      contacts in the week that fell outside the policy's contact hours.
    * ``median_response_minutes``: median ``response_minutes`` of the week's
      replied client contacts (``NaN`` when none was replied).
    * ``therapist_absent``: the therapist was away for at least half the week
      (four or more days of an ``Absence``).  Absent weeks are left out of
      baselines and of the rising-frequency CUSUM (the absence-surge detector
      looks at them instead), so a holiday never makes the weeks after it look
      like a rise.
    * ``initiated_while_away``: the week's therapist-initiated contacts made by
      the treating therapist on days of their own absence (not by a cover).
      The therapist detectors add those of absent weeks to the therapist's
      side, so texting a client from leave is seen rather than left out with
      the absent week.
    * ``ended_on``: the client's ending date, if any.  Contacts after it
      belong to the after-ending detector: the scan leaves them out of the
      weekly counts, and the therapist detectors leave out whole weeks that
      start after it.
    """

    client_id: int
    week_starts: tuple[dt.date, ...]
    client_initiated: np.ndarray
    therapist_initiated: np.ndarray
    replied: np.ndarray
    after_hours_replies: np.ndarray
    median_response_minutes: np.ndarray
    therapist_absent: np.ndarray
    initiated_while_away: np.ndarray
    ended_on: dt.date | None = None

    @classmethod
    def build(
        cls,
        *,
        client_id: int,
        week_starts: Sequence[dt.date],
        client_initiated: Sequence[int] | np.ndarray,
        therapist_initiated: Sequence[int] | np.ndarray | None = None,
        replied: Sequence[int] | np.ndarray | None = None,
        after_hours_replies: Sequence[int] | np.ndarray | None = None,
        median_response_minutes: Sequence[float] | np.ndarray | None = None,
        therapist_absent: Sequence[bool] | np.ndarray | None = None,
        initiated_while_away: Sequence[int] | np.ndarray | None = None,
        ended_on: dt.date | None = None,
    ) -> WeeklySeries:
        """Convert and check lengths; omitted series are zeros (or NaN/False)."""
        n = len(week_starts)

        def series(
            values: Sequence[float] | np.ndarray | None, fill: float
        ) -> np.ndarray:
            if values is None:
                return np.full(n, fill, dtype=float)
            out = np.asarray(values, dtype=float)
            if out.shape != (n,):
                raise ValueError("every weekly series must have one value per week")
            return out

        absent = (
            np.zeros(n, dtype=bool)
            if therapist_absent is None
            else np.asarray(therapist_absent, dtype=bool)
        )
        if absent.shape != (n,):
            raise ValueError("every weekly series must have one value per week")
        starts = tuple(week_starts)
        if any(
            b - a != dt.timedelta(days=7)
            for a, b in zip(starts, starts[1:], strict=False)
        ):
            raise ValueError("week_starts must be consecutive weeks")
        return cls(
            client_id=client_id,
            week_starts=starts,
            client_initiated=series(client_initiated, 0.0),
            therapist_initiated=series(therapist_initiated, 0.0),
            replied=series(replied, 0.0),
            after_hours_replies=series(after_hours_replies, 0.0),
            median_response_minutes=series(median_response_minutes, np.nan),
            therapist_absent=absent,
            initiated_while_away=series(initiated_while_away, 0.0),
            ended_on=ended_on,
        )

    def complete_weeks(self, now: dt.datetime) -> int:
        """How many leading weeks had ended by ``now`` (the rest are ignored)."""
        today = now.date()
        return sum(
            1 for start in self.week_starts if start + dt.timedelta(days=7) <= today
        )

    def before_ending(self, weeks: int) -> np.ndarray:
        """Of the first ``weeks`` weeks, those that start on or before the
        client's ending date (all of them while the client is in therapy)."""
        if self.ended_on is None:
            return np.ones(weeks, dtype=bool)
        return np.array(
            [start <= self.ended_on for start in self.week_starts[:weeks]], dtype=bool
        )


@dataclass(frozen=True)
class ContactFacts:
    """One contact's derived policy facts (no summary, no purpose).

    The scan reads only the contacts it needs: for ``policy_pattern`` those in
    the policy window with any of the three policy facts set, for
    ``after_ending_contact`` those with ``after_ending`` set.
    """

    occurred_at: dt.datetime
    from_client: bool
    after_hours: bool = False
    outside_agreement: bool = False
    over_weekly_limit: bool = False
    during_absence: bool = False
    after_ending: bool = False


@dataclass(frozen=True)
class AbsenceFacts:
    """A therapist's absence, as the client experiences it."""

    starts_on: dt.date
    ends_on: dt.date
    has_cover: bool


@dataclass(frozen=True)
class AbsenceContactCounts:
    """Client-initiated contact counts around one absence (for ``absence_surge``).

    * ``during``: client-initiated contacts with ``during_absence`` set, from
      the absence's start up to ``now`` (or its end).
    * ``baseline``: client-initiated contacts in the ``absence_baseline_weeks``
      weeks before the absence started, outside any absence;
      ``baseline_days``: how many days of that window were outside absences.
    * ``answered_as_planned``: of ``during``, the contacts the cover answered
      within the reply time agreed at the time (the plan working, not a
      surge); they are left out of the count the detector tests.
    """

    absence: AbsenceFacts
    during: int
    baseline: int
    baseline_days: int
    answered_as_planned: int = 0


@dataclass(frozen=True)
class RuptureFacts:
    """One rupture: when it was noticed, how severe, whether it is still open.

    ``is_open`` is true for statuses *open* and *repairing*; ``repair_attempts``
    counts its repair attempts (any outcome); ``repaired`` is true when one of
    them was complete (a successful repair).
    """

    rupture_id: int
    noticed_on: dt.date
    severity: int
    is_open: bool
    repair_attempts: int
    repaired: bool = False


@dataclass(frozen=True)
class ObservationFacts:
    """One dependency observation: date, intensity 0-4, whether fear of
    abandonment was among its markers, and whether its only marker was
    *internalised security* (holding the relationship in mind without
    contact: a sign of progress, so its intensity is not a rise in distress).
    The markers' other codes are not needed."""

    observed_on: dt.date
    intensity: int
    fear_of_abandonment: bool = False
    security_only: bool = False


@dataclass(frozen=True)
class MeasureFacts:
    """One attachment measure: its date and the preoccupied-merger subscale score."""

    measured_on: dt.date
    preoccupied_merger: float


@dataclass(frozen=True)
class EndingFacts:
    """The client's ending date and whether the policy allows contact after it."""

    ended_on: dt.date
    after_ending_allowed: bool
