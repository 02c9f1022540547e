"""Fixtures of the browser tests: one live server per session, Debian's
Chromium (never a downloaded browser), a phone-sized page per test that
fails the test on any console error or content-security-policy violation,
and a screenshot per step under ``var/e2e/`` (ignored by git)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.conf import settings
from django.db import connections
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e import server as live
from tests.e2e.summary import SUMMARY

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
SCREENS = Path(settings.BASE_DIR) / "var" / "e2e"
# Everyone of the demo but the therapist, who enrols in a journey.
ENROLLED = (
    "trainee@demo.test",
    "therapist2@demo.test",
    "supervisor@demo.test",
    "admin@demo.test",
    "admin2@demo.test",
    "cover@demo.test",
    "operator@demo.test",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    # Last in the run: Playwright's sync API keeps an event loop running in
    # this thread from the first browser test to the end of the session, and
    # Django then refuses database access unless DJANGO_ALLOW_ASYNC_UNSAFE is
    # set (by the ``e2e`` fixture), which no other test should run under.
    items.sort(key=lambda item: here in Path(item.fspath).parents)
    # Without Debian's Chromium the journeys cannot run: skipped on a
    # developer's machine (``apt-get install chromium``), a failure in CI
    # (``.ci/run`` installs it).
    missing = not Path(CHROMIUM).exists() and os.environ.get("CI") != "true"
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)
            if missing:
                item.add_marker(pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}"))
            # So that pytest-django sets the test database up: the live
            # server's database is a copy of it.
            item.add_marker(pytest.mark.django_db)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "tests/e2e/" not in report.nodeid or report.when != "call":
        return
    if report.passed:
        SUMMARY.passed += 1
    elif report.failed:
        SUMMARY.failed += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SUMMARY.passed or SUMMARY.failed:
        terminalreporter.section("browser tests")
        for line in SUMMARY.lines():
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
        ],
    }


@pytest.fixture(scope="session")
def e2e(django_db_setup: None, django_db_blocker: Any) -> Iterator[live.LiveServer]:
    # The tests here touch the database only through pytest-django's
    # transaction; the live server does the rest (see the collection order).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with django_db_blocker.unblock():
        name = connections["default"].settings_dict["NAME"]
        server = live.start(name, {})
    try:
        server.enrol({email: generate_totp_secret() for email in ENROLLED})
        yield server
    finally:
        server.stop()


def totp_now(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


class Journey:
    """A page at a phone's width, its console watched, a screenshot per step."""

    def __init__(self, page: Page, server: live.LiveServer, name: str) -> None:
        self.page = page
        self.server = server
        self.folder = SCREENS / re.sub(r"[^\w.-]+", "_", name)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.steps = 0
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"error: {error}"))
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        # A resource that failed is reported with its address by _response.
        if message.type == "error" and not message.text.startswith(
            "Failed to load resource"
        ):
            where = message.location.get("url", "")
            self.problems.append(
                f"console: {message.text} ({where} on {self.page.url})"
            )

    def _response(self, response: Any) -> None:
        # A missing file (an icon, a script) is an error of the page; a page
        # that answers 404 on purpose (out of scope) is the test's to judge.
        if response.status >= 400 and response.request.resource_type != "document":
            self.problems.append(f"{response.status}: {response.url}")

    def url(self, path: str) -> str:
        return self.server.base_url + path

    def step(self, label: str) -> None:
        self.steps += 1
        name = "{:02d}-{}.png".format(self.steps, re.sub(r"[^\w.-]+", "_", label))
        self.page.screenshot(path=str(self.folder / name), full_page=True)

    def sign_in(self, email: str) -> None:
        """Sign in afresh (the browser's cookies cleared), waiting for each
        page of the two steps.  A code is taken once: signed in twice within
        its 30 seconds, the person waits for the next one, as they would with
        their phone."""
        page = self.page
        page.context.clear_cookies()
        page.goto(self.url("/accounts/login/"))
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(live.DEMO_PASSWORD)
        page.get_by_role("button", name=re.compile("sign in", re.I)).click()
        secret = self.server.secrets.get(email)
        if secret is None:
            page.wait_for_load_state()
            return
        page.wait_for_url(re.compile("/accounts/2fa/"))
        for _ in range(2):
            page.get_by_label(re.compile("code", re.I)).fill(totp_now(secret))
            page.get_by_role("button", name=re.compile("sign in|verify", re.I)).click()
            try:
                page.wait_for_url(lambda url: "/accounts/" not in url, timeout=5000)
                return
            except PlaywrightTimeout:
                time.sleep(31 - time.time() % 30)
        raise AssertionError(f"{email} could not sign in")


@pytest.fixture
def journey(
    e2e: live.LiveServer, browser: Browser, request: pytest.FixtureRequest
) -> Iterator[Journey]:
    context = browser.new_context(
        viewport={"width": PHONE["width"], "height": PHONE["height"]},
        base_url=e2e.base_url,
    )
    page = context.new_page()
    trip = Journey(page, e2e, request.node.name)
    yield trip
    context.close()
    assert trip.problems == [], trip.problems
