"""Every page of every role, in Chromium at a phone's width: no sideways
scrolling, and no axe-core violation of impact serious or critical against
WCAG 2.2 A and AA."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.summary import SUMMARY
from tests.e2e.sweep import filled_in, matrix_pages, pages_of, url_name
from tests.matrix import ADMIN, OPERATOR, OTHER, OWN, SUPERVISOR, TRAINEE

# Each person of the demo, and the roles of the permission matrix they hold:
# the sweep must reach every page the matrix serves them.
ROLES = {
    "therapist@demo.test": (OWN, OTHER),
    "trainee@demo.test": (TRAINEE,),
    "supervisor@demo.test": (SUPERVISOR,),
    "admin@demo.test": (ADMIN,),
    "cover@demo.test": (OTHER,),
    "operator@demo.test": (OPERATOR,),
}
# Where the demo's people differ from the matrix's world: there the
# supervisor covers the absence; in the demo Sam Okafor (the cover) does, so
# the cover page is the cover's to reach and not the supervisor's.
ALSO = {"cover@demo.test": {"attachment:cover_page"}}
NOT_IN_THE_DEMO = {"supervisor@demo.test": {"attachment:cover_page"}}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
GRAVE = {"serious", "critical"}
PAGES_PER_ROLE = 90


@pytest.mark.parametrize("email", ROLES)
def test_every_page_fits_a_phone_and_passes_axe(journey, email):
    if email not in journey.server.secrets:
        # The therapist enrols through a journey of their own: enrolled
        # here for the sweep, and as they were again afterwards.
        journey.server.enrol({email: generate_totp_secret()})
        try:
            sweep(journey, email)
        finally:
            journey.server.unenrol(email)
    else:
        sweep(journey, email)


def sweep(journey, email):
    journey.sign_in(email)
    page = journey.page
    pages = pages_of(page, journey.server.base_url, PAGES_PER_ROLE)
    reached = {url_name(path) for path in pages}
    missing = []
    wanted = matrix_pages(ROLES[email]) | ALSO.get(email, set())
    wanted -= NOT_IN_THE_DEMO.get(email, set())
    for name in sorted(wanted - reached):
        path = filled_in(name, pages)
        # Asked first without rendering: a refusal is the matrix's to judge.
        if path and page.request.get(journey.url(path)).status == 200:
            pages.append(path)
        else:
            missing.append(name)
    print(f"\n{email}: not reached {missing}")
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
            SUMMARY.impacts[violation["impact"]] += len(violation["nodes"])
            if violation["impact"] in GRAVE:
                violations.append(
                    (
                        path,
                        violation["id"],
                        violation["impact"],
                        [node["target"] for node in violation["nodes"][:3]],
                    )
                )
    SUMMARY.pages[email.split("@")[0]] = len(pages)
    print(f"\n{email}: {len(pages)} pages checked")
    for row in sideways:
        print("  sideways", row)
    for row in violations:
        print("  axe", row)
    assert missing == []
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
