"""The detectors, called directly on plain data: no database, no clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pathlib
import re

import numpy as np
import pytest

from attachment.engine.patterns import (
    FIELDS,
    AbsenceContactCounts,
    AbsenceFacts,
    ContactFacts,
    DetectorThresholds,
    EndingFacts,
    Finding,
    Kind,
    MeasureFacts,
    ObservationFacts,
    Part,
    RuptureFacts,
    Tier,
    WeeklySeries,
    abrupt_withdrawal,
    absence_ahead,
    absence_surge,
    after_ending_contact,
    cusum,
    dependency_measure_rise,
    dependency_trend,
    policy_pattern,
    repeated_ruptures,
    rising_contact_frequency,
    rising_contact_frequency_many,
    rising_statistics,
    therapist_overextension,
    unrepaired_rupture,
)
from attachment.engine.patterns.thresholds import threshold_problems

UTC = dt.UTC
FIRST_MONDAY = dt.date(2024, 1, 1)
CLIENT_ID = 987654
DEFAULTS = DetectorThresholds()
STEADY_TWO_A_WEEK = [1, 3] * 31  # mean 2, variance 1: read as Poisson


def _series(client_initiated: list[int], **others: object) -> WeeklySeries:
    weeks = [FIRST_MONDAY + dt.timedelta(weeks=i) for i in range(len(client_initiated))]
    return WeeklySeries.build(
        client_id=CLIENT_ID,
        week_starts=weeks,
        client_initiated=client_initiated,
        **others,
    )


def _after(series: WeeklySeries) -> dt.datetime:
    """Early on the Monday after the series' last week."""
    last = series.week_starts[-1] + dt.timedelta(days=7)
    return dt.datetime.combine(last, dt.time(3), UTC)


def _off(name: str) -> DetectorThresholds:
    return dataclasses.replace(DEFAULTS, **{f"{name}_enabled": False})


def _assert_presentable(finding: Finding) -> None:
    """Evidence stores as strict JSON; the explanation is one plain sentence
    that carries no identifiers from the input."""
    json.dumps(finding.evidence, allow_nan=False)
    assert finding.window_start <= finding.window_end
    assert finding.explanation.endswith(".")
    assert finding.explanation.count(". ") == 0
    assert str(CLIENT_ID) not in finding.explanation
    assert "{" not in finding.explanation


# --- rising contact frequency ---------------------------------------------------


def test_a_sustained_quadrupling_after_a_steady_year_is_red():
    series = _series(STEADY_TWO_A_WEEK + [8, 8, 8, 8])
    finding = rising_contact_frequency(series, now=_after(series), thresholds=DEFAULTS)
    assert finding is not None
    assert finding.kind == Kind.RISING_CONTACT_FREQUENCY
    assert finding.tier == Tier.RED
    assert finding.evidence["rate_ratio_ci95"][0] > 2
    assert finding.evidence["baseline_rate_per_week"] == 2.0
    assert finding.evidence["recent_rate_per_week"] == 8.0
    assert finding.evidence["cusum"] >= finding.evidence["cusum_threshold"]
    assert finding.window_end == series.week_starts[-1] + dt.timedelta(days=6)
    _assert_presentable(finding)


def test_a_modest_rise_is_yellow_when_the_ratio_could_still_be_below_two():
    series = _series(STEADY_TWO_A_WEEK + [4, 5, 4, 4, 5])
    finding = rising_contact_frequency(series, now=_after(series), thresholds=DEFAULTS)
    assert finding is not None
    assert finding.tier == Tier.YELLOW
    assert finding.evidence["rate_ratio_ci95"][0] <= 2
    _assert_presentable(finding)


def test_a_steady_client_is_not_flagged():
    series = _series(STEADY_TWO_A_WEEK + [3, 1, 2])
    assert (
        rising_contact_frequency(series, now=_after(series), thresholds=DEFAULTS)
        is None
    )


def test_zero_to_two_contacts_never_flags():
    series = _series([0] * 62 + [1, 1])
    assert (
        rising_contact_frequency(series, now=_after(series), thresholds=DEFAULTS)
        is None
    )


