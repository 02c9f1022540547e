"""The security headers the settings promise, on a page of every app.

The Content-Security-Policy and the ``Cache-Control`` of signed-in pages are
the app's own (``clinic.middleware``); the others come from Django's security
and clickjacking middleware, configured in ``clinic/settings.py``.  A page that
breaks its own policy (an inline script or style) would be silently broken in
the browser, so the pages are checked for those too.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import TEST_PASSWORD, UserFactory

PAGES = {
    "clinic": "clinic:client",
    "notes": "notes:client_notes",
    "attachment": "attachment:contact_list",
}
# Anything that lets a script or style in from elsewhere than the app itself.
LOOSE_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:")
INLINE_CODE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"<[^>]+\sstyle=", re.IGNORECASE),
    "event handler attribute": re.compile(r"<[^>]+\son[a-z]+=", re.IGNORECASE),
    "javascript: link": re.compile(r"=\s*[\"']?\s*javascript:", re.IGNORECASE),
}


def directives(header: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = directive.split()
        assert name not in parsed, f"{name} given twice"
        parsed[name] = sources
    return parsed


def assert_strict_policy(response) -> None:
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    for fetch in ("script-src", "style-src"):
        # Absent, the default-src above applies; present, it must be as strict.
        assert policy.get(fetch, ["'self'"]) == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert set(policy["img-src"]) <= {"'self'", "data:"}
    for name, sources in policy.items():
        allowed = LOOSE_SOURCES[:-1] if name == "img-src" else LOOSE_SOURCES
        assert not set(sources) & set(allowed), name
        # No CDN: every source is the app itself, never another host.
        assert not [s for s in sources if "." in s or "//" in s], name


def assert_security_headers(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def assert_no_inline_code(response) -> None:
    html = response.content.decode()
    found = {name for name, pattern in INLINE_CODE.items() if pattern.search(html)}
    assert not found, f"the page breaks its own policy: {sorted(found)}"


@pytest.mark.parametrize("app", sorted(PAGES))
def test_a_page_of_every_app_carries_a_strict_content_security_policy(
    app, login, therapist, client
):
    response = login(therapist).get(reverse(PAGES[app], args=[client.pk]))

    assert response.status_code == 200
    assert_strict_policy(response)
    assert_security_headers(response)
    assert_no_inline_code(response)


@pytest.mark.parametrize("app", sorted(PAGES))
def test_a_page_outside_the_users_scope_answers_404_with_the_same_headers(
    app, login, other_therapist, client
):
    response = login(other_therapist).get(reverse(PAGES[app], args=[client.pk]))

    assert response.status_code == 404
    assert_strict_policy(response)
    assert_security_headers(response)


NO_STORE = "no-store, private"


@pytest.mark.parametrize("app", sorted(PAGES))
def test_no_signed_in_page_may_be_stored_by_any_cache(app, login, therapist, client):
    response = login(therapist).get(reverse(PAGES[app], args=[client.pk]))

    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


def test_a_refusal_and_the_operators_admin_are_not_stored_either(
    login, other_therapist, client
):
    refused = login(other_therapist).get(reverse(PAGES["clinic"], args=[client.pk]))
    operator = UserFactory(is_staff=True, is_superuser=True)
    admin_page = login(operator).get(reverse("admin:index"))

    assert refused.status_code == 404
    assert refused["Cache-Control"] == NO_STORE
    assert admin_page["Cache-Control"] == NO_STORE


def test_the_answer_of_an_earlier_middleware_is_not_stored_either(
    settings, login, therapist, client
):
    """The enrolment redirect comes from a middleware inside this one."""
    settings.MFA_REQUIRED = True
    response = login(therapist).get(reverse(PAGES["clinic"], args=[client.pk]))
    assert response.status_code == 302
    assert response["Cache-Control"] == NO_STORE


def test_signing_in_answers_no_store_once_the_person_is_known(http, therapist):
    response = http.post(
        reverse("account_login"),
        {"login": therapist.email, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Cache-Control"] == NO_STORE


def test_the_anonymous_sign_in_page_keeps_allauths_own_no_cache_headers(http):
    """Left to its view: allauth already forbids storing it."""
    response = http.get(reverse("account_login"))
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "private", "max-age=0"} <= directives
    assert response["Cache-Control"] != NO_STORE


def test_the_sign_in_page_carries_the_policy_and_no_inline_code(http):
    response = http.get(reverse("account_login"))

    assert response.status_code == 200
    assert_strict_policy(response)
    assert_security_headers(response)
    assert_no_inline_code(response)


def test_the_operators_admin_keeps_the_other_headers(login):
    operator = UserFactory(is_staff=True, is_superuser=True)

    response = login(operator).get(reverse("admin:index"))

    assert response.status_code == 200
    assert_security_headers(response)


def test_https_behind_the_proxy_gets_strict_transport_security(
    login, therapist, client
):
    """Production serves behind a TLS proxy that sets X-Forwarded-Proto."""
    assert settings.SECURE_HSTS_SECONDS >= 365 * 24 * 3600
    url = reverse(PAGES["clinic"], args=[client.pk])
    http = login(therapist)

    secure = http.get(url, headers={"x-forwarded-proto": "https"})
    plain = http.get(url)

    assert secure["Strict-Transport-Security"] == (
        f"max-age={settings.SECURE_HSTS_SECONDS}; includeSubDomains; preload"
    )
    # Over plain HTTP the header means nothing to a browser, and is left out.
    assert "Strict-Transport-Security" not in plain
