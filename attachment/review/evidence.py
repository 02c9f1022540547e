"""The flag page's "numbers": a detector's evidence as plain labelled rows,
and a gauge of the deciding number against its thresholds.

A supervisor should understand a flag at a glance, so the evidence is laid out
in words ("Rate ratio with 95% confidence interval: 5.6 (2.9 to 10.3)"), never
as JSON.  Related keys are read together (a rate ratio with its interval, the
CUSUM with its threshold, a signal with its before and after figures); a key
this module does not know yet still gets a row, labelled from its name.  The
series (weeks, intensities) are drawn by :mod:`attachment.review.charts` and the
rupture ids become links, so neither is repeated here.

The gauge draws the CUSUM against ``h`` for rising contact frequency, and the
count or days against the yellow and red thresholds for the policy,
after-ending, rupture and measure kinds (``review/_gauge.html``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from attachment.models import Flag


@dataclass(frozen=True)
class EvidenceRow:
    label: str
    value: str


def _num(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return (
            f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
        )
    return str(value)


def _per_week(value: Any) -> str:
    return "—" if value is None else f"{_num(value)} a week"


def _p(value: Any) -> str:
    if value is None:
        return "—"
    return "p < 0.0001" if value < 0.0001 else f"p = {value:.4f}"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _minutes(value: Any) -> str:
    return "—" if value is None else f"{value:.0f} minutes"


def _date(value: Any) -> str:
    try:
        return f"{dt.date.fromisoformat(str(value)):%-d %b %Y}"
    except ValueError:
        return str(value)


def _yes(value: Any) -> str:
    return "yes" if value else "no"


def _ratio_ci(ratio: Any, ci: Any) -> str:
    low, high = (list(ci) + [None, None])[:2] if isinstance(ci, list) else (None, None)
    high_text = "no upper bound" if high is None else _num(high)
    return f"{_num(ratio)} (95% CI {_num(low)} to {high_text})"


def _cusum(value: Any, threshold: Any) -> str:
    over = value is not None and threshold is not None and value >= threshold
    verdict = "at or over the threshold" if over else "under the threshold"
    return f"{_num(value)} against h = {_num(threshold)} ({verdict})"


def _change(fmt: Callable[[Any], str]) -> Callable[..., str]:
    def show(signal: Any, before: Any, recent: Any, p_value: Any) -> str:
        return f"{_yes(signal)}: {fmt(before)} before, {fmt(recent)} recently ({_p(p_value)})"

    return show


def _scores(dates: Any, scores: Any) -> str:
    pairs = zip(dates or [], scores or [], strict=False)
    return " → ".join(f"{_num(score)} on {_date(when)}" for when, score in pairs)


@dataclass(frozen=True)
class _Spec:
    keys: tuple[str, ...]
    label: str
    show: Callable[..., str]


def _one(key: str, label: str, show: Callable[[Any], str] = _num) -> _Spec:
    return _Spec((key,), label, show)


def _pair(keys: tuple[str, str], label: str, template: str) -> _Spec:
    return _Spec(keys, label, lambda a, b: template.format(_num(a), _num(b)))


# In the order a reader wants them: rates and their comparison first, then the
# test behind the tier, then counts, then the thresholds that applied.
SPECS: tuple[_Spec, ...] = (
    _one("baseline_rate_per_week", "Baseline rate", _per_week),
    _one("recent_rate_per_week", "Recent rate", _per_week),
    _one("rate_per_week_usual", "Usual rate before the absence", _per_week),
    _one("rate_per_week_during", "Rate during the absence", _per_week),
    _Spec(("rate_ratio", "rate_ratio_ci95"), "Rate ratio with 95% CI", _ratio_ci),
    _one("rate_ratio", "Rate ratio"),
    _one("rate_ratio_p_value", "Rate-ratio test (one-sided)", _p),
    _Spec(("cusum", "cusum_threshold"), "CUSUM value against threshold h", _cusum),
    _one("cusum_rise_started", "CUSUM dates the rise from the week of", _date),
    _one("reference_rate_per_week", "CUSUM reference rate (floored)", _per_week),
    _one("dispersion_phi", "Over-dispersion φ of the baseline weeks"),
    _pair(
        ("baseline_contacts", "baseline_weeks"), "Baseline", "{} contacts in {} weeks"
    ),
    _pair(("recent_contacts", "recent_weeks"), "Recent", "{} contacts in {} weeks"),
    _pair(("baseline_contacts", "baseline_days"), "Baseline", "{} contacts in {} days"),
    _Spec(
        ("absence_starts_on", "absence_ends_on"),
        "Absence",
        lambda start, end: f"{_date(start)} to {_date(end)}",
    ),
    _one("has_cover", "Covering therapist arranged", _yes),
    _one("days_absent_so_far", "Days of absence judged"),
    _one("contacts_during_absence", "Client contacts during the absence"),
    _one("days_until_absence", "Days until the absence"),
    _one("high_intensity_observations", "Observations with strong fear of abandonment"),
    _one("highest_intensity", "Highest intensity (0–4)"),
    _one("observation_weeks", "Observation weeks looked at"),
    _one("p_value", "Significance test (one-sided)", _p),
    _Spec(
        (
            "faster_replies",
            "median_response_minutes_before",
            "median_response_minutes_recent",
            "faster_replies_p_value",
        ),
        "Faster replies (median reply time)",
        _change(_minutes),
    ),
    _Spec(
        (
            "more_after_hours_replies",
            "after_hours_per_week_before",
            "after_hours_per_week_recent",
            "after_hours_p_value",
        ),
        "More after-hours replies",
        _change(_per_week),
    ),
    _Spec(
        (
            "more_therapist_initiated",
            "therapist_initiated_per_week_before",
            "therapist_initiated_per_week_recent",
            "therapist_initiated_p_value",
        ),
        "More therapist-initiated contacts",
        _change(_per_week),
    ),
    _Spec(
        (
            "fewer_replies",
            "reply_share_before",
            "reply_share_recent",
            "fisher_p_value",
        ),
        "Fewer replies (share of client contacts answered; Fisher's test)",
        _change(_pct),
    ),
    _Spec(
        (
            "slower_replies",
            "median_response_minutes_before",
            "median_response_minutes_recent",
            "slower_p_value",
        ),
        "Slower replies (median reply time)",
        _change(_minutes),
    ),
    _pair(("baseline_weeks", "recent_weeks"), "Weeks compared", "{} before, {} recent"),
    _pair(("prior_weeks", "recent_weeks"), "Weeks compared", "{} before, {} recent"),
    _one("contacts_outside_policy", "Client contacts outside the policy"),
    _one("after_hours", "… of them after hours"),
    _one("outside_agreement", "… on a channel or for a purpose not agreed"),
    _one("over_weekly_limit", "… over the weekly limit"),
    _one("contacts_after_ending", "Client contacts after the ending"),
    _one("ended_on", "Therapy ended on", _date),
    _one("days_since_ending", "Days since the ending"),
    _one("after_ending_allowed", "Policy allows contact after ending", _yes),
    _one("oldest_noticed_on", "Oldest waiting rupture noticed on", _date),
    _one("days_without_repair", "Days without a repair attempt"),
    _one("ruptures_without_repair", "Open ruptures without a repair attempt"),
    _one("severe", "… of them severe"),
    _one("ruptures", "Ruptures in the window"),
    _one("still_open", "… still open"),
    _one("observations", "Observations in the window"),
    _one("kendall_tau", "Mann-Kendall trend τ"),
    _one("sen_slope_per_week", "Sen's slope (intensity points a week)"),
    _one("alpha", "Significance level used"),
    _Spec(
        ("measured_on", "preoccupied_merger"),
        "Preoccupied-merger score (1–6)",
        _scores,
    ),
    _one("rise", "Rise in points"),
    _one("window_weeks", "Window looked at (weeks)"),
    _pair(("yellow_at", "red_at"), "Yellow from / red from", "{} / {}"),
    _pair(
        ("yellow_after_days", "red_after_days"),
        "Yellow after / red after",
        "{} / {} days",
    ),
)

# Drawn in the chart, linked as records, or shown as the page's own notes.
NOT_ROWS = frozenset(
    {
        "weeks",
        "client_initiated",
        "therapist_absent",
        "observed_on",
        "intensity",
        "rupture_ids",
        "part",
        "no_longer_active",
        "no_longer_active_since",
    }
)


def _generic(value: Any) -> str:
    """A key this module does not know: words, never JSON."""
    if isinstance(value, list):
        return ", ".join(_generic(item) for item in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_generic(item)}" for key, item in value.items())
    if isinstance(value, str):
        return _date(value)
    return _num(value)


def evidence_rows(evidence: dict[str, Any]) -> list[EvidenceRow]:
    """The rows of one flag's evidence, known keys first in :data:`SPECS` order."""
    used: set[str] = set(NOT_ROWS)
    rows = []
    for spec in SPECS:
        if all(key in evidence and key not in used for key in spec.keys):
            rows.append(
                EvidenceRow(spec.label, spec.show(*map(evidence.get, spec.keys)))
            )
            used.update(spec.keys)
    if "detector_window" in evidence:
        used.add("detector_window")
        start, end = (list(evidence["detector_window"]) + ["", ""])[:2]
        rows.append(
            EvidenceRow("Latest scan's own window", f"{_date(start)} to {_date(end)}")
        )
    for key in sorted(set(evidence) - used):
        label = key.replace("_", " ").capitalize()
        rows.append(EvidenceRow(label, _generic(evidence[key])))
    return rows


