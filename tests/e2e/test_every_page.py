"""Every page of every role, in Chromium at a phone's width: no sideways
scrolling, and no axe-core violation of impact serious or critical against
WCAG 2.2 A and AA."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.sweep import pages_of

ROLES = [
    "therapist2@demo.test",
    "trainee@demo.test",
    "supervisor@demo.test",
    "admin@demo.test",
    "cover@demo.test",
]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
GRAVE = {"serious", "critical"}
PAGES_PER_ROLE = 60


@pytest.mark.parametrize("email", ROLES)
def test_every_page_fits_a_phone_and_passes_axe(journey, email):
    journey.sign_in(email)
    page = journey.page
    pages = pages_of(page, journey.server.base_url, PAGES_PER_ROLE)
    assert len(pages) >= 3, pages
    axe = Axe()
    sideways, violations = [], []
    for path in pages:
        page.goto(journey.url(path))
        wide = page.evaluate(
            "() => [document.documentElement.scrollWidth,"
            " document.documentElement.clientWidth]"
        )
        if wide[0] > wide[1]:
            sideways.append((path, wide))
        result = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
        for violation in result.response["violations"]:
            if violation["impact"] in GRAVE:
                violations.append(
                    (
                        path,
                        violation["id"],
                        violation["impact"],
                        [node["target"] for node in violation["nodes"][:3]],
                    )
                )
    print(f"\n{email}: {len(pages)} pages checked")
    for row in sideways:
        print("  sideways", row)
    for row in violations:
        print("  axe", row)
    assert sideways == []
    assert violations == []


def test_the_longest_navigation_fits_a_laptop(journey):
    """The supervisor has the most links; at 1280 px they wrap, never push
    the page sideways, and the account's links sit in one menu."""
    journey.page.set_viewport_size({"width": 1280, "height": 800})
    journey.sign_in("supervisor@demo.test")
    page = journey.page
    page.goto(journey.url("/"))
    journey.step("home at 1280 px")
    width = page.evaluate(
        "() => [document.documentElement.scrollWidth,"
        " document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1]
    page.get_by_role("button", name="supervisor@demo.test").click()
    assert page.get_by_role("button", name="Sign out").is_visible()
    journey.step("account menu")
