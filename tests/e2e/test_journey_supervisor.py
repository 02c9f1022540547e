"""A supervisor's review of a strong flag on a phone: from the queue to its
chart and numbers, into supervision, a recorded session with an action item,
the flag closed with a reason; the supervisee then finds the item at home."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret

from tests.e2e.server import LiveServer

SUPERVISOR = "supervisor@demo.test"
# The supervisee whose clients carry the demo's flags; another journey sets
# up her authenticator, so this one gives her one and takes it back.
SUPERVISEE = "therapist@demo.test"
CLIENT = "Sasha (DM-002)"
FINDING = "Availability rising against own baseline"
ITEM = "Talk through the late-evening replies to DM-002"


@pytest.fixture
def supervisee(e2e: LiveServer) -> Iterator[str]:
    e2e.enrol({SUPERVISEE: generate_totp_secret()})
    try:
        yield SUPERVISEE
    finally:
        e2e.unenrol(SUPERVISEE)


def test_a_supervisor_takes_a_flag_through_supervision(journey, supervisee):
    journey.sign_in(SUPERVISOR)
    page = journey.page
    page.goto(journey.url("/records/flags/"))
    journey.step("flag queue")
    row = page.get_by_role("row").filter(has_text=CLIENT)
    assert row.get_by_text("Strong evidence").first.is_visible()
    row.get_by_role("link", name=FINDING).click()

    # Its chart and numbers.
    journey.step("flag")
    assert page.get_by_role("heading", name=FINDING).is_visible()
    assert page.get_by_role("heading", name="The numbers").is_visible()
    assert page.get_by_text("Typical reply time (median)").is_visible()
    assert page.get_by_role("img").filter(has_text=re.compile(".")).count() >= 1
    table = page.locator("details").filter(has_text="The chart as a table")
    assert not table.get_by_role("table").is_visible()
    table.get_by_text("The chart as a table").click()
    journey.step("the chart as a table")
    assert table.get_by_role("table").is_visible()
    assert table.get_by_role("row").count() > 2
    flag_path = page.url.removeprefix(journey.server.base_url)

    page.get_by_role("button", name="Add to the next supervision").click()
    journey.step("in supervision")
    assert page.get_by_text("In supervision").first.is_visible()

    # The session, with the flag discussed and an action item.
    page.goto(journey.url("/records/supervision/new/"))
    page.get_by_label("Supervisee", exact=True).select_option(label="Maya Lindqvist")
    page.get_by_role("button", name=re.compile("Continue|Switch")).click()
    page.get_by_label("Held at").fill(f"{dt.date.today().isoformat()}T09:00")
    page.get_by_role("checkbox", name=re.compile(f"DM-002 .* {FINDING}")).check()
    page.get_by_label("What is to be done").first.fill(ITEM)
    page.get_by_label("Owner").first.select_option(label="Maya Lindqvist (supervisee)")
    page.get_by_label("Category").first.select_option(label="Revisit the coping plan")
    page.get_by_label("Client").first.select_option(label="DM-002")
    due = dt.date.today() + dt.timedelta(days=7)
    page.get_by_label("Due on").first.fill(due.isoformat())
    journey.step("session form")
    page.get_by_role("button", name="Record the session").click()
    journey.step("session recorded")
    assert page.get_by_text(ITEM).is_visible()

    # The flag closed with a reason.
    page.goto(journey.url(flag_path))
    journey.step("flag in supervision")
    page.get_by_role("radio", name=re.compile("^Resolved")).check()
    page.get_by_label("Reason").fill("Agreed a reply window in supervision.")
    page.get_by_role("radio", name="Yes").check()
    journey.step("close form")
    page.get_by_role("button", name="Close the flag").click()
    journey.step("flag closed")
    assert page.get_by_text("Resolved").first.is_visible()
    assert page.get_by_text("Agreed a reply window in supervision.").is_visible()
    assert page.get_by_role("button", name="Close the flag").count() == 0

    # The supervisee sees the item on her home page.
    journey.sign_in(supervisee)
    page.goto(journey.url("/"))
    journey.step("supervisee home")
    items = page.get_by_role("table", name=re.compile("Action items"))
    assert items.get_by_text(ITEM).is_visible()