# The gauge: the deciding number against its thresholds -----------------------

GAUGE_WIDTH = 680


@dataclass(frozen=True)
class Mark:
    x: float
    value: float
    label: str
    css: str  # "threshold-yellow", "threshold-red" or "threshold"


@dataclass(frozen=True)
class Gauge:
    title: str
    value: float
    value_label: str
    bar_width: float
    marks: list[Mark]
    red: bool
    width: int = GAUGE_WIDTH
    height: int = 64
    left: int = 8


def gauge(
    *, title: str, value: float | None, unit: str, marks: list[tuple[Any, str, str]]
) -> Gauge | None:
    """The deciding number as a bar, with its thresholds as marks."""
    shown = [(float(v), label, css) for v, label, css in marks if v is not None]
    if value is None or not shown:
        return None
    top = max([value, *(v for v, _, _ in shown)]) * 1.15 or 1.0
    span = GAUGE_WIDTH - 16
    return Gauge(
        title=title,
        value=value,
        value_label=f"{value:.3g} {unit}".strip(),
        bar_width=round(span * value / top, 2),
        marks=[
            Mark(x=round(8 + span * v / top, 2), value=v, label=label, css=css)
            for v, label, css in shown
        ],
        red=any(value >= v for v, _, css in shown if css == "threshold-red"),
    )