def test_a_silent_baseline_is_read_at_the_rate_floor():
    """After a silent year the baseline rate is taken as the floor, not zero, so
    three contacts in a week are no surge; five over two weeks are, unless the
    admin raises the floor."""
    one_week = _series([0] * 62 + [0, 0, 3])
    assert (
        rising_contact_frequency(one_week, now=_after(one_week), thresholds=DEFAULTS)
        is None
    )
    two_weeks = _series([0] * 62 + [0, 2, 3])
    finding = rising_contact_frequency(
        two_weeks, now=_after(two_weeks), thresholds=DEFAULTS
    )
    assert finding is not None
    assert finding.evidence["reference_rate_per_week"] == DEFAULTS.rising_rate_floor
    _assert_presentable(finding)
    higher_floor = dataclasses.replace(DEFAULTS, rising_rate_floor=1.0)
    assert (
        rising_contact_frequency(
            two_weeks, now=_after(two_weeks), thresholds=higher_floor
        )
        is None
    )


def test_a_bursty_baseline_raises_the_bar_for_the_same_recent_weeks():
    recent = [5, 5, 5]
    steady = _series(STEADY_TWO_A_WEEK + recent)
    bursty = _series([0, 4] * 31 + recent)  # same mean, variance about 4
    assert rising_contact_frequency(steady, now=_after(steady), thresholds=DEFAULTS)
    assert (
        rising_contact_frequency(bursty, now=_after(bursty), thresholds=DEFAULTS)
        is None
    )


def test_too_short_a_history_is_not_judged():
    series = _series([2] * 20 + [9, 9, 9])
    assert (
        rising_contact_frequency(series, now=_after(series), thresholds=DEFAULTS)
        is None
    )


def test_therapist_absence_weeks_stay_out_of_the_baseline():
    counts = [1, 3] * 32
    absent = [False] * len(counts)
    for week in range(20, 30):
        counts[week], absent[week] = 0, True
    marked = rising_statistics(np.array([counts]), np.array([absent]), DEFAULTS)
    unmarked = rising_statistics(np.array([counts]), None, DEFAULTS)
    assert marked.baseline_rate[0, -1] == pytest.approx(2.0)
    assert unmarked.baseline_rate[0, -1] < 1.7


def test_a_surge_while_the_therapist_is_away_is_left_to_the_absence_detector():
    counts = STEADY_TWO_A_WEEK + [8, 8, 8]
    away = [False] * 62 + [True] * 3
    series = _series(counts, therapist_absent=away)
    assert (
        rising_contact_frequency(series, now=_after(series), thresholds=DEFAULTS)
        is None
    )
    unmarked = _series(counts)
    assert rising_contact_frequency(unmarked, now=_after(unmarked), thresholds=DEFAULTS)


def test_weeks_after_now_are_ignored():
    series = _series(STEADY_TWO_A_WEEK + [2, 2, 9, 9, 9])
    before_the_rise = _after(series) - dt.timedelta(weeks=3)
    assert (
        rising_contact_frequency(series, now=before_the_rise, thresholds=DEFAULTS)
        is None
    )
    assert rising_contact_frequency(series, now=_after(series), thresholds=DEFAULTS)


def test_a_whole_clinic_is_judged_in_one_pass_with_the_same_verdicts():
    rising = _series(STEADY_TWO_A_WEEK + [8, 8, 8, 8])
    steady = dataclasses.replace(_series([2] * 66), client_id=1)
    young = dataclasses.replace(_series([2] * 30 + [9, 9, 9]), client_id=2)
    young = dataclasses.replace(
        young, week_starts=rising.week_starts[-len(young.week_starts) :]
    )
    now = _after(rising)
    found = rising_contact_frequency_many(
        [rising, steady, young], now=now, thresholds=DEFAULTS
    )
    assert set(found) == {CLIENT_ID}
    single = rising_contact_frequency(rising, now=now, thresholds=DEFAULTS)
    assert found[CLIENT_ID] == single
    assert (
        rising_contact_frequency_many([rising], now=now, thresholds=_off("rising"))
        == {}
    )


def test_rising_frequency_can_be_switched_off():
    series = _series(STEADY_TWO_A_WEEK + [8, 8, 8, 8])
    assert (
        rising_contact_frequency(series, now=_after(series), thresholds=_off("rising"))
        is None
    )


# --- the statistics behind it ---------------------------------------------------


