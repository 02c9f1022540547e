"""Forms completed by keyboard alone: the short contact form from the
caseload and a note's sign dialog, with Tab, Space and Enter only (typing a
password is typing, not navigation)."""

from __future__ import annotations

import datetime as dt
import re

from tests.e2e.server import DEMO_PASSWORD

THERAPIST = "therapist2@demo.test"
MOST_TABS = 60
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e) return "";
  const label = e.labels && e.labels[0] ? e.labels[0].innerText : "";
  return [e.tagName, e.type || "", e.name || "", label || e.innerText || e.value || ""]
    .join("|");
}"""


def tab_to(page, pattern: str) -> str:
    """Press Tab until the focused element matches ``pattern`` (tag, type,
    name and label joined by |); how it looked then."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if re.search(pattern, focused):
            return focused
    raise AssertionError(f"Tab never reached {pattern!r}")


def test_the_contact_form_by_keyboard_alone(journey):
    journey.sign_in(THERAPIST)
    page = journey.page
    page.goto(journey.url("/"))
    log = page.get_by_role("link", name=re.compile("^Log a contact with")).first
    client_name = (log.get_attribute("aria-label") or "").removeprefix(
        "Log a contact with "
    )
    tab_to(page, r"^A\|.*\|Log contact$")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == (
        f"Log a contact with {client_name}"
    )
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/contacts/new/\?from=caseload"))
    journey.step("short form")

    # The time and channel come filled in; each choice is reached by Tab and
    # taken with Space.
    assert page.get_by_label("When").input_value() != ""
    for name in ("direction", "purpose"):
        focused = tab_to(page, rf"^INPUT\|radio\|{name}\|")
        page.keyboard.press("Space")
        assert page.evaluate("() => document.activeElement.checked"), focused
    journey.step("choices taken")
    tab_to(page, r"^(INPUT|BUTTON)\|submit\|")
    page.keyboard.press("Enter")
    page.wait_for_url(journey.url("/"))
    journey.step("logged")
    assert page.get_by_role("alert").filter(has_text=client_name).is_visible()


def test_the_sign_dialog_by_keyboard_alone(journey):
    journey.sign_in(THERAPIST)
    page = journey.page
    # A draft to sign, written with the pointer.
    page.goto(journey.url("/"))
    page.get_by_role("link", name=re.compile(r"^\w+ \(DM-02\d\)$")).first.click()
    client_id = re.findall(r"/clients/(\d+)/", page.url)[0]
    page.goto(journey.url(f"/notes/clients/{client_id}/new/?format=free"))
    yesterday = dt.date.today() - dt.timedelta(days=1)
    page.get_by_label("Session start").fill(f"{yesterday.isoformat()}T14:00")
    page.locator("textarea").first.fill("A settled session.")
    page.get_by_label("None", exact=True).check()
    page.get_by_role("button", name=re.compile("save", re.I)).click()
    journey.step("draft")

    # From the note to its signature, by keyboard.
    tab_to(page, r"^A\|.*\|Sign and lock…$")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/sign/$"))
    journey.step("sign dialog")
    tab_to(page, r"^INPUT\|password\|password\|")
    page.keyboard.type(DEMO_PASSWORD)
    tab_to(page, r"^(INPUT|BUTTON)\|submit\|sign\|")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/notes/\d+/$"))
    journey.step("signed")
    assert page.get_by_text("Signed notes are locked").is_visible()
    assert page.get_by_role("link", name="Sign and lock…").count() == 0