# kind -> (title, value key, unit, yellow key, red key)
GAUGES = {
    "policy_pattern": (
        "Client contacts outside the policy",
        "contacts_outside_policy",
        "contacts",
        "yellow_at",
        "red_at",
    ),
    "after_ending_contact": (
        "Client contacts after the ending",
        "contacts_after_ending",
        "contacts",
        "yellow_at",
        "red_at",
    ),
    "repeated_ruptures": (
        "Ruptures in the window",
        "ruptures",
        "ruptures",
        "yellow_at",
        "red_at",
    ),
    "unrepaired_rupture": (
        "Days the oldest rupture has waited for a repair attempt",
        "days_without_repair",
        "days",
        "yellow_after_days",
        "red_after_days",
    ),
    "dependency_measure_rise": (
        "Rise of the preoccupied-merger score",
        "rise",
        "points",
        "yellow_at",
        "red_at",
    ),
}


def flag_gauge(*, flag: Flag) -> Gauge | None:
    """The deciding number against its thresholds, where the evidence has them."""
    ev = flag.evidence
    if flag.kind == "rising_contact_frequency":
        return gauge(
            title="CUSUM value against its threshold h",
            value=ev.get("cusum"),
            unit="",
            marks=[(ev.get("cusum_threshold"), "h", "threshold-red")],
        )
    if flag.kind not in GAUGES:
        return None
    title, key, unit, yellow, red = GAUGES[flag.kind]
    return gauge(
        title=title,
        value=ev.get(key),
        unit=unit,
        marks=[
            (ev.get(yellow), "yellow", "threshold-yellow"),
            (ev.get(red), "red", "threshold-red"),
        ],
    )