def test_the_poisson_reference_value_is_the_likelihood_ratio_k():
    a, b = cusum.llr_coefficients(3.0, 0.0)
    assert float(b / a) == pytest.approx(3.0 / np.log(2))


def test_over_dispersion_weakens_each_contact_as_evidence():
    a_poisson, _ = cusum.llr_coefficients(3.0, 0.0)
    a_bursty, _ = cusum.llr_coefficients(3.0, 0.5)
    assert a_bursty < a_poisson


def test_the_markov_chain_arl_agrees_with_simulation():
    rng = np.random.default_rng(7)
    h = cusum.decision_interval(1.0, 0.0, 104.0)
    counts = rng.poisson(1.0, size=(2000, 520))
    s = np.zeros(2000)
    alarms = 0
    for week in range(counts.shape[1]):
        s = np.maximum(0.0, s + np.log(2) * counts[:, week] - 1.0)
        alarms += int((s >= h).sum())
        s[s >= h] = 0.0
    simulated_arl = counts.size / alarms
    assert simulated_arl == pytest.approx(104.0, rel=0.1)


@pytest.mark.parametrize(("i", "j", "k"), [(4, 0, 1), (10, 5, 3)])
def test_the_stored_h_table_matches_a_fresh_computation(i, j, k):
    fresh = cusum.decision_interval(
        cusum.GRID_MU[i], cusum.GRID_PHI[j], cusum.GRID_ARL[k]
    )
    stored = cusum.lookup_h(cusum.GRID_MU[i], cusum.GRID_PHI[j], cusum.GRID_ARL[k])
    assert float(stored[0]) == pytest.approx(fresh, abs=2e-3)


def test_the_rate_ratio_interval_is_the_exact_binomial_one_transformed():
    test = cusum.rate_ratio_test(
        recent=18, recent_weeks=3, baseline=52, baseline_weeks=52
    )
    assert test.ratio == pytest.approx(6.0)
    assert test.ci_low < 6.0 < test.ci_high
    assert test.ci_low > 2.0
    assert test.p_value < 0.001
    even = cusum.rate_ratio_test(
        recent=3, recent_weeks=3, baseline=52, baseline_weeks=52
    )
    assert even.ci_low < 1.0 < even.ci_high
    assert even.p_value > 0.3


# --- policy pattern ---------------------------------------------------------------

NOW = dt.datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def _contact(days_ago: float, **facts: bool) -> ContactFacts:
    return ContactFacts(
        occurred_at=NOW - dt.timedelta(days=days_ago),
        from_client=facts.pop("from_client", True),
        **facts,
    )


def test_three_contacts_outside_policy_in_four_weeks_are_yellow():
    contacts = [
        _contact(2, after_hours=True),
        _contact(9, channel_outside_policy=True),
        _contact(20, over_weekly_limit=True),
    ]
    finding = policy_pattern(contacts, now=NOW, thresholds=DEFAULTS)
    assert finding is not None
    assert finding.tier == Tier.YELLOW
    assert finding.evidence["after_hours"] == 1
    assert finding.window_start == (NOW - dt.timedelta(days=20)).date()
    _assert_presentable(finding)


def test_six_contacts_outside_policy_are_red():
    contacts = [_contact(d, after_hours=True) for d in (1, 3, 5, 8, 12, 15)]
    finding = policy_pattern(contacts, now=NOW, thresholds=DEFAULTS)
    assert finding is not None and finding.tier == Tier.RED


def test_policy_pattern_ignores_old_compliant_and_therapist_contacts():
    contacts = [
        _contact(2, after_hours=True),
        _contact(3, after_hours=True, from_client=False),
        _contact(4),
        _contact(40, after_hours=True),
        _contact(5, after_hours=True),
    ]
    assert policy_pattern(contacts, now=NOW, thresholds=DEFAULTS) is None


def test_policy_pattern_can_be_switched_off():
    contacts = [_contact(d, after_hours=True) for d in (1, 2, 3)]
    assert policy_pattern(contacts, now=NOW, thresholds=_off("policy")) is None


# --- after-ending contact -------------------------------------------------------

ENDED = EndingFacts(ended_on=dt.date(2025, 5, 1), after_ending_allowed=False)


