"""A trainee's note and the supervisor's co-signature on a phone: the trainee
signs a note, the supervisor co-signs it and returns another with a comment,
and the trainee finds the returned note among the drafts with the comment."""

from __future__ import annotations

import datetime as dt
import re

from tests.e2e.server import DEMO_PASSWORD

TRAINEE = "trainee@demo.test"
SUPERVISOR = "supervisor@demo.test"
SIGNED_CLIENT = "Noor (DM-018)"
RETURNED_CLIENT = "Jules (DM-014)"
COMMENT = "Please add what was agreed about the weekend texts."


def test_a_trainee_note_is_co_signed_and_another_returned(journey):
    page = journey.page
    journey.sign_in(TRAINEE)
    page.goto(journey.url("/"))
    page.get_by_role("link", name=SIGNED_CLIENT, exact=True).click()
    client_id = re.findall(r"/clients/(\d+)/", page.url)[0]

    # The trainee writes and signs a note: it waits for co-signature.
    page.goto(journey.url(f"/notes/clients/{client_id}/new/?format=soap"))
    yesterday = dt.date.today() - dt.timedelta(days=1)
    page.get_by_label("Session start").fill(f"{yesterday.isoformat()}T11:00")
    for section in ("Subjective", "Objective", "Assessment", "Plan"):
        page.get_by_label(section, exact=True).fill(f"{section} of the session.")
    page.get_by_label("None", exact=True).check()
    page.get_by_role("button", name=re.compile("save", re.I)).click()
    note_path = page.url.removeprefix(journey.server.base_url)
    page.get_by_role("link", name="Sign and lock…").click()
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    journey.step("trainee signs")
    page.get_by_role("button", name="Sign and lock").click()
    journey.step("awaiting co-signature")
    assert page.get_by_text("Awaiting co-signature").first.is_visible()

    # The supervisor co-signs it.
    journey.sign_in(SUPERVISOR)
    page.goto(journey.url("/"))
    journey.step("supervisor home")
    queue = page.get_by_role("table", name=re.compile("awaiting co-signature"))
    assert queue.get_by_role("row").filter(has_text=SIGNED_CLIENT).count() >= 1
    page.goto(journey.url(note_path))
    page.get_by_role("link", name="Co-sign…").click()
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    journey.step("co-sign dialog")
    page.get_by_role("button", name="Co-sign").click()
    journey.step("co-signed")
    assert page.get_by_text("Co-signed").first.is_visible()
    assert page.get_by_role("link", name="Co-sign…").count() == 0

    # … and returns another one with a comment.
    page.goto(journey.url("/"))
    row = queue.get_by_role("row").filter(has_text=RETURNED_CLIENT).first
    row.get_by_role("link", name="Review").click()
    page.get_by_role("link", name="Return for revision instead…").click()
    page.get_by_label("What needs revision").fill(COMMENT)
    journey.step("return dialog")
    page.get_by_role("button", name="Return for revision").click()
    journey.step("returned")

    # The trainee sees the return among the drafts, with the comment.
    journey.sign_in(TRAINEE)
    page.goto(journey.url("/"))
    journey.step("trainee home")
    drafts = page.get_by_role("region", name="Drafts to finish")
    returned = drafts.get_by_role("link").filter(has_text="returned")
    assert returned.count() >= 1
    assert "DM-014" in returned.first.inner_text()
    returned.first.click()
    journey.step("returned draft")
    assert page.get_by_text(COMMENT).is_visible()
