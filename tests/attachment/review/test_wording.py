"""Words a client could read: the flags' names, tiers and badges describe what
was seen and never blame; badges are neutral grey (red is the safety alerts');
the flag page's numbers are in hours and days with counts and dates beside
the rates, and the statistics wait in a collapsed "How this was calculated".

The flags here carry explanation sentences free of the words checked, so that
a failure points at a label, a badge or a row (the sentences are the
detectors' and are checked with them)."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse

from attachment.models import FlagKind, FlagTier
from attachment.review.charts import flag_series_chart
from attachment.review.evidence import duration, evidence_rows, flag_gauge
from tests.attachment.factories import FlagFactory

pytestmark = pytest.mark.django_db

BLAMING = ("dependency", "withdrawal", "overextension", "policy")
NEUTRAL_SENTENCE = "Seven client contacts were counted in the last four weeks."

RISING_EVIDENCE = {
    "weeks": [f"2026-01-{day:02d}" for day in (5, 12, 19, 26)]
    + [f"2026-02-{day:02d}" for day in (2, 9, 16, 23)],
    "client_initiated": [1, 0, 1, 1, 0, 4, 5, 6],
    "therapist_absent": [False] * 8,
    "baseline_weeks": 4,
    "baseline_contacts": 3,
    "baseline_rate_per_week": 0.75,
    "reference_rate_per_week": 0.75,
    "dispersion_phi": 0.2,
    "recent_weeks": 3,
    "recent_contacts": 15,
    "recent_rate_per_week": 5.0,
    "rate_ratio": 6.67,
    "rate_ratio_ci95": [2.1, 31.5],
    "rate_ratio_p_value": 0.0002,
    "cusum": 9.48,
    "cusum_threshold": 3.21,
    "cusum_rise_started": "2026-02-09",
}
RESPONSIVENESS_EVIDENCE = {
    "fewer_replies": True,
    "slower_replies": True,
    "prior_weeks": 6,
    "recent_weeks": 3,
    "reply_share_before": 0.9,
    "reply_share_recent": 0.2,
    "fisher_p_value": 0.0004,
    "median_response_minutes_before": 128.0,
    "median_response_minutes_recent": 3000.0,
    "slower_p_value": 0.003,
}
TREND_EVIDENCE = {
    "observed_on": ["2026-02-02", "2026-02-16", "2026-03-02"],
    "intensity": [1, 2, 4],
    "observations": 3,
    "mean_intensity": 3.0,
    "usual_mean_intensity": 1.2,
    "usual_sd": 0.6,
    "rise": 1.8,
    "t_value": 4.1,
    "p_value": 0.001,
    "alpha": 0.005,
}


def _words(text: str) -> list[str]:
    return [word for word in BLAMING if word in text.lower()]


class _Badges(HTMLParser):
    """The badges of a page (class, text) and the texts of its links to a
    flag's page."""

    VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, str, str | None, list[str]]] = []
        self.badges: list[tuple[str, str]] = []
        self.flag_links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        values = dict(attrs)
        css = values.get("class") or ""
        kind = None
        if "badge" in css.split():
            kind = "badge"
        elif tag == "a" and re.search(r"/flags/\d+/$", values.get("href") or ""):
            kind = "link"
        self.open.append((tag, css, kind, []))

    def handle_data(self, data):
        for _, _, kind, parts in self.open:
            if kind:
                parts.append(data)

    def handle_endtag(self, tag):
        while self.open:
            opened, css, kind, parts = self.open.pop()
            text = " ".join("".join(parts).split())
            if kind == "badge":
                self.badges.append((css, text))
            elif kind == "link":
                self.flag_links.append(text)
            if opened == tag:
                break


def _parse(html: str) -> _Badges:
    parser = _Badges()
    parser.feed(html)
    return parser


# The labels ---------------------------------------------------------------

DESCRIPTIVE_NAMES = {
    "rising_contact_frequency": "Contacts rising",
    "policy_pattern": "Contacts outside the agreement",
    "absence_surge": "More contact during an absence",
    "absence_ahead": "Absence ahead: plan cover",
    "unrepaired_rupture": "Rupture not yet repaired",
    "repeated_ruptures": "Several ruptures close together",
    "dependency_escalation": "Attachment distress rising",
    "dependency_measure_rise": "Attachment measure rising",
    "therapist_overextension": "Availability rising against own baseline",
    "abrupt_withdrawal": "Therapist responsiveness fell",
    "after_ending_contact": "Contact after the ending",
}


def test_every_kind_keeps_its_code_and_has_a_descriptive_name():
    assert {kind.value: kind.label for kind in FlagKind} == DESCRIPTIVE_NAMES


@pytest.mark.parametrize("label", [*FlagKind.labels, *FlagTier.labels])
def test_no_name_or_tier_blames(label):
    assert _words(label) == []


def test_tiers_say_how_strong_the_evidence_is_and_keep_their_values():
    assert dict(FlagTier.choices) == {
        "red": "Strong evidence",
        "yellow": "Some evidence",
    }