def test_a_contact_after_ending_is_yellow_and_three_are_red():
    one = after_ending_contact(ENDED, [_contact(5)], now=NOW, thresholds=DEFAULTS)
    assert one is not None and one.tier == Tier.YELLOW
    _assert_presentable(one)
    three = [_contact(d) for d in (2, 5, 9)]
    assert (
        after_ending_contact(ENDED, three, now=NOW, thresholds=DEFAULTS).tier
        == Tier.RED
    )


def test_contacts_before_ending_or_from_the_therapist_do_not_count():
    contacts = [_contact(40), _contact(3, from_client=False)]
    assert after_ending_contact(ENDED, contacts, now=NOW, thresholds=DEFAULTS) is None


def test_where_the_policy_allows_it_only_contacts_over_the_limit_count():
    allowed = EndingFacts(ended_on=ENDED.ended_on, after_ending_allowed=True)
    assert (
        after_ending_contact(allowed, [_contact(5)], now=NOW, thresholds=DEFAULTS)
        is None
    )
    over = [_contact(5, over_weekly_limit=True)]
    assert after_ending_contact(allowed, over, now=NOW, thresholds=DEFAULTS)


def test_after_ending_contact_can_be_switched_off():
    off = _off("after_ending")
    assert after_ending_contact(ENDED, [_contact(5)], now=NOW, thresholds=off) is None


# --- absence surge ----------------------------------------------------------------

AWAY = AbsenceFacts(
    starts_on=dt.date(2025, 5, 19), ends_on=dt.date(2025, 6, 8), has_cover=True
)


def _counts(during: int, baseline: int = 12, days: int = 84) -> AbsenceContactCounts:
    return AbsenceContactCounts(
        absence=AWAY, during=during, baseline=baseline, baseline_days=days
    )


def test_contact_well_above_the_usual_rate_during_an_absence_is_flagged():
    # 15 days away so far; usually one contact a week.
    yellow = absence_surge(_counts(during=7), now=NOW, thresholds=DEFAULTS)
    assert yellow is not None
    assert yellow.part == Part.DURING_ABSENCE
    assert yellow.tier == Tier.YELLOW
    assert yellow.window_start == AWAY.starts_on
    _assert_presentable(yellow)
    red = absence_surge(_counts(during=16), now=NOW, thresholds=DEFAULTS)
    assert red is not None and red.tier == Tier.RED


def test_usual_contact_during_an_absence_is_not_flagged():
    assert absence_surge(_counts(during=3), now=NOW, thresholds=DEFAULTS) is None


def test_absence_surge_needs_a_few_contacts_and_a_baseline():
    assert (
        absence_surge(_counts(during=2, baseline=0), now=NOW, thresholds=DEFAULTS)
        is None
    )
    assert (
        absence_surge(_counts(during=9, days=14), now=NOW, thresholds=DEFAULTS) is None
    )


def test_absence_surge_can_be_switched_off():
    assert (
        absence_surge(_counts(during=16), now=NOW, thresholds=_off("absence")) is None
    )


PLANNED = AbsenceFacts(
    starts_on=dt.date(2025, 6, 12), ends_on=dt.date(2025, 6, 26), has_cover=True
)
FEARFUL = [
    ObservationFacts(dt.date(2025, 5, 20), intensity=3, fear_of_abandonment=True)
]


def test_fear_of_abandonment_before_a_planned_absence_prompts_cover():
    finding = absence_ahead(PLANNED, FEARFUL, now=NOW, thresholds=DEFAULTS)
    assert finding is not None
    assert finding.part == Part.AHEAD_OF_ABSENCE
    assert finding.tier == Tier.YELLOW
    _assert_presentable(finding)
    uncovered = dataclasses.replace(PLANNED, has_cover=False)
    assert (
        absence_ahead(uncovered, FEARFUL, now=NOW, thresholds=DEFAULTS).tier == Tier.RED
    )


def test_no_prompt_when_the_absence_is_far_off_or_the_fear_mild():
    later = dataclasses.replace(
        PLANNED, starts_on=dt.date(2025, 8, 1), ends_on=dt.date(2025, 8, 9)
    )
    assert absence_ahead(later, FEARFUL, now=NOW, thresholds=DEFAULTS) is None
    mild = [dataclasses.replace(FEARFUL[0], intensity=2)]
    assert absence_ahead(PLANNED, mild, now=NOW, thresholds=DEFAULTS) is None
    assert absence_ahead(PLANNED, FEARFUL, now=NOW, thresholds=_off("absence")) is None


