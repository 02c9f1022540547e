"""The therapist's day on a phone: enrolling their authenticator through the
one-time link, then logging a text from the caseload in a few taps."""

from __future__ import annotations

import re
import time

from tests.e2e.conftest import totp_now
from tests.e2e.server import DEMO_PASSWORD
from tests.e2e.summary import SUMMARY

MOST_TAPS = 4


def test_a_therapist_enrols_with_totp_through_the_link(journey):
    link = journey.server.manage(
        "enrolment_link", "--clinic", "demo", "--email", "therapist@demo.test"
    ).strip()
    path = re.search(r"/welcome/\S+", link)
    assert path is not None, link
    page = journey.page
    page.goto(journey.url(path.group(0)))
    journey.step("welcome")
    page.get_by_role("button", name=re.compile("continue|sign in", re.I)).click()
    page.get_by_label("Email").fill("therapist@demo.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    # Setting up an authenticator asks for the password once more.
    page.wait_for_url(re.compile("/accounts/reauthenticate/"))
    journey.step("confirm the password")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    page.wait_for_url(re.compile("/2fa/totp/activate/"))
    journey.step("set up the authenticator")
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label(re.compile("code", re.I)).fill(totp_now(secret))
    page.get_by_role("button", name=re.compile("activate", re.I)).click()
    journey.step("activated")
    page.goto(journey.url("/"))
    assert page.get_by_role("heading", name="My clients").is_visible()
    journey.step("caseload")


def test_a_text_is_logged_from_the_caseload_in_a_few_taps(journey):
    journey.sign_in("therapist2@demo.test")
    page = journey.page
    page.goto(journey.url("/"))
    journey.step("caseload")
    taps = 0
    started = time.perf_counter()

    log = page.get_by_role("link", name=re.compile("^Log a contact with")).first
    client_name = (log.get_attribute("aria-label") or "").removeprefix(
        "Log a contact with "
    )
    log.click()
    taps += 1
    journey.step("short form")
    assert page.locator("#id_occurred_at").input_value() != ""
    page.get_by_text("Sharing", exact=True).click()
    taps += 1
    page.get_by_role("button", name="Log contact").click()
    taps += 1
    page.wait_for_url(journey.url("/"))
    seconds = time.perf_counter() - started
    journey.step("logged")

    assert page.get_by_role("alert").filter(has_text=client_name).is_visible()
    assert taps <= MOST_TAPS
    SUMMARY.contact_log = (taps, seconds)


def test_the_client_page_offers_the_contact_form_within_the_first_screen(journey):
    journey.sign_in("therapist2@demo.test")
    page = journey.page
    page.goto(journey.url("/"))
    page.get_by_role("link", name=re.compile(r"\(DM-\d+\)$")).first.click()
    journey.step("client page")
    jump = page.get_by_role("link", name="Log a contact")
    box = jump.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= page.viewport_size["height"]
    jump.click()
    # (The scroll is smooth: wait until the form is on the screen.)
    page.wait_for_function(
        "() => { const top = document.querySelector('#log-contact')"
        ".getBoundingClientRect().top; return top >= 0 && top < innerHeight; }",
        timeout=5000,
    )
    assert page.get_by_role("button", name="Log contact").is_visible()
    journey.step("at the form")
