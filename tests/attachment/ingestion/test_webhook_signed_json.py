"""POST /api/v1/hooks/signed/<hook_id>/: the contacts API's JSON, signed
with HMAC-SHA256 over ``"{timestamp}." + body`` and refused outside five
minutes of now.  The signatures here are computed independently of the
adapter."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
import uuid

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attachment.ingestion.services import BATCH_MAX
from attachment.models import ClientAddress, Contact, UnmatchedMessage
from clinic.integrations.models import Integration, IntegrationDay
from clinic.integrations.services import integration_create, integration_revoke

CLIENT_NUMBER = "+447700900123"
SUMMARY = "Could not sleep, wrote to say I am scared of Friday"
JSON = "application/json"


@pytest.fixture
def hook(clinic, admin):
    integration, _ = integration_create(
        actor=admin,
        clinic=clinic,
        name="Practice system hook",
        kind="signed_webhook",
        scopes=["contacts:write"],
        now=timezone.now(),
    )
    assert len(integration.signing_secret) >= 32
    return integration


@pytest.fixture
def number(clinic, client):
    return ClientAddress.objects.create(
        clinic=clinic,
        client=client,
        kind="phone",
        value=CLIENT_NUMBER,
        created_at=timezone.now(),
    )


def path_of(hook) -> str:
    return f"/api/v1/hooks/signed/{hook.hook_id}/"


def signature_of(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def deliver(hook, body, *, timestamp=None, signature=None, secret=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    if signature is None:
        signature = signature_of(secret or hook.signing_secret, timestamp, raw)
    return HttpClient().post(
        path_of(hook),
        raw,
        content_type=JSON,
        headers={"X-Between-Timestamp": timestamp, "X-Between-Signature": signature},
    )


def item(external_id="msg-1", **changes):
    return {
        "external_id": external_id,
        "client": "RS-001",
        "occurred_at": (timezone.now() - dt.timedelta(minutes=3)).isoformat(),
        "channel": "text",
        "direction": "from_client",
        **changes,
    }


def counts(hook) -> tuple[int, int]:
    day = IntegrationDay.objects.filter(integration=hook).first()
    return (day.calls, day.refusals) if day else (0, 0)


def test_a_signed_item_becomes_a_contact_and_is_answered_as_the_api_answers(
    hook, client, policy
):
    response = deliver(hook, item())
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert result["status"] == "created" and result["external_id"] == "msg-1"
    contact = Contact.objects.get(pk=result["contact_id"])
    assert (contact.client, contact.purpose) == (client, "")
    assert counts(hook) == (1, 0)
    hook.refresh_from_db()
    assert hook.last_call_at is not None


def test_an_item_may_name_its_client_by_address(hook, number, client, policy):
    body = item(client=None, address="07700 900123", message_length=42)
    del body["client"]
    [result] = deliver(hook, [body]).json()["results"]
    assert result["status"] == "created"
    contact = Contact.objects.get()
    assert (contact.client, contact.message_length) == (client, 42)


def test_an_unknown_address_waits_in_the_unmatched_inbox(hook, policy):
    body = item(address="+447700900456")
    del body["client"]
    [result] = deliver(hook, body).json()["results"]
    assert result["status"] == "unmatched"
    assert UnmatchedMessage.objects.get().address == "+447700900456"


def test_a_batch_is_answered_item_by_item(hook, client, policy):
    later = (timezone.now() - dt.timedelta(minutes=1)).isoformat()
    body = [item("a"), item("b", occurred_at=later), item("c", channel="pigeon")]
    results = deliver(hook, body).json()["results"]
    assert [r["status"] for r in results] == ["created", "created", "rejected"]
    assert "pigeon" not in results[2]["reason"]


def test_a_replay_inside_the_window_creates_nothing_more(hook, client, policy):
    raw = json.dumps(item()).encode()
    timestamp = str(int(time.time()))
    first = deliver(hook, raw, timestamp=timestamp)
    again = deliver(hook, raw, timestamp=timestamp)
    assert first.json()["results"][0]["status"] == "created"
    assert again.json()["results"][0]["status"] == "duplicate"
    assert again.json()["results"][0]["contact_id"] == Contact.objects.get().pk


def test_a_wrong_signature_is_refused_and_counted(hook, client, policy):
    response = deliver(hook, item(), secret="not-the-secret")
    assert response.status_code == 403
    assert response.json() == {"error": "The signature is not valid."}
    assert Contact.objects.count() == 0
    assert counts(hook) == (0, 1)
    hook.refresh_from_db()
    assert hook.last_call_at is None


def test_a_request_without_the_headers_is_refused_and_counted(hook, client, policy):
    response = HttpClient().post(path_of(hook), json.dumps(item()), content_type=JSON)
    assert response.status_code == 403
    assert counts(hook) == (0, 1)


def test_a_tampered_body_is_refused(hook, client, policy):
    timestamp = str(int(time.time()))
    signed = signature_of(hook.signing_secret, timestamp, json.dumps(item()).encode())
    tampered = item(direction="from_therapist")
    response = deliver(hook, tampered, timestamp=timestamp, signature=signed)
    assert response.status_code == 403
    assert Contact.objects.count() == 0


def test_a_signature_moved_to_another_timestamp_is_refused(hook, client, policy):
    raw = json.dumps(item()).encode()
    now = int(time.time())
    signed = signature_of(hook.signing_secret, str(now), raw)
    response = deliver(hook, raw, timestamp=str(now - 1), signature=signed)
    assert response.status_code == 403


@pytest.mark.parametrize("seconds", [-301, 301, -3600], ids=["old", "future", "hour"])
def test_a_timestamp_outside_five_minutes_is_refused_and_counted(
    hook, client, policy, seconds
):
    timestamp = str(int(time.time()) + seconds)
    response = deliver(hook, item(), timestamp=timestamp)
    assert response.status_code == 403
    assert "window" in response.json()["error"]
    assert Contact.objects.count() == 0
    assert counts(hook) == (0, 1)


@pytest.mark.parametrize("seconds", [-290, 290], ids=["old", "future"])
def test_a_timestamp_inside_five_minutes_is_accepted(hook, client, policy, seconds):
    timestamp = str(int(time.time()) + seconds)
    assert deliver(hook, item(), timestamp=timestamp).status_code == 200


@pytest.mark.parametrize("timestamp", ["", "1.7e9", "+1700000000", "later"])
def test_a_timestamp_that_is_not_unix_seconds_is_refused(
    hook, client, policy, timestamp
):
    assert deliver(hook, item(), timestamp=timestamp).status_code == 403


def test_the_summary_is_not_kept_where_the_clinic_keeps_no_previews(
    hook, client, policy
):
    deliver(hook, item(summary=SUMMARY))
    assert Contact.objects.get().summary == ""
    with connection.cursor() as cursor:
        for table in ("attachment_contact", "clinic_auditevent"):
            cursor.execute(
                f'SELECT count(*) FROM "{table}" AS t WHERE t::text LIKE %s',  # noqa: S608
                ["%scared of Friday%"],
            )
            assert cursor.fetchone()[0] == 0, table


@pytest.mark.parametrize(
    ("raw", "word"),
    [
        (b"{not json", "JSON"),
        (b"\xff\xfe", "JSON"),
        (b"42", "contact"),
        (b"[" * 5000 + b"]" * 5000, "JSON"),
        (json.dumps([item(f"x{n}") for n in range(BATCH_MAX + 1)]).encode(), "1000"),
    ],
    ids=["broken", "not-utf8", "scalar", "deep", "too-many"],
)
def test_a_malformed_body_answers_400_in_json(hook, client, policy, raw, word):
    response = deliver(hook, raw)
    assert response.status_code == 400
    assert word in response.json()["error"]
    assert Contact.objects.count() == 0


def test_an_unknown_hook_answers_404(db):
    url = f"/api/v1/hooks/signed/{uuid.uuid4()}/"
    response = HttpClient().post(url, b"{}", content_type=JSON)
    assert (response.status_code, response.json()) == (404, {"error": "Not found."})


def test_a_revoked_hook_answers_404_at_once(hook, admin, client, policy):
    integration_revoke(actor=admin, integration=hook, now=timezone.now())
    assert deliver(hook, item()).status_code == 404


def test_the_hook_of_another_kind_of_integration_answers_404(hook, client, policy):
    Integration.objects.filter(pk=hook.pk).update(kind="sms_voice_webhook")
    assert deliver(hook, item()).status_code == 404


def test_only_post_is_allowed(hook):
    response = HttpClient().get(path_of(hook))
    assert (response.status_code, response["Allow"]) == (405, "POST")


def test_a_body_over_the_limit_answers_413(hook, client, policy, settings):
    settings.API_MAX_BODY_BYTES = 300
    response = deliver(hook, [item(f"x{n}") for n in range(5)])
    assert response.status_code == 413
    assert Contact.objects.count() == 0


def test_a_call_over_the_rate_limit_answers_429_with_retry_after(hook, client, policy):
    Integration.objects.filter(pk=hook.pk).update(rate_per_minute=1)
    hook.refresh_from_db()
    assert deliver(hook, item("a")).status_code == 200
    response = deliver(hook, item("b"))
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert Contact.objects.count() == 1


FIELDS = st.sampled_from(
    [
        "external_id",
        "client",
        "address",
        "occurred_at",
        "channel",
        "direction",
        "purpose",
        "summary",
        "responded_at",
        "duration_minutes",
        "message_length",
    ]
)
VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.none(),
    st.booleans(),
    st.floats(),
    st.sampled_from(["RS-001", CLIENT_NUMBER, "text", "from_client", "2026-03-09"]),
)
BODIES = st.one_of(
    st.binary(max_size=200),
    st.lists(st.dictionaries(FIELDS, VALUES, max_size=8), max_size=4).map(
        lambda items: json.dumps(items).encode()
    ),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(raw=BODIES)
def test_no_signed_body_answers_a_server_error(hook, number, policy, raw):
    response = deliver(hook, raw)
    assert response.status_code in (200, 400)
    assert response.status_code == 200 or set(response.json()) == {"error"}