# --- ruptures ---------------------------------------------------------------------


def _rupture(
    pk: int,
    days_ago: int,
    *,
    severity: int = 1,
    is_open: bool = True,
    attempts: int = 0,
) -> RuptureFacts:
    return RuptureFacts(
        rupture_id=pk,
        noticed_on=NOW.date() - dt.timedelta(days=days_ago),
        severity=severity,
        is_open=is_open,
        repair_attempts=attempts,
    )


def test_an_open_rupture_without_repair_for_weeks_is_flagged():
    yellow = unrepaired_rupture([_rupture(1, 30)], now=NOW, thresholds=DEFAULTS)
    assert yellow is not None
    assert yellow.tier == Tier.YELLOW
    assert yellow.evidence["days_without_repair"] == 30
    _assert_presentable(yellow)
    assert "1" not in re.sub(r"\d{2,}", "", yellow.explanation)  # no rupture id
    old = unrepaired_rupture([_rupture(1, 50)], now=NOW, thresholds=DEFAULTS)
    assert old.tier == Tier.RED
    severe = unrepaired_rupture(
        [_rupture(1, 25, severity=3)], now=NOW, thresholds=DEFAULTS
    )
    assert severe.tier == Tier.RED


def test_a_quickly_repaired_or_recent_rupture_is_not_flagged():
    ruptures = [
        _rupture(1, 60, attempts=1),
        _rupture(2, 60, is_open=False, attempts=1),
        _rupture(3, 10),
    ]
    assert unrepaired_rupture(ruptures, now=NOW, thresholds=DEFAULTS) is None


def test_repeated_ruptures_are_flagged_apart_from_unrepaired_ones():
    three = [_rupture(1, 40), _rupture(2, 20, attempts=1), _rupture(3, 5, attempts=1)]
    repeated = repeated_ruptures(three, now=NOW, thresholds=DEFAULTS)
    assert repeated is not None
    assert repeated.part == Part.REPEATED and repeated.tier == Tier.YELLOW
    unrepaired = unrepaired_rupture(three, now=NOW, thresholds=DEFAULTS)
    assert unrepaired.window_start != repeated.window_start
    five = [_rupture(i, 5 * i) for i in range(1, 6)]
    assert repeated_ruptures(five, now=NOW, thresholds=DEFAULTS).tier == Tier.RED
    assert repeated_ruptures(three[:2], now=NOW, thresholds=DEFAULTS) is None


def test_rupture_detectors_can_be_switched_off():
    off = _off("rupture")
    assert unrepaired_rupture([_rupture(1, 60)], now=NOW, thresholds=off) is None
    five = [_rupture(i, 5 * i) for i in range(1, 6)]
    assert repeated_ruptures(five, now=NOW, thresholds=off) is None


# --- dependency escalation --------------------------------------------------------


def _observations(intensities: list[int]) -> list[ObservationFacts]:
    return [
        ObservationFacts(NOW.date() - dt.timedelta(days=10 * (len(intensities) - i)), v)
        for i, v in enumerate(intensities)
    ]


def test_steadily_rising_intensity_is_red_and_a_noisier_rise_yellow():
    red = dependency_trend(
        _observations([0, 1, 1, 2, 3, 3, 4, 4]), now=NOW, thresholds=DEFAULTS
    )
    assert red is not None
    assert red.part == Part.INTENSITY_TREND and red.tier == Tier.RED
    assert red.evidence["kendall_tau"] > 0
    _assert_presentable(red)
    yellow = dependency_trend(
        _observations([0, 1, 0, 1, 2, 1, 2]), now=NOW, thresholds=DEFAULTS
    )
    assert yellow is not None and yellow.tier == Tier.YELLOW


def test_flat_falling_or_sparse_observations_are_not_flagged():
    for values in ([2, 2, 2, 2, 2, 2], [4, 3, 3, 2, 1, 0], [0, 1, 3, 4]):
        assert (
            dependency_trend(_observations(values), now=NOW, thresholds=DEFAULTS)
            is None
        )
    rising = _observations([0, 1, 1, 2, 3, 3, 4, 4])
    assert dependency_trend(rising, now=NOW, thresholds=_off("dependency")) is None


