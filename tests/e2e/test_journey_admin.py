"""The clinic's configuration and its effect on a therapist's work, on a
phone: the therapist lowers a client's weekly limit in the agreement and
notes a strong fear of being left; the admin adds an absence with cover
ahead and reads the detector settings (the clinical lead changes them, and
puts them back); the re-scan that follows the absence raises "absence ahead"
on the therapist's caseload."""

from __future__ import annotations

import datetime as dt
import re

ADMIN = "admin@demo.test"
LEAD = "supervisor@demo.test"
THERAPIST = "therapist2@demo.test"
THERAPIST_NAME = "Priya Raman"
COVER_NAME = "Sam Okafor"
CLIENT = "Vic (DM-026)"
THRESHOLD = "Least recent contacts"


def client_path(journey) -> str:
    page = journey.page
    page.goto(journey.url("/"))
    page.get_by_role("link", name=CLIENT, exact=True).click()
    client_id = re.findall(r"/clients/(\d+)/", page.url)[0]
    return f"/records/clients/{client_id}"


def test_an_absence_and_a_lower_limit_reach_the_therapist(journey):
    page = journey.page
    today = dt.date.today()

    # The therapist lowers the client's weekly limit in a new agreement
    # version, and notes a strong fear of being left.
    journey.sign_in(THERAPIST)
    records = client_path(journey)
    page.goto(journey.url(f"{records}/agreement/new/"))
    page.get_by_label("Weekly limit").fill("1")
    page.get_by_label("Takes effect on").fill(today.isoformat())
    journey.step("agreement form")
    page.get_by_role("button", name="Save as a new version").click()
    journey.step("agreement")
    assert page.get_by_text("1 in any 7 days").is_visible()
    # Two texts logged straight away, "now": the second is over the new limit
    # (a version takes effect from the minute it is saved in).
    for _ in range(2):
        page.goto(journey.url(f"{records}/contacts/new/"))
        page.get_by_label("Purpose").select_option("sharing")
        page.get_by_role("button", name="Log contact").click()
        page.wait_for_load_state()
    page.goto(journey.url(f"{records}/contacts/"))
    journey.step("contacts over the new limit")
    assert page.get_by_text("over weekly limit").first.is_visible()
    page.goto(journey.url(f"{records}/observations/new/"))
    page.get_by_label("Fear of abandonment").check()
    page.get_by_label("3", exact=True).check()
    page.get_by_label("Therapist absence").check()
    journey.step("observation")
    page.get_by_role("button", name="Save observation").click()
    page.goto(journey.url("/records/flags/"))
    assert page.get_by_role("link", name="Absence ahead: plan cover").count() == 0

    # The admin adds an absence a week ahead, with cover.
    journey.sign_in(ADMIN)
    page.goto(journey.url("/manage/absences/new/"))
    page.get_by_label("Absent therapist").select_option(label=THERAPIST_NAME)
    starts, ends = today + dt.timedelta(days=7), today + dt.timedelta(days=14)
    page.get_by_label("First day away").fill(starts.isoformat())
    page.get_by_label("Last day away").fill(ends.isoformat())
    page.get_by_label("Covering therapist").select_option(label=COVER_NAME)
    page.get_by_label("Note").fill("annual leave")
    journey.step("absence form")
    page.get_by_role("button", name="Save absence").click()
    journey.step("absences")
    row = page.get_by_role("row").filter(has_text=THERAPIST_NAME)
    assert row.filter(has_text=COVER_NAME).filter(has_text="annual leave").count() == 1

    # The admin reads the detector settings; only the clinical lead changes them.
    page.goto(journey.url("/records/manage/detectors/"))
    journey.step("detector settings, read only")
    assert page.get_by_label(THRESHOLD).is_disabled()
    journey.sign_in(LEAD)
    page.goto(journey.url("/records/manage/detectors/"))
    threshold = page.get_by_label(THRESHOLD)
    before = int(threshold.input_value())
    threshold.fill(str(before + 1))
    page.get_by_label("Why the thresholds change").fill("Fewer flags on quiet clients.")
    journey.step("threshold raised")
    page.get_by_role("button", name="Save settings").click()
    journey.step("settings saved")
    assert page.get_by_text("the clinic is re-scanned").is_visible()
    assert page.get_by_label(THRESHOLD).input_value() == str(before + 1)
    assert page.get_by_text("Fewer flags on quiet clients.").first.is_visible()
    # Back to the defaults, so that the demo's flags stay as they were.
    page.get_by_label(re.compile("Put every threshold back")).fill("Trial over.")
    page.get_by_role("button", name="Reset every threshold to its default").click()
    assert page.get_by_text("Every threshold is back to its default.").is_visible()
    assert page.get_by_label(THRESHOLD).input_value() == str(before)

    # The therapist finds the re-scan's flag on the caseload and its page.
    journey.sign_in(THERAPIST)
    page.goto(journey.url("/"))
    journey.step("caseload")
    caseload_row = page.get_by_role("row").filter(has_text=CLIENT)
    assert caseload_row.get_by_text(re.compile("evidence")).first.is_visible()
    page.goto(journey.url("/records/flags/"))
    page.get_by_role("link", name="Absence ahead: plan cover").click()
    journey.step("absence ahead")
    assert page.get_by_text(CLIENT).first.is_visible()
    assert page.get_by_text(re.compile("away from")).first.is_visible()