# The pages ------------------------------------------------------------------


@pytest.fixture
def every_kind(client):
    """One live flag of each kind on the client, tiers alternating."""
    evidence: dict[str, dict[str, Any]] = {
        "rising_contact_frequency": RISING_EVIDENCE,
        "abrupt_withdrawal": RESPONSIVENESS_EVIDENCE,
        "dependency_escalation": TREND_EVIDENCE,
    }
    return [
        FlagFactory(
            client=client,
            kind=kind,
            tier="red" if i % 2 else "yellow",
            explanation=NEUTRAL_SENTENCE,
            **({"evidence": dict(evidence[kind])} if kind in evidence else {}),
        )
        for i, kind in enumerate(FlagKind.values)
    ]


def _pages(client, flags) -> list[str]:
    return [
        reverse("attachment:flag_queue"),
        reverse("clinic:home"),
        client.get_absolute_url(),
        *(reverse("attachment:flag_detail", args=[flag.pk]) for flag in flags),
    ]


def _flag_badges(parsed: _Badges) -> list[tuple[str, str]]:
    tiers = [label.lower() for label in FlagTier.labels]
    return [
        (css, text)
        for css, text in parsed.badges
        if "flag-tier" in css.split() or any(tier in text.lower() for tier in tiers)
    ]


def test_the_therapists_pages_name_flags_and_tiers_without_blame(
    login, therapist, client, every_kind
):
    http = login(therapist)
    for url in _pages(client, every_kind):
        response = http.get(url)
        assert response.status_code == 200, url
        parsed = _parse(response.content.decode())
        badges = _flag_badges(parsed)
        assert badges, url
        for css, text in badges:
            assert _words(text) == [], (url, text)
            assert "text-bg-danger" not in css.split(), (url, text)
            assert "text-bg-warning" not in css.split(), (url, text)
        for text in parsed.flag_links:
            assert _words(text) == [], (url, text)


def _main_text(html: str) -> str:
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def test_the_queue_and_the_flag_pages_read_without_blame_throughout(
    login, therapist, client, every_kind
):
    """Not only the names and badges: the headings, the rows of numbers, the
    chart titles and the record headings of these pages too."""
    http = login(therapist)
    urls = [reverse("attachment:flag_queue")] + [
        reverse("attachment:flag_detail", args=[flag.pk]) for flag in every_kind
    ]
    for url in urls:
        text = _main_text(http.get(url).content.decode())
        assert NEUTRAL_SENTENCE in text, url
        assert _words(text) == [], url


def test_the_queue_and_the_client_page_name_every_kind(
    login, therapist, client, every_kind
):
    http = login(therapist)
    for url in (reverse("attachment:flag_queue"), client.get_absolute_url()):
        links = _parse(http.get(url).content.decode()).flag_links
        assert set(DESCRIPTIVE_NAMES.values()) <= set(links), url


def test_the_overview_counts_by_strength_of_evidence_in_grey(
    login, supervisor, client, every_kind
):
    html = login(supervisor).get(reverse("attachment:overview")).content.decode()

    assert "Flags, strong evidence" in html
    assert "Flags, some evidence" in html
    assert not re.search(r"(?i)\b(red|yellow) flags\b", html)
    for css, text in _flag_badges(_parse(html)):
        assert "text-bg-danger" not in css.split(), text
        assert _words(text) == [], text


def test_the_caseload_badge_says_strong_evidence_in_grey(login, therapist, client):
    FlagFactory(client=client, tier="red", explanation=NEUTRAL_SENTENCE)

    parsed = _parse(login(therapist).get(reverse("clinic:home")).content.decode())

    assert [(css.split(), text) for css, text in _flag_badges(parsed)] == [
        (
            ["badge", "flag-tier", "text-bg-secondary", "text-decoration-none"],
            "1 strong evidence",
        )
    ]


# The numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (0.4, "under a minute"),
        (1, "1 minute"),
        (45, "45 minutes"),
        (59.6, "about 1 hour"),
        (70, "1 hour 10 minutes"),
        (89.6, "about 1 hour 30 minutes"),
        (128, "about 2 hours"),
        (60 * 30, "about 30 hours"),
        (3000, "about 2 days"),
        (60 * 24 * 9, "about 9 days"),
    ],
)
def test_a_reply_time_reads_in_minutes_hours_or_days(minutes, words):
    assert duration(minutes) == words


def test_reply_times_are_shown_in_hours_and_days_never_raw_minutes():
    rows = {row.label: row.value for row in evidence_rows(RESPONSIVENESS_EVIDENCE)}

    assert rows["Typical reply time (median)"] == (
        "about 2 hours before, about 2 days recently: slower"
    )
    assert not any("3000" in value or "128" in value for value in rows.values())


