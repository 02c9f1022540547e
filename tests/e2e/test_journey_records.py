"""A therapist's records of one client on a phone: a rupture and its repair,
a signed SOAP note that ticks an agenda item, an addendum, a revised coping
plan, and a response to a flag raised on the client."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret

from tests.e2e.server import DEMO_PASSWORD, LiveServer

# The demo's flags are on Maya Lindqvist's clients; her authenticator is
# set up by another journey, so this one gives her one and takes it back.
THERAPIST = "therapist@demo.test"
CLIENT = "Jamie (DM-003)"


@pytest.fixture
def therapist(e2e: LiveServer) -> Iterator[str]:
    e2e.enrol({THERAPIST: generate_totp_secret()})
    try:
        yield THERAPIST
    finally:
        e2e.unenrol(THERAPIST)


def moment(days_ago: int, hour: int) -> str:
    day = dt.date.today() - dt.timedelta(days=days_ago)
    return f"{day.isoformat()}T{hour:02d}:00"


def test_a_therapist_keeps_the_records_of_a_client(journey, therapist):
    journey.sign_in(therapist)
    page = journey.page
    page.goto(journey.url("/"))
    page.get_by_role("link", name=CLIENT, exact=True).click()
    client_path = page.url.removeprefix(journey.server.base_url)
    client_id = re.findall(r"/clients/(\d+)/", client_path)[0]
    journey.step("client page")

    # A rupture between sessions.
    page.goto(journey.url(f"/records/clients/{client_id}/ruptures/new/"))
    page.get_by_label("Noticed at").fill(moment(1, 10))
    page.get_by_label("Between sessions").check()
    page.get_by_label("Channel").select_option(index=1)
    page.get_by_label("Withdrawal").check()
    page.get_by_label("Minimal response").check()
    journey.step("rupture form")
    page.get_by_role("button", name="Save rupture").click()
    rupture_page = page.url
    rupture_id = re.findall(r"/ruptures/(\d+)/", rupture_page)[0]
    assert page.get_by_text("not repaired").is_visible()

    # A SOAP note that ticks the rupture on the agenda, signed, then an addendum.
    page.goto(journey.url(f"/notes/clients/{client_id}/new/?format=soap"))
    page.get_by_label("Session start").fill(moment(0, 8))
    page.get_by_label("Subjective", exact=True).fill("Spoke about the week's texts.")
    page.get_by_label("Objective", exact=True).fill("Settled, engaged.")
    page.get_by_label("Assessment", exact=True).fill(
        "The withdrawal was named together."
    )
    page.get_by_label("Plan", exact=True).fill("Keep to the agreed reply times.")
    page.get_by_label("None", exact=True).check()
    page.locator(f"input[name=discussed][value='rupture:{rupture_id}']").check()
    journey.step("SOAP note")
    page.get_by_role("button", name=re.compile("save", re.I)).click()
    page.get_by_role("link", name="Sign and lock…").click()
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    journey.step("sign dialog")
    page.get_by_role("button", name=re.compile("^sign", re.I)).click()
    journey.step("note signed")
    assert page.get_by_text("Signed notes are locked").is_visible()
    assert page.get_by_role("link", name="Edit draft").count() == 0
    page.get_by_role("link", name="Add addendum…").click()
    page.get_by_label("Addendum").fill("Late entry: the client asked for a call.")
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign addendum").click()
    journey.step("addendum")
    assert page.get_by_text("Late entry: the client asked for a call.").is_visible()

    # The rupture repaired; the note's tick shows on it.
    page.goto(rupture_page)
    assert page.get_by_text(re.compile("in the session of")).is_visible()
    page.get_by_role("link", name="Record a repair attempt").click()
    page.get_by_label("When").fill(moment(1, 15))
    page.get_by_label("Between sessions").check()
    page.get_by_label("Strategy").select_option(label="Validate")
    page.get_by_label("Outcome").select_option(label="Complete")
    journey.step("repair form")
    page.get_by_role("button", name="Record repair attempt").click()
    journey.step("rupture repaired")
    main = page.get_by_role("main")
    assert main.get_by_text("Validate").first.is_visible()
    assert main.get_by_text("not repaired").count() == 0

    # The coping plan revised.
    page.goto(journey.url(f"/records/clients/{client_id}/plan/revise/"))
    page.get_by_label("Grounding").check()
    page.get_by_label("Crisis steps").fill("Call the crisis line, then a friend.")
    journey.step("coping plan form")
    page.get_by_role("button", name=re.compile("save", re.I)).click()
    journey.step("coping plan")
    assert page.get_by_text("Call the crisis line, then a friend.").is_visible()

    # A response to a flag raised on this client, from the flag queue.
    page.goto(journey.url("/records/flags/"))
    row = page.get_by_role("row").filter(has_text=CLIENT)
    row.get_by_role("link", name="More contact during an absence").click()
    journey.step("flag")
    page.get_by_label("Your response").fill("Discussed the cover plan in session.")
    page.get_by_role("button", name="Add the response").click()
    journey.step("flag response")
    assert page.get_by_text("Discussed the cover plan in session.").is_visible()
