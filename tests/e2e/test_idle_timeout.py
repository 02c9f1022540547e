"""Signed out when idle, and nothing to see behind the Back button.

The idle timeout runs against a server of its own with
``SESSION_IDLE_MINUTES=1`` (the shortest allowed), on its own copy of the
test database, so the journey waits a real minute rather than half an hour.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.db import connections
from playwright.sync_api import Browser

from tests.e2e import server as live
from tests.e2e.conftest import PHONE, Journey

EMAIL = "therapist2@demo.test"
CLIENT = "Remy (DM-022)"
IDLE_SECONDS = 60


@pytest.fixture(scope="module")
def idle_server(
    e2e: live.LiveServer, django_db_blocker: Any
) -> Iterator[live.LiveServer]:
    # After the session's server: its start leaves the test database free to
    # be copied again.
    with django_db_blocker.unblock():
        server = live.start(
            connections["default"].settings_dict["NAME"],
            {"SESSION_IDLE_MINUTES": "1"},
            copy_suffix="idle",
        )
    try:
        server.enrol({EMAIL: generate_totp_secret()})
        yield server
    finally:
        server.stop()


@pytest.fixture
def idle_journey(idle_server, browser: Browser, request) -> Iterator[Journey]:
    context = browser.new_context(
        viewport={"width": PHONE["width"], "height": PHONE["height"]},
        base_url=idle_server.base_url,
    )
    trip = Journey(context.new_page(), idle_server, request.node.name)
    yield trip
    context.close()
    assert trip.problems == [], trip.problems


def open_client(journey: Journey) -> str:
    page = journey.page
    page.goto(journey.url("/"))
    page.get_by_role("link", name=CLIENT, exact=True).click()
    page.wait_for_url(re.compile(r"/clients/\d+/$"))
    return page.url


def test_an_idle_session_is_signed_out(idle_journey):
    journey = idle_journey
    journey.sign_in(EMAIL)
    page = journey.page
    client_page = open_client(journey)
    journey.step("client page")
    assert page.get_by_role("heading", name=re.compile("Remy")).first.is_visible()

    time.sleep(IDLE_SECONDS + 5)
    page.goto(client_page)
    journey.step("after the idle time")
    assert "/accounts/login/" in page.url
    assert page.get_by_label("Password").is_visible()
    assert page.get_by_text(CLIENT).count() == 0


def test_the_back_button_after_signing_out_shows_no_record(journey):
    journey.sign_in(EMAIL)
    page = journey.page
    client_page = open_client(journey)
    response = page.reload()
    assert response is not None
    assert "no-store" in response.headers["cache-control"]
    journey.step("client page")

    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name=EMAIL).click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: not url.startswith(client_page))
    journey.step("signed out")

    page.go_back()
    journey.step("back")
    # The client page was asked for again, and answered with the sign-in form.
    assert "/accounts/login/" in page.url
    assert unquote(page.url).endswith(client_page.removeprefix(journey.url("")))
    assert page.get_by_label("Password").is_visible()
    assert page.get_by_text(CLIENT).count() == 0
