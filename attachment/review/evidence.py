"""The flag page's "numbers": a detector's evidence as plain labelled rows,
and a gauge of the deciding number against its thresholds.

A supervisor, and a client reading their own record, should understand a flag
at a glance, so the evidence is laid out in words and human units: rates with
the counts and dates behind them ("2.3 a week: 7 contacts in 3 weeks, 9 to
29 Nov 2026"), reply times in minutes, hours or days ("about 2 days", never
"3000 minutes").  The statistics behind the tier (rate ratios and their
intervals, CUSUM against ``h``, the dispersion φ, Kendall's τ, p-values and
the thresholds) are rows with ``statistic=True``, shown in the page's
collapsed "How this was calculated" section.

Related keys are read together; a key this module does not know yet still
gets a row, labelled from its name.  The series (weeks, intensities) are drawn
by :mod:`attachment.review.charts` and the rupture ids become links, so
neither is repeated here.

The gauge draws the count or days against the thresholds of *some* and
*strong* evidence for the agreement, after-ending, rupture and measure kinds
(``review/_gauge.html``); the CUSUM gauge of rising contacts is a statistic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from attachment.models import Flag
from clinic.dates import format_when


@dataclass(frozen=True)
class EvidenceRow:
    label: str
    value: str
    # Shown under "How this was calculated" rather than among the plain rows.
    statistic: bool = False


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


def _plural(n: Any, one: str, many: str) -> str:
    return f"{_num(n)} {one if n == 1 else many}"


def _per_week(value: Any) -> str:
    return "—" if value is None else f"{_num(value, 1)} a week"


def _p(value: Any) -> str:
    if value is None:
        return "—"
    return "p < 0.0001" if value < 0.0001 else f"p = {value:.4f}"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _round(value: float) -> int:
    return int(value + 0.5)


def duration(minutes: Any) -> str:
    """A span of minutes in the unit a person would use: minutes under an
    hour, an hour and minutes up to an hour and a half, hours under a day and
    a half, days after that."""
    if minutes is None:
        return "—"
    value = float(minutes)
    if value < 1:
        return "under a minute"
    n = _round(value)
    about = "" if value == n else "about "
    if n < 60:
        return f"{about}{n} minute{'' if n == 1 else 's'}"
    if n <= 90:
        rest = f" {n - 60} minutes" if n > 60 else ""
        return f"{about}1 hour{rest}"
    hours = value / 60
    if hours < 36:
        return f"about {_round(hours)} hours"
    return f"about {_round(hours / 24)} days"


def _days(value: Any) -> str:
    """A count of days, with weeks beside it when it is long."""
    if value is None:
        return "—"
    days = int(value)
    text = _plural(days, "day", "days")
    if days >= 14:
        text += f" (about {_round(days / 7)} weeks)"
    return text


def _date(value: Any) -> str:
    if isinstance(value, dt.date):
        return format_when(value, "date")
    try:
        return format_when(dt.date.fromisoformat(str(value)), "date")
    except ValueError:
        return str(value)


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def period_text(start: dt.date | None, end: dt.date | None) -> str:
    """Two dates as a period, the year written once when they share it."""
    if start is None or end is None:
        return ""
    if start.year == end.year:
        return f"{format_when(start, 'daymonth')} to {format_when(end, 'date')}"
    return f"{_date(start)} to {_date(end)}"


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


def _scores(dates: Any, scores: Any) -> str:
    pairs = zip(dates or [], scores or [], strict=False)
    return " → ".join(f"{_num(score)} on {_date(when)}" for when, score in pairs)


# The periods compared -------------------------------------------------------

Span = tuple[dt.date, dt.date]
WEEK = dt.timedelta(days=7)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Periods:
    """The dates of the weeks or days a detector compared, where the evidence
    (or the flag's window) gives them."""

    before: Span | None = None
    recent: Span | None = None


def _present_span(
    weeks: list[dt.date], absent: list[bool], n: int, *, from_end: bool
) -> Span | None:
    """The run of weeks from the start (or back from the end) holding ``n``
    weeks in which the therapist was present."""
    order = list(range(len(weeks)))
    if from_end:
        order.reverse()
    seen = 0
    for i in order:
        seen += not (absent[i] if i < len(absent) else False)
        if seen >= n:
            first, last = (i, order[0]) if from_end else (order[0], i)
            return weeks[first], weeks[last] + 6 * DAY
    return None


def periods(
    evidence: dict[str, Any],
    *,
    window_start: dt.date | None = None,
    window_end: dt.date | None = None,
) -> Periods:
    """The "before" and "recent" periods of a flag's evidence, as dates."""
    ev = evidence
    weeks = [_day(week) for week in ev.get("weeks") or []]
    if weeks and all(weeks):
        days = [week for week in weeks if week is not None]
        absent = [bool(a) for a in ev.get("therapist_absent") or []]
        before = recent = None
        if isinstance(ev.get("baseline_weeks"), int) and ev["baseline_weeks"] > 0:
            before = _present_span(days, absent, ev["baseline_weeks"], from_end=False)
        if isinstance(ev.get("recent_weeks"), int) and ev["recent_weeks"] > 0:
            recent = _present_span(days, absent, ev["recent_weeks"], from_end=True)
        return Periods(before, recent)
    starts = _day(ev.get("absence_starts_on"))
    if starts is not None and isinstance(ev.get("baseline_days"), int):
        so_far = ev.get("days_absent_so_far")
        return Periods(
            before=(starts - ev["baseline_days"] * DAY, starts - DAY),
            recent=(starts, starts + (so_far - 1) * DAY)
            if isinstance(so_far, int) and so_far > 0
            else None,
        )
    before_weeks = ev.get("prior_weeks", ev.get("baseline_weeks"))
    if window_start is not None and isinstance(before_weeks, int) and before_weeks:
        return Periods(
            before=(window_start - before_weeks * WEEK, window_start - DAY),
            recent=(window_start, window_end) if window_end is not None else None,
        )
    return Periods()


def _dated(text: str, span: Span | None) -> str:
    return f"{text}, {period_text(*span)}" if span else text


# The rows ---------------------------------------------------------------------

Show = Callable[[dict[str, Any], Periods], str]


@dataclass(frozen=True)
class _Spec:
    keys: tuple[str, ...]
    label: str
    show: Show
    statistic: bool = False


def _one(
    key: str, label: str, fmt: Callable[[Any], str] = _num, *, statistic: bool = False
) -> _Spec:
    return _Spec((key,), label, lambda ev, _: fmt(ev[key]), statistic)


def _stat(key: str, label: str, fmt: Callable[[Any], str] = _num) -> _Spec:
    return _one(key, label, fmt, statistic=True)


def _rate(
    rate: str, count: str, length: str, unit: tuple[str, str], which: str
) -> Show:
    """A rate with the count, the length and the dates behind it."""

    def show(ev: dict[str, Any], spans: Periods) -> str:
        behind = (
            f"{_plural(ev[count], 'contact', 'contacts')} in "
            f"{_plural(ev[length], *unit)}"
        )
        return f"{_per_week(ev[rate])}: {_dated(behind, getattr(spans, which))}"

    return show


def _change(
    signal: str, before: str, recent: str, fmt: Callable[[Any], str], word: str
) -> Show:
    """A before/after pair and whether the detector counted it as a change."""

    def show(ev: dict[str, Any], _: Periods) -> str:
        verdict = word if ev[signal] else "no clear change"
        return f"{fmt(ev[before])} before, {fmt(ev[recent])} recently: {verdict}"

    return show


def _calendar_weeks(span: Span | None) -> int:
    return 0 if span is None else ((span[1] - span[0]).days + 1) // 7


def _compared(before: str) -> Show:
    """The weeks compared, dated; weeks the therapist was away are left out
    of the counts, which the row says when the dates span more weeks."""

    def show(ev: dict[str, Any], spans: Periods) -> str:
        text = (
            _dated(f"{_plural(ev[before], 'week', 'weeks')} before", spans.before)
            + "; "
            + _dated(
                f"{_plural(ev['recent_weeks'], 'recent week', 'recent weeks')}",
                spans.recent,
            )
        )
        if (
            _calendar_weeks(spans.before) > ev[before]
            or _calendar_weeks(spans.recent) > ev["recent_weeks"]
        ):
            text += " (weeks the therapist was away are left out)"
        return text

    return show


def _pair(keys: tuple[str, str], label: str, template: str) -> _Spec:
    first, second = keys
    return _Spec(
        keys,
        label,
        lambda ev, _: template.format(_num(ev[first]), _num(ev[second])),
        statistic=True,
    )


# In the order a reader wants them: rates with their counts and dates first,
# then the changes, counts and dates; the statistics go to "How this was
# calculated" whatever their place here.
SPECS: tuple[_Spec, ...] = (
    _Spec(
        ("baseline_rate_per_week", "baseline_contacts", "baseline_weeks"),
        "Usually",
        _rate(
            "baseline_rate_per_week",
            "baseline_contacts",
            "baseline_weeks",
            ("week", "weeks"),
            "before",
        ),
    ),
    _Spec(
        ("recent_rate_per_week", "recent_contacts", "recent_weeks"),
        "Recently",
        _rate(
            "recent_rate_per_week",
            "recent_contacts",
            "recent_weeks",
            ("week", "weeks"),
            "recent",
        ),
    ),
    _one("baseline_rate_per_week", "Usual rate", _per_week),
    _one("recent_rate_per_week", "Recent rate", _per_week),
    _one("cusum_rise_started", "The rise began in the week of", _date),
    _Spec(
        ("absence_starts_on", "absence_ends_on"),
        "Absence",
        lambda ev, _: (
            period_text(_day(ev["absence_starts_on"]), _day(ev["absence_ends_on"]))
            or f"{_date(ev['absence_starts_on'])} to {_date(ev['absence_ends_on'])}"
        ),
    ),
    _one("has_cover", "Covering therapist arranged", _yes),
    _Spec(
        ("rate_per_week_usual", "baseline_contacts", "baseline_days"),
        "Usually, before the absence",
        _rate(
            "rate_per_week_usual",
            "baseline_contacts",
            "baseline_days",
            ("day", "days"),
            "before",
        ),
    ),
    _Spec(
        ("rate_per_week_during", "contacts_counted", "days_absent_so_far"),
        "During the absence",
        _rate(
            "rate_per_week_during",
            "contacts_counted",
            "days_absent_so_far",
            ("day", "days"),
            "recent",
        ),
    ),
    _Spec(
        ("rate_per_week_during", "contacts_during_absence", "days_absent_so_far"),
        "During the absence",
        _rate(
            "rate_per_week_during",
            "contacts_during_absence",
            "days_absent_so_far",
            ("day", "days"),
            "recent",
        ),
    ),
    _one("rate_per_week_usual", "Usual rate before the absence", _per_week),
    _one("rate_per_week_during", "Rate during the absence", _per_week),
    _one("days_absent_so_far", "Days of the absence so far", _days),
    _one("contacts_during_absence", "Client contacts during the absence, in all"),
    _one(
        "contacts_answered_by_cover",
        "… of them answered by the cover as planned (not counted)",
    ),
    _one("days_until_absence", "Time until the absence", _days),
    _one("high_intensity_observations", "Observations with strong fear of abandonment"),
    _one("highest_intensity", "Highest intensity (0–4)"),
    _one(
        "observation_weeks",
        "Observations looked at",
        lambda n: f"the last {_plural(n, 'week', 'weeks')}",
    ),
    _Spec(
        (
            "faster_replies",
            "median_response_minutes_before",
            "median_response_minutes_recent",
        ),
        "Typical reply time (median)",
        _change(
            "faster_replies",
            "median_response_minutes_before",
            "median_response_minutes_recent",
            duration,
            "faster",
        ),
    ),
    _Spec(
        (
            "more_after_hours_replies",
            "after_hours_per_week_before",
            "after_hours_per_week_recent",
        ),
        "Replies outside contact hours",
        _change(
            "more_after_hours_replies",
            "after_hours_per_week_before",
            "after_hours_per_week_recent",
            _per_week,
            "more",
        ),
    ),
    _Spec(
        (
            "more_therapist_initiated",
            "therapist_initiated_per_week_before",
            "therapist_initiated_per_week_recent",
        ),
        "Contacts the therapist started",
        _change(
            "more_therapist_initiated",
            "therapist_initiated_per_week_before",
            "therapist_initiated_per_week_recent",
            _per_week,
            "more",
        ),
    ),
    _one(
        "during_own_absence",
        "Contacts the therapist started during their own absence",
    ),
    _Spec(
        ("fewer_replies", "reply_share_before", "reply_share_recent"),
        "Share of the client's contacts answered",
        _change(
            "fewer_replies", "reply_share_before", "reply_share_recent", _pct, "fewer"
        ),
    ),
    _Spec(
        (
            "slower_replies",
            "median_response_minutes_before",
            "median_response_minutes_recent",
        ),
        "Typical reply time (median)",
        _change(
            "slower_replies",
            "median_response_minutes_before",
            "median_response_minutes_recent",
            duration,
            "slower",
        ),
    ),
    _Spec(
        ("baseline_weeks", "recent_weeks"),
        "Weeks compared",
        _compared("baseline_weeks"),
    ),
    _Spec(("prior_weeks", "recent_weeks"), "Weeks compared", _compared("prior_weeks")),
    _one("occasions_outside_policy", "Times beyond the agreement"),
    _one("contacts_outside_policy", "Client contacts outside the agreement"),
    _one("after_hours", "… of them outside contact hours"),
    _one("outside_agreement", "… on a channel or for a purpose not agreed"),
    _one("over_weekly_limit", "… over the agreed number a week"),
    _one("busy_weeks_counted", "… weeks over the agreed number (each counted once)"),
    _one("earlier_occasions", "Times in the earlier weeks"),
    _one(
        "earlier_weeks",
        "Earlier weeks compared",
        lambda n: f"the {_plural(n, 'week', 'weeks')} before",
    ),
    _one("contacts_after_ending", "Client contacts after the ending"),
    _one("ended_on", "Therapy ended on", _date),
    _one("days_since_ending", "Time since the ending", _days),
    _one("after_ending_allowed", "The agreement allows contact after the ending", _yes),
    _one("oldest_noticed_on", "Oldest waiting rupture noticed on", _date),
    _one("days_without_repair", "Time without a repair attempt", _days),
    _one("ruptures_without_repair", "Open ruptures without a repair attempt"),
    _one("severe", "… of them severe"),
    _one("ruptures", "Ruptures in the period"),
    _one("still_open", "… still open"),
    _one("observations", "Observations in the period"),
    _one("mean_intensity", "Mean intensity in the recent weeks (0–4)"),
    _one("usual_mean_intensity", "Usual mean intensity (0–4)"),
    _one("usual_observations", "Observations in the usual weeks"),
    _one("previous_mean", "Mean of the earlier measures"),
    _one("previous_measures", "Earlier measures compared"),
    _Spec(
        ("measured_on", "preoccupied_merger"),
        "Preoccupied-merger score (1–6)",
        lambda ev, _: _scores(ev["measured_on"], ev["preoccupied_merger"]),
    ),
    _one("rise", "Rise in points"),
    _one(
        "window_weeks",
        "Period looked at",
        lambda n: f"the last {_plural(n, 'week', 'weeks')}",
    ),
    # How this was calculated.
    _Spec(
        ("rate_ratio", "rate_ratio_ci95"),
        "Rate ratio with 95% confidence interval",
        lambda ev, _: _ratio_ci(ev["rate_ratio"], ev["rate_ratio_ci95"]),
        statistic=True,
    ),
    _stat("rate_ratio", "Rate ratio"),
    _stat("rate_ratio_p_value", "Rate-ratio test (one-sided)", _p),
    _Spec(
        ("cusum", "cusum_threshold"),
        "CUSUM statistic against its threshold h",
        lambda ev, _: _cusum(ev["cusum"], ev["cusum_threshold"]),
        statistic=True,
    ),
    _stat(
        "reference_rate_per_week",
        "CUSUM reference rate (the usual rate, floored)",
        _per_week,
    ),
    _stat("dispersion_phi", "Over-dispersion φ of the usual weeks"),
    _stat("p_value", "Significance test (one-sided)", _p),
    _stat("usual_sd", "Usual spread of intensity (standard deviation)"),
    _stat("t_value", "t-test of the rise against the usual level (one-sided)"),
    _stat("alpha", "Significance level used"),
    _stat(
        "reliable_change_index",
        "Reliable change index (Jacobson–Truax; a reliable change above 1.96)",
    ),
    _stat("reliability", "Reliability of the subscale"),
    _stat("assumed_sd", "Standard deviation assumed for the subscale"),
    _stat(
        "faster_replies_p_value",
        "Faster replies: Mann-Whitney test of weekly medians (one-sided)",
        _p,
    ),
    _stat("after_hours_p_value", "More replies outside hours: rate-ratio test", _p),
    _stat(
        "therapist_initiated_p_value",
        "More contacts the therapist started: rate-ratio test",
        _p,
    ),
    _stat("fisher_p_value", "Fewer contacts answered: Fisher's exact test", _p),
    _stat(
        "slower_p_value",
        "Slower replies: Mann-Whitney test of weekly medians (one-sided)",
        _p,
    ),
    _pair(
        ("yellow_at", "red_at"),
        "Some evidence from / strong evidence from",
        "{} / {}",
    ),
    _pair(
        ("yellow_after_days", "red_after_days"),
        "Some evidence after / strong evidence after",
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

# Parts of a key this module does not know that mark it as a statistic.
STATISTIC_MARKS = (
    "p_value",
    "tau",
    "phi",
    "cusum",
    "ci95",
    "alpha",
    "slope",
    "statistic",
    "threshold",
    "rci",
    "reliab",
    "yellow",
    "red_",
    "ratio",
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


def _unknown_row(key: str, value: Any) -> EvidenceRow:
    statistic = any(mark in key for mark in STATISTIC_MARKS)
    if "minutes" in key and isinstance(value, int | float) and not statistic:
        label = key.replace("response_minutes", "reply_time").replace("minutes", "time")
        return EvidenceRow(label.replace("_", " ").capitalize(), duration(value))
    return EvidenceRow(key.replace("_", " ").capitalize(), _generic(value), statistic)


def evidence_rows(
    evidence: dict[str, Any],
    *,
    window_start: dt.date | None = None,
    window_end: dt.date | None = None,
) -> list[EvidenceRow]:
    """The rows of one flag's evidence: the plain rows first in :data:`SPECS`
    order, then the statistics (``statistic=True``).  ``window_start`` and
    ``window_end`` (the flag's window) date the weeks compared by the
    detectors that do not store them."""
    spans = periods(evidence, window_start=window_start, window_end=window_end)
    used: set[str] = set(NOT_ROWS)
    rows = []
    for spec in SPECS:
        if all(key in evidence and key not in used for key in spec.keys):
            rows.append(
                EvidenceRow(spec.label, spec.show(evidence, spans), spec.statistic)
            )
            used.update(spec.keys)
    if "detector_window" in evidence:
        used.add("detector_window")
        start, end = (list(evidence["detector_window"]) + ["", ""])[:2]
        found = period_text(_day(start), _day(end))
        rows.append(
            EvidenceRow(
                "The latest scan found it in",
                found or f"{_date(start)} to {_date(end)}",
            )
        )
    rows.extend(
        _unknown_row(key, evidence[key]) for key in sorted(set(evidence) - used)
    )
    return [row for row in rows if not row.statistic] + [
        row for row in rows if row.statistic
    ]


def plain_rows(rows: list[EvidenceRow]) -> list[EvidenceRow]:
    return [row for row in rows if not row.statistic]


def statistic_rows(rows: list[EvidenceRow]) -> list[EvidenceRow]:
    return [row for row in rows if row.statistic]


# The gauge: the deciding number against its thresholds -----------------------

GAUGE_WIDTH = 680
SOME, STRONG = "some evidence", "strong evidence"


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
    # At or over the threshold of strong evidence (drawn darker, never red).
    red: bool
    width: int = GAUGE_WIDTH
    height: int = 64
    left: int = 8
    # A statistic (the CUSUM): drawn under "How this was calculated".
    statistic: bool = False


def gauge(
    *,
    title: str,
    value: float | None,
    unit: str,
    marks: list[tuple[Any, str, str]],
    statistic: bool = False,
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
        statistic=statistic,
    )


# kind -> (title, value key, unit, yellow key, red key)
GAUGES = {
    "policy_pattern": (
        "Times contact went beyond the agreement",
        "occasions_outside_policy",
        "times",
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
        "Ruptures in the period",
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
            title="CUSUM statistic against its threshold h",
            value=ev.get("cusum"),
            unit="",
            marks=[(ev.get("cusum_threshold"), "h", "threshold-red")],
            statistic=True,
        )
    if flag.kind not in GAUGES:
        return None
    title, key, unit, yellow, red = GAUGES[flag.kind]
    return gauge(
        title=title,
        value=ev.get(key),
        unit=unit,
        marks=[
            (ev.get(yellow), SOME, "threshold-yellow"),
            (ev.get(red), STRONG, "threshold-red"),
        ],
    )
