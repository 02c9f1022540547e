"""A chart means something to a screen reader: the picture is announced as
an image with a name and a description that points to the table, and the
table (inside a disclosure) opens by keyboard and holds one row per bar."""

from __future__ import annotations

import re


def _chart_and_table(journey, image_name, table_name, bars_selector):
    page = journey.page
    chart = page.get_by_role("img", name=image_name)
    assert chart.is_visible()
    description = chart.evaluate(
        "svg => svg.getAttribute('aria-labelledby').split(' ')"
        ".map(id => document.getElementById(id).textContent).join(' ')"
    )
    assert "The same numbers are in the table below." in description
    table = page.get_by_role("table", name=table_name)
    assert not table.is_visible()
    summary = page.get_by_text("The chart as a table").first
    summary.focus()
    page.keyboard.press("Enter")
    assert table.is_visible()
    bars = page.locator(bars_selector).count()
    rows = table.locator("tbody tr").count()
    assert bars > 0
    assert rows == bars
    journey.step("chart and its table")


def test_the_weekly_chart_is_announced_and_its_table_opens_by_keyboard(journey):
    journey.sign_in("therapist2@demo.test")
    page = journey.page
    page.goto(journey.url("/"))
    page.get_by_role("link", name=re.compile(r"\(DM-\d+\)$")).first.click()
    page.get_by_role("link", name="Timeline and weekly chart").click()
    _chart_and_table(
        journey,
        re.compile("^Contacts per week, last \\d+ weeks"),
        re.compile("^Contacts per week"),
        "svg rect.from-client",
    )


def test_a_flag_chart_is_announced_and_its_table_opens_by_keyboard(journey):
    journey.sign_in("supervisor@demo.test")
    page = journey.page
    page.goto(journey.url("/records/flags/"))
    row = page.get_by_role("row").filter(has_text="Sasha (DM-002)")
    row.get_by_role("link", name="Availability rising against own baseline").click()
    _chart_and_table(
        journey,
        re.compile("."),
        re.compile("."),
        "svg rect.in-window, svg rect.before-window",
    )
