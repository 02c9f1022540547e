"""``manage.py check --deploy`` passes with production-like settings.

The check runs in a fresh process, because settings are read from the
environment once at start-up: DEBUG unset, a long SECRET_KEY, real hosts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_SECRET = "prod-like-9fK2x!Qm7Lr#Vb4Tz8Wc1Ns6Hd3Jg5Ya0Pe-Uo2Ri7Xk4Bv9Cq1Lz"

# Variables a developer or CI might have set that would weaken production.
DEVELOPMENT_ONLY = (
    "DEBUG",
    "MFA_REQUIRED",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SESSION_IDLE_MINUTES",
    "DJANGO_SETTINGS_MODULE",
    # Set for the browser tests (tests/e2e/conftest.py), never in production.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def production_env(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DEVELOPMENT_ONLY}
    env.update(
        SECRET_KEY=PRODUCTION_SECRET,
        ALLOWED_HOSTS="between.example.org",
        DATABASE_URL=os.environ["DATABASE_URL"],
    )
    env.update(changes)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed argv, our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def production_settings() -> dict:
    """Production values as the process sees them (one subprocess)."""
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'DEBUG': s.DEBUG, 'MFA_REQUIRED': s.MFA_REQUIRED,"
        "'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE,"
        "'CSRF_COOKIE_SECURE': s.CSRF_COOKIE_SECURE,"
        "'SECURE_HSTS_SECONDS': s.SECURE_HSTS_SECONDS,"
        "'SECURE_SSL_REDIRECT': s.SECURE_SSL_REDIRECT,"
        "'SESSION_COOKIE_AGE': s.SESSION_COOKIE_AGE,"
        "'SESSION_COOKIE_HTTPONLY': s.SESSION_COOKIE_HTTPONLY,"
        "'HASHER': s.PASSWORD_HASHERS[0]}))"
    )
    import json

    result = manage("shell", "-v", "0", "-c", code, env=production_env())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_passes_with_production_like_environment():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_production_is_weakened():
    """The check above can fail: without the HTTPS redirect it does."""
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=production_env(SECURE_SSL_REDIRECT="false"),
    )
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


def test_production_turns_on_secure_cookies_hsts_mfa_and_argon2(production_settings):
    assert production_settings["DEBUG"] is False
    assert production_settings["MFA_REQUIRED"] is True
    assert production_settings["SESSION_COOKIE_SECURE"] is True
    assert production_settings["CSRF_COOKIE_SECURE"] is True
    assert production_settings["SESSION_COOKIE_HTTPONLY"] is True
    assert production_settings["SECURE_SSL_REDIRECT"] is True
    assert production_settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert production_settings["SESSION_COOKIE_AGE"] == 30 * 60
    assert production_settings["HASHER"].endswith("Argon2PasswordHasher")


def test_production_refuses_to_start_with_a_short_secret_key():
    result = manage("check", env=production_env(SECRET_KEY="too-short"))
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 characters" in result.stderr