def test_rates_show_their_counts_and_dates():
    rows = {row.label: row.value for row in evidence_rows(RISING_EVIDENCE)}

    assert rows["Usually"] == "0.8 a week: 3 contacts in 4 weeks, 5 Jan to 1 Feb 2026"
    assert rows["Recently"] == "5 a week: 15 contacts in 3 weeks, 9 Feb to 1 Mar 2026"


def test_the_weeks_compared_are_dated_from_the_flags_window():
    rows = {
        row.label: row.value
        for row in evidence_rows(
            RESPONSIVENESS_EVIDENCE,
            window_start=dt.date(2026, 2, 16),
            window_end=dt.date(2026, 3, 8),
        )
    }

    assert rows["Weeks compared"] == (
        "6 weeks before, 5 Jan to 15 Feb 2026; 3 recent weeks, 16 Feb to 8 Mar 2026"
    )


STATISTICS = ("CUSUM", "h =", "φ", "t-test", "p =", "p <", "Rate ratio", "Fisher")


def _numbers_section(html: str) -> tuple[str, str]:
    """The flag page's numbers outside the details element, and inside it."""
    section = re.search(
        r'<section aria-labelledby="numbers-heading".*?</section>', html, re.S
    )
    assert section is not None
    body = section.group(0)
    details = re.search(r"<details[^>]*>.*?</details>", body, re.S)
    assert details is not None
    assert "<summary>How this was calculated</summary>" in details.group(0)
    return body.replace(details.group(0), ""), details.group(0)


@pytest.mark.parametrize(
    ("kind", "evidence", "inside"),
    [
        ("rising_contact_frequency", RISING_EVIDENCE, ("CUSUM", "φ", "h =", "p =")),
        ("abrupt_withdrawal", RESPONSIVENESS_EVIDENCE, ("Fisher", "p =")),
        ("dependency_escalation", TREND_EVIDENCE, ("t-test", "p =")),
    ],
)
def test_the_statistics_wait_in_how_this_was_calculated(
    login, therapist, client, kind, evidence, inside
):
    flag = FlagFactory(
        client=client,
        kind=kind,
        tier="red",
        evidence=dict(evidence),
        explanation=NEUTRAL_SENTENCE,
    )

    html = (
        login(therapist)
        .get(reverse("attachment:flag_detail", args=[flag.pk]))
        .content.decode()
    )

    outside, details = _numbers_section(html)
    for mark in inside:
        assert mark in details, mark
    for mark in STATISTICS:
        assert mark not in outside, mark
    assert not re.search(r"\b\d{3,} minutes\b", html)


def test_the_responsiveness_chart_dates_the_periods_compared(client):
    flag = FlagFactory(
        client=client,
        kind="abrupt_withdrawal",
        window_start=dt.date(2026, 3, 2),
        window_end=dt.date(2026, 3, 15),
        evidence={"prior_weeks": 2, "recent_weeks": 2, "reply_share_before": 1.0},
        explanation=NEUTRAL_SENTENCE,
    )

    chart = flag_series_chart(flag=flag)

    assert chart is not None
    assert chart.description.endswith(
        "The recent weeks: 2 Mar to 15 Mar 2026. The weeks before: 16 Feb to 1 Mar 2026."
    )


def test_the_gauge_marks_say_some_and_strong_evidence(client):
    measure = flag_gauge(
        flag=FlagFactory.build(
            client=client,
            kind="repeated_ruptures",
            evidence={"ruptures": 3, "yellow_at": 2, "red_at": 4},
        )
    )
    cusum = flag_gauge(
        flag=FlagFactory.build(
            client=client, kind="rising_contact_frequency", evidence=RISING_EVIDENCE
        )
    )

    assert measure is not None and cusum is not None
    assert [mark.label for mark in measure.marks] == [
        "some evidence",
        "strong evidence",
    ]
    assert (measure.statistic, cusum.statistic) == (False, True)


def test_an_absence_shows_the_contacts_counted_with_their_dates():
    rows = evidence_rows(
        {
            "absence_starts_on": "2026-03-02",
            "absence_ends_on": "2026-03-15",
            "has_cover": True,
            "days_absent_so_far": 10,
            "contacts_during_absence": 7,
            "contacts_answered_by_cover": 2,
            "contacts_counted": 5,
            "baseline_contacts": 4,
            "baseline_days": 56,
            "rate_per_week_during": 3.5,
            "rate_per_week_usual": 0.5,
            "rate_ratio": 7.0,
            "p_value": 0.001,
        }
    )
    plain = {row.label: row.value for row in rows if not row.statistic}

    assert plain["During the absence"] == (
        "3.5 a week: 5 contacts in 10 days, 2 Mar to 11 Mar 2026"
    )
    assert plain["Usually, before the absence"] == (
        "0.5 a week: 4 contacts in 56 days, 5 Jan to 1 Mar 2026"
    )
    assert plain["… of them answered by the cover as planned (not counted)"] == "2"
    assert [row.label for row in rows if row.statistic] == [
        "Rate ratio",
        "Significance test (one-sided)",
    ]