def _measures(*scores: float) -> list[MeasureFacts]:
    return [
        MeasureFacts(NOW.date() - dt.timedelta(days=60 * (len(scores) - i)), s)
        for i, s in enumerate(scores)
    ]


def test_a_rising_preoccupied_merger_score_is_flagged():
    yellow = dependency_measure_rise(_measures(3.0, 3.6), now=NOW, thresholds=DEFAULTS)
    assert yellow is not None
    assert yellow.part == Part.MEASURE_RISE and yellow.tier == Tier.YELLOW
    _assert_presentable(yellow)
    red = dependency_measure_rise(
        _measures(2.0, 3.0, 4.2), now=NOW, thresholds=DEFAULTS
    )
    assert red is not None and red.tier == Tier.RED


def test_a_falling_or_single_measure_is_not_flagged():
    assert (
        dependency_measure_rise(_measures(3.5, 3.1), now=NOW, thresholds=DEFAULTS)
        is None
    )
    assert dependency_measure_rise(_measures(3.5), now=NOW, thresholds=DEFAULTS) is None
    off = _off("dependency")
    assert dependency_measure_rise(_measures(2.0, 4.0), now=NOW, thresholds=off) is None


# --- therapist overextension and abrupt withdrawal ----------------------------------


def _therapist_series(
    before: dict[str, float],
    recent: dict[str, float],
    before_weeks: int,
    recent_weeks: int,
) -> WeeklySeries:
    def column(key: str) -> list[float]:
        return [before[key]] * before_weeks + [recent[key]] * recent_weeks

    jitter = np.tile([0.9, 1.0, 1.1], before_weeks + recent_weeks)[
        : before_weeks + recent_weeks
    ]
    return _series(
        [int(v) for v in column("client")],
        replied=column("replied"),
        therapist_initiated=column("initiated"),
        after_hours_replies=column("after_hours"),
        median_response_minutes=np.asarray(column("minutes")) * jitter,
    )


BEFORE = {"client": 3, "replied": 3, "initiated": 1, "after_hours": 0, "minutes": 240}


def test_a_therapist_doing_more_and_more_is_flagged():
    all_three = {**BEFORE, "initiated": 4, "after_hours": 3, "minutes": 30}
    series = _therapist_series(BEFORE, all_three, 12, 6)
    red = therapist_overextension(series, now=_after(series), thresholds=DEFAULTS)
    assert red is not None and red.tier == Tier.RED
    _assert_presentable(red)
    two = {**BEFORE, "initiated": 4, "after_hours": 3}
    series = _therapist_series(BEFORE, two, 12, 6)
    yellow = therapist_overextension(series, now=_after(series), thresholds=DEFAULTS)
    assert yellow is not None and yellow.tier == Tier.YELLOW
    assert yellow.evidence["faster_replies"] is False


def test_steady_availability_or_too_little_work_is_not_overextension():
    steady = _therapist_series(BEFORE, BEFORE, 12, 6)
    assert (
        therapist_overextension(steady, now=_after(steady), thresholds=DEFAULTS) is None
    )
    quiet_before = {
        "client": 0,
        "replied": 0,
        "initiated": 0,
        "after_hours": 0,
        "minutes": np.nan,
    }
    quiet_recent = {**quiet_before, "initiated": 0.5, "after_hours": 0.5}
    quiet = _therapist_series(quiet_before, quiet_recent, 12, 6)
    assert (
        therapist_overextension(quiet, now=_after(quiet), thresholds=DEFAULTS) is None
    )
    busy = _therapist_series(
        BEFORE, {**BEFORE, "initiated": 4, "after_hours": 3}, 12, 6
    )
    assert (
        therapist_overextension(
            busy, now=_after(busy), thresholds=_off("overextension")
        )
        is None
    )


AVAILABLE = {"client": 5, "replied": 5, "initiated": 1, "after_hours": 1, "minutes": 20}


