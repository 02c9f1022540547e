"""The flag page's numbers and chart for every detector kind: plain rows (no
JSON), the series with the window and baseline marked, and the gauges."""

from __future__ import annotations

import datetime as dt

import pytest

from attachment.review.charts import flag_series_chart
from attachment.review.evidence import evidence_rows, flag_gauge
from tests.attachment.factories import ContactFactory, FlagFactory


def _rows(evidence) -> dict[str, str]:
    return {row.label: row.value for row in evidence_rows(evidence)}


def test_related_numbers_are_read_together():
    rows = _rows(
        {
            "rate_ratio": 5.57,
            "rate_ratio_ci95": [2.48, None],
            "cusum": 3.0,
            "cusum_threshold": 4.1,
            "rate_ratio_p_value": 0.00001,
        }
    )

    assert rows["Rate ratio with 95% confidence interval"] == (
        "5.57 (95% CI 2.48 to no upper bound)"
    )
    assert rows["CUSUM statistic against its threshold h"] == (
        "3 against h = 4.1 (under the threshold)"
    )
    assert rows["Rate-ratio test (one-sided)"] == "p < 0.0001"


def test_the_therapist_signals_show_before_and_after():
    rows = _rows(
        {
            "fewer_replies": True,
            "reply_share_before": 1.0,
            "reply_share_recent": 0.09,
            "fisher_p_value": 0.0004,
            "prior_weeks": 6,
            "recent_weeks": 3,
        }
    )

    assert rows["Share of the client's contacts answered"] == (
        "100% before, 9% recently: fewer"
    )
    assert rows["Fewer contacts answered: Fisher's exact test"] == "p = 0.0004"
    assert rows["Weeks compared"] == "6 weeks before; 3 recent weeks"


def test_unknown_keys_get_a_row_in_words_and_series_get_none():
    rows = _rows(
        {
            "weeks": ["2026-01-05"],
            "no_longer_active": True,
            "new_measure": [1.5, True, "2026-02-03"],
            "nested_figure": {"low": 1, "high": 2},
        }
    )

    assert rows == {
        "New measure": "1.5, yes, 3 Feb 2026",
        "Nested figure": "low: 1; high: 2",
    }


@pytest.mark.parametrize(
    ("kind", "evidence", "value", "red"),
    [
        (
            "policy_pattern",
            {"occasions_outside_policy": 7, "yellow_at": 4, "red_at": 6},
            7,
            True,
        ),
        (
            "after_ending_contact",
            {"contacts_after_ending": 2, "yellow_at": 2, "red_at": 3},
            2,
            False,
        ),
        (
            "unrepaired_rupture",
            {"days_without_repair": 30, "yellow_after_days": 21, "red_after_days": 42},
            30,
            False,
        ),
        ("rising_contact_frequency", {"cusum": 6.2, "cusum_threshold": 3.2}, 6.2, True),
    ],
)
def test_the_gauge_sets_the_deciding_number_against_its_thresholds(
    client, kind, evidence, value, red
):
    gauge = flag_gauge(
        flag=FlagFactory.build(client=client, kind=kind, evidence=evidence)
    )

    assert (gauge.value, gauge.red) == (value, red)
    assert all(0 < mark.x < gauge.width for mark in gauge.marks)


def test_kinds_without_a_series_or_thresholds_draw_nothing(client):
    flag = FlagFactory.build(
        client=client, kind="absence_ahead", evidence={"days_until_absence": 5}
    )

    assert flag_series_chart(flag=flag) is None
    assert flag_gauge(flag=flag) is None


def test_the_intensity_chart_marks_high_intensity(client):
    flag = FlagFactory.build(
        client=client,
        kind="dependency_escalation",
        evidence={"observed_on": ["2026-01-05", "2026-01-19"], "intensity": [1, 4]},
    )

    chart = flag_series_chart(flag=flag)

    assert [bar.point.value for bar in chart.bars] == [1, 4]
    assert [line.value for line in chart.lines] == [3]
    assert chart.bars[1].y == chart.top


@pytest.mark.django_db
def test_the_withdrawal_chart_reads_the_weekly_answered_share(client, now):
    monday = dt.date(2026, 3, 2)
    for day, answered in ((0, True), (1, False)):
        occurred = dt.datetime.combine(
            monday + dt.timedelta(days=day), dt.time(10), dt.UTC
        )
        ContactFactory(
            client=client,
            occurred_at=occurred,
            responded_at=occurred + dt.timedelta(hours=1) if answered else None,
        )
    flag = FlagFactory.create(
        client=client,
        kind="abrupt_withdrawal",
        window_start=monday,
        window_end=dt.date(2026, 3, 15),
        evidence={"prior_weeks": 2, "recent_weeks": 2, "reply_share_before": 1.0},
    )

    chart = flag_series_chart(flag=flag)

    values = [bar.point.value for bar in chart.bars]
    assert values == [None, None, 50, None]
    assert [bar.point.in_window for bar in chart.bars] == [False, False, True, True]
    assert chart.lines[0].value == 100
