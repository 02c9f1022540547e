"""The client's address behind ``TRUSTED_PROXY_COUNT`` proxies, and axes using it.

The sign-in tests go through allauth's real form with every request arriving
from the proxy's address, as they do in production behind the TLS proxy.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from clinic.client_ip import client_ip

PROXY = "10.0.0.254"
WRONG = "not-the-password-42"


def request_from(remote: str = PROXY, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


@pytest.fixture
def one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


# The rule ---------------------------------------------------------------------


def test_with_no_trusted_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from(forwarded="203.0.113.7")) == PROXY


@pytest.mark.usefixtures("one_proxy")
def test_one_proxy_means_the_rightmost_entry():
    assert client_ip(request_from(forwarded="203.0.113.7")) == "203.0.113.7"
    spoofed = "198.51.100.1, 192.0.2.9,203.0.113.7"
    assert client_ip(request_from(forwarded=spoofed)) == "203.0.113.7"


def test_two_proxies_mean_the_second_entry_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    forwarded = "198.51.100.1, 203.0.113.7, 10.0.0.3"
    assert client_ip(request_from(forwarded=forwarded)) == "203.0.113.7"


def test_a_header_shorter_than_the_count_falls_back_to_remote_addr(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from(forwarded="203.0.113.7")) == PROXY
    assert client_ip(request_from()) == PROXY
    assert client_ip(request_from(forwarded=" , ")) == PROXY


@pytest.mark.usefixtures("one_proxy")
def test_an_entry_that_is_no_address_falls_back_to_remote_addr():
    for garbage in ("unknown", "203.0.113.7:443", "<script>", "999.1.1.1"):
        assert client_ip(request_from(forwarded=garbage)) == PROXY, garbage


@pytest.mark.usefixtures("one_proxy")
def test_ipv6_addresses_are_written_one_way():
    request = request_from(forwarded="2001:DB8:0:0::1")
    assert client_ip(request) == "2001:db8::1"


# axes counts per client, not per proxy -------------------------------------


def sign_in(http, login: str, password: str, *, forwarded: str):
    return http.post(
        reverse("account_login"),
        {"login": login, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.usefixtures("one_proxy")
def test_behind_the_proxy_a_lock_stays_with_the_client_who_caused_it(
    http, therapist, password
):
    for _ in range(5):
        sign_in(http, therapist.email, WRONG, forwarded="203.0.113.7")

    locked = sign_in(http, therapist.email, password, forwarded="203.0.113.7")
    elsewhere = sign_in(http, therapist.email, password, forwarded="198.51.100.20")

    assert locked.status_code == 429
    assert elsewhere.status_code == 302
    assert http.session["_auth_user_id"] == str(therapist.pk)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"


@pytest.mark.usefixtures("one_proxy")
def test_a_client_cannot_escape_the_lock_by_writing_its_own_forwarded_header(
    http, therapist, password
):
    for n in range(5):
        # What the client sends comes first; the proxy appends what it saw.
        sign_in(http, therapist.email, WRONG, forwarded=f"192.0.2.{n}, 203.0.113.7")

    response = sign_in(
        http, therapist.email, password, forwarded="192.0.2.99, 203.0.113.7"
    )

    assert response.status_code == 429
    assert "_auth_user_id" not in http.session


def test_without_a_trusted_proxy_everyone_behind_it_shares_one_address(
    http, therapist, password
):
    """Why the setting exists: counted per REMOTE_ADDR, the proxy's address,
    one client's failures lock the clinician out for every client."""
    for _ in range(5):
        sign_in(http, therapist.email, WRONG, forwarded="203.0.113.7")
    response = sign_in(http, therapist.email, password, forwarded="198.51.100.20")
    assert response.status_code == 429