def test_an_abrupt_cutback_after_high_availability_is_flagged():
    both = {**AVAILABLE, "replied": 1, "minutes": 600}
    series = _therapist_series(AVAILABLE, both, 8, 3)
    red = abrupt_withdrawal(series, now=_after(series), thresholds=DEFAULTS)
    assert red is not None and red.tier == Tier.RED
    _assert_presentable(red)
    fewer = {**AVAILABLE, "replied": 1}
    series = _therapist_series(AVAILABLE, fewer, 8, 3)
    yellow = abrupt_withdrawal(series, now=_after(series), thresholds=DEFAULTS)
    assert yellow is not None and yellow.tier == Tier.YELLOW


def test_no_withdrawal_without_prior_high_availability_or_a_real_drop():
    steady = _therapist_series(AVAILABLE, AVAILABLE, 8, 3)
    assert abrupt_withdrawal(steady, now=_after(steady), thresholds=DEFAULTS) is None
    sparse_before = {**AVAILABLE, "replied": 2}
    series = _therapist_series(sparse_before, {**AVAILABLE, "replied": 0}, 8, 3)
    assert abrupt_withdrawal(series, now=_after(series), thresholds=DEFAULTS) is None
    few = _therapist_series(AVAILABLE, {**AVAILABLE, "client": 1, "replied": 0}, 8, 3)
    assert abrupt_withdrawal(few, now=_after(few), thresholds=DEFAULTS) is None
    cut = _therapist_series(AVAILABLE, {**AVAILABLE, "replied": 1}, 8, 3)
    assert (
        abrupt_withdrawal(cut, now=_after(cut), thresholds=_off("withdrawal")) is None
    )


def test_withdrawal_during_the_therapists_absence_is_not_withdrawal():
    cut = _therapist_series(AVAILABLE, {**AVAILABLE, "replied": 0}, 8, 3)
    away = dataclasses.replace(cut, therapist_absent=np.array([False] * 8 + [True] * 3))
    assert abrupt_withdrawal(away, now=_after(away), thresholds=DEFAULTS) is None


# --- thresholds -------------------------------------------------------------------


def test_every_threshold_is_documented_with_its_default_and_range():
    names = [f.name for f in dataclasses.fields(DetectorThresholds)]
    assert [f.name for f in FIELDS] == names
    for field in FIELDS:
        assert field.default == getattr(DEFAULTS, field.name)
        assert field.meaning
        if field.kind is not bool:
            assert field.minimum <= field.default <= field.maximum


def test_every_detector_has_a_switch():
    switches = {f.name for f in FIELDS if f.kind is bool}
    assert switches == {
        f"{name}_enabled"
        for name in (
            "rising",
            "policy",
            "absence",
            "rupture",
            "dependency",
            "overextension",
            "withdrawal",
            "after_ending",
        )
    }


def test_out_of_range_or_inconsistent_thresholds_are_refused():
    with pytest.raises(ValueError, match="policy_min_count must be at least 1"):
        DetectorThresholds(policy_min_count=0)
    with pytest.raises(ValueError, match="rupture_red_days must not be below"):
        DetectorThresholds(rupture_repair_days=30, rupture_red_days=20)
    assert threshold_problems({"rising_false_alarms_per_year": 5.0})


def test_thresholds_can_be_built_from_a_settings_row():
    row = {"policy_min_count": 4, "_state": object(), "id": 3, "clinic_id": 9}
    assert DetectorThresholds.from_mapping(row).policy_min_count == 4


# --- purity -----------------------------------------------------------------------


def test_the_detectors_read_no_clock_and_no_django():
    package = pathlib.Path(cusum.__file__).parent
    forbidden = re.compile(
        r"\.now\(|\.today\(|utcnow|time\.time\(|import django|from django|timezone\b"
    )
    for path in package.glob("*.py"):
        assert not forbidden.search(path.read_text()), path.name


def test_the_same_data_judged_at_another_moment_gives_another_answer():
    rupture = [_rupture(1, 30)]
    assert unrepaired_rupture(rupture, now=NOW, thresholds=DEFAULTS)
    earlier = NOW - dt.timedelta(days=15)
    assert unrepaired_rupture(rupture, now=earlier, thresholds=DEFAULTS) is None


def test_a_finding_refuses_evidence_that_is_not_json():
    with pytest.raises(ValueError):
        Finding(
            kind=Kind.POLICY_PATTERN,
            tier=Tier.YELLOW,
            window_start=NOW.date(),
            window_end=NOW.date(),
            score=1.0,
            evidence={"x": float("nan")},
            explanation="x.",
        )
