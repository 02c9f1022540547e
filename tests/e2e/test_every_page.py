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
