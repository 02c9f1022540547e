"""POST /api/v1/hooks/sms-voice/<hook_id>/: Twilio's webhook format, signed
with HMAC-SHA1 over the URL and the sorted parameters.

The signatures here are computed independently of the adapter, by the
scheme Twilio documents; the scheme's own published examples check the
adapter's signing function.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import hmac
import uuid
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attachment.ingestion.adapters import signatures
from attachment.models import ClientAddress, Contact, ContactDelivery, UnmatchedMessage
from clinic.integrations.models import Integration, IntegrationDay
from clinic.integrations.services import integration_create, integration_revoke

SECRET = "test-auth-token-of-the-sms-service"
CLIENT_NUMBER = "+447700900123"
PRACTICE_NUMBER = "+441632960000"
BODY = "Felt you pulled away when you said goodbye on Tuesday"
MESSAGE_SID = "SM" + "1" * 32
CALL_SID = "CA" + "2" * 32
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def hook(clinic, admin):
    integration, _ = integration_create(
        actor=admin,
        clinic=clinic,
        name="Practice phones",
        kind="sms_voice_webhook",
        scopes=["contacts:write"],
        now=timezone.now(),
        signing_secret=SECRET,
    )
    return integration


@pytest.fixture
def number(clinic, client):
    """The client's mobile number, as the therapist entered it."""
    return ClientAddress.objects.create(
        clinic=clinic,
        client=client,
        kind="phone",
        value=CLIENT_NUMBER,
        created_at=timezone.now(),
    )


def path_of(hook) -> str:
    return f"/api/v1/hooks/sms-voice/{hook.hook_id}/"


def twilio_signature(url: str, params: dict[str, str], secret: str = SECRET) -> str:
    signed = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(secret.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def deliver(hook, params, *, signature=None, url=None, **extra):
    url = url or "http://testserver" + path_of(hook)
    if signature is None:
        signature = twilio_signature(url, params)
    return HttpClient().post(
        path_of(hook),
        urlencode(params),
        content_type=FORM,
        headers={"X-Twilio-Signature": signature},
        **extra,
    )


def inbound_text(**changes):
    return {
        "MessageSid": MESSAGE_SID,
        "AccountSid": "AC" + "0" * 32,
        "From": CLIENT_NUMBER,
        "To": PRACTICE_NUMBER,
        "Body": BODY,
        "NumMedia": "0",
        "SmsStatus": "received",
        **changes,
    }


def completed_call(**changes):
    return {
        "CallSid": CALL_SID,
        "From": CLIENT_NUMBER,
        "To": PRACTICE_NUMBER,
        "Direction": "inbound",
        "CallStatus": "completed",
        "CallDuration": "61",
        **changes,
    }


def counts(hook) -> tuple[int, int]:
    day = IntegrationDay.objects.filter(integration=hook).first()
    return (day.calls, day.refusals) if day else (0, 0)


# The scheme, checked against the examples Twilio publishes with its own
# validator (auth token 12345).
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = {
    "CallSid": ["CA1234567890ABCDE"],
    "Digits": ["1234"],
    "From": ["+14158675309"],
    "To": ["+18005551212"],
    "Caller": ["+14158675309"],
}


def test_the_signature_is_twilios_published_example():
    assert (
        signatures.twilio_signature("12345", TWILIO_URL, TWILIO_PARAMS)
        == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )
    repeated = {"Sid": ["CA123"], "SidAccount": ["AC123"], "Digits": ["5678", "1234"]}
    assert (
        signatures.twilio_signature("12345", TWILIO_URL, repeated)
        == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    )


@pytest.mark.parametrize(
    ("url", "signature"),
    [
        (TWILIO_URL, "kvajT1Ptam85bY51eRf/AJRuM3w="),  # signed with :443
        (TWILIO_URL.replace(".com", ".com:1234"), "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
    ],
    ids=["default-port-added", "port-removed"],
)
def test_the_url_is_accepted_with_or_without_its_port_as_twilio_does(url, signature):
    assert signatures.twilio_signature_valid(
        secret="12345", url=url, params=TWILIO_PARAMS, signature=signature
    )
    assert not signatures.twilio_signature_valid(
        secret="54321", url=url, params=TWILIO_PARAMS, signature=signature
    )


def test_an_inbound_text_becomes_an_unclassified_contact_from_the_client(
    hook, number, client, policy
):
    response = deliver(hook, inbound_text())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.decode().endswith("<Response/>")
    contact = Contact.objects.get()
    assert contact.client == client
    assert (contact.channel, contact.direction) == ("text", "from_client")
    assert contact.purpose == ""
    assert contact.message_length == len(BODY)
    assert contact.summary == ""  # the clinic keeps no previews
    assert ContactDelivery.objects.get().external_id == MESSAGE_SID
    assert abs(contact.occurred_at - timezone.now()) < dt.timedelta(minutes=1)
    assert counts(hook) == (1, 0)
    hook.refresh_from_db()
    assert hook.last_call_at is not None


def test_where_the_clinic_keeps_previews_the_summary_is_the_first_200_characters(
    hook, number, clinic, policy
):
    clinic.keep_message_preview = True
    clinic.save(update_fields=["keep_message_preview"])
    long = ("Are we still on for Thursday? " * 12).strip()
    deliver(hook, inbound_text(Body=long))
    assert Contact.objects.get().summary == long[:200].strip()


def test_the_body_is_stored_nowhere(hook, number, policy):
    """Every row of every table, read as text: the body is in none."""
    assert deliver(hook, inbound_text()).status_code == 200
    assert Contact.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = [name for (name,) in cursor.fetchall()]
        found = []
        for table in tables:
            cursor.execute(
                f'SELECT count(*) FROM "{table}" AS t WHERE t::text LIKE %s',  # noqa: S608
                ["%pulled away%"],
            )
            if cursor.fetchone()[0]:
                found.append(table)
    assert "clinic_auditevent" in tables and "attachment_contact" in tables
    assert found == []


def test_a_repeated_delivery_creates_nothing_more_and_answers_as_the_first(
    hook, number, policy
):
    first = deliver(hook, inbound_text())
    again = deliver(hook, inbound_text())
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.content == first.content
    assert Contact.objects.count() == 1
    assert ContactDelivery.objects.count() == 1
    assert counts(hook) == (2, 0)


def test_a_wrong_signature_is_refused_and_counted(hook, number, policy):
    response = deliver(
        hook,
        inbound_text(),
        signature=twilio_signature(
            "http://testserver" + path_of(hook), inbound_text(), secret="another-token"
        ),
    )
    assert response.status_code == 403
    assert response.json() == {"error": "The signature is not valid."}
    assert Contact.objects.count() == 0
    assert counts(hook) == (0, 1)
    hook.refresh_from_db()
    assert hook.last_call_at is None


def test_a_missing_signature_is_refused_and_counted(hook, number, policy):
    response = HttpClient().post(
        path_of(hook), urlencode(inbound_text()), content_type=FORM
    )
    assert response.status_code == 403
    assert counts(hook) == (0, 1)


@pytest.mark.parametrize(
    "tampered",
    [{"Body": "Something else"}, {"From": "+447700900999"}, {"Extra": "1"}],
    ids=["body", "from", "added-field"],
)
def test_a_tampered_delivery_is_refused(hook, number, policy, tampered):
    signature = twilio_signature("http://testserver" + path_of(hook), inbound_text())
    response = deliver(hook, inbound_text(**tampered), signature=signature)
    assert response.status_code == 403
    assert Contact.objects.count() == 0


def test_a_signature_for_another_url_is_refused(hook, number, policy, clinic, admin):
    other, _ = integration_create(
        actor=admin,
        clinic=clinic,
        name="Second line",
        kind="sms_voice_webhook",
        scopes=["contacts:write"],
        now=timezone.now(),
        signing_secret=SECRET,
    )
    signature = twilio_signature("http://testserver" + path_of(other), inbound_text())
    assert deliver(hook, inbound_text(), signature=signature).status_code == 403


def test_the_url_signed_behind_a_tls_proxy_is_the_https_one(
    hook, number, policy, settings
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    url = "https://testserver" + path_of(hook)
    forwarded = {"HTTP_X_FORWARDED_PROTO": "https"}
    assert deliver(hook, inbound_text(), url=url, **forwarded).status_code == 200
    plain = deliver(hook, inbound_text(MessageSid="SM" + "3" * 32), url=url)
    assert plain.status_code == 403


def test_an_integration_without_a_signing_secret_accepts_nothing(hook, number, policy):
    Integration.objects.filter(pk=hook.pk).update(signing_secret="")
    url = "http://testserver" + path_of(hook)
    signature = twilio_signature(url, inbound_text(), secret="")
    assert deliver(hook, inbound_text(), signature=signature).status_code == 403


def test_a_text_the_practice_sent_is_from_the_therapist_to_the_client(
    hook, number, client, policy
):
    sent = inbound_text(
        From=PRACTICE_NUMBER, To=CLIENT_NUMBER, SmsStatus="sent", MessageStatus="sent"
    )
    assert deliver(hook, sent).status_code == 200
    contact = Contact.objects.get()
    assert (contact.client, contact.direction) == (client, "from_therapist")


def test_without_a_direction_a_text_to_a_clients_number_is_the_practices(
    hook, number, policy
):
    sent = inbound_text(From=PRACTICE_NUMBER, To=CLIENT_NUMBER)
    del sent["SmsStatus"]
    deliver(hook, sent)
    assert Contact.objects.get().direction == "from_therapist"


@pytest.mark.parametrize("status", ["queued", "sending", "failed", "undelivered"])
def test_a_message_not_sent_is_no_contact(hook, number, policy, status):
    not_sent = inbound_text(
        From=PRACTICE_NUMBER, To=CLIENT_NUMBER, MessageStatus=status
    )
    assert deliver(hook, not_sent).status_code == 200
    assert Contact.objects.count() == 0


def test_a_completed_call_is_a_phone_contact_of_whole_minutes_from_its_start(
    hook, number, policy
):
    assert deliver(hook, completed_call(CallDuration="61")).status_code == 200
    contact = Contact.objects.get()
    assert (contact.channel, contact.duration_minutes) == ("phone", 2)
    started = timezone.now() - dt.timedelta(seconds=61)
    assert abs(contact.occurred_at - started) < dt.timedelta(seconds=30)
    assert contact.message_length is None


def test_a_call_starts_its_duration_before_the_time_twilio_gives(hook, number, policy):
    ended = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)
    stamp = email.utils.format_datetime(ended)
    deliver(hook, completed_call(CallDuration="600", Timestamp=stamp))
    assert Contact.objects.get().occurred_at == ended - dt.timedelta(minutes=10)


def test_an_outbound_call_is_from_the_therapist(hook, number, policy):
    call = completed_call(
        From=PRACTICE_NUMBER, To=CLIENT_NUMBER, Direction="outbound-api"
    )
    deliver(hook, call)
    assert Contact.objects.get().direction == "from_therapist"


@pytest.mark.parametrize("status", ["ringing", "in-progress", "busy", "no-answer"])
def test_a_call_that_has_not_completed_is_no_contact(hook, number, policy, status):
    assert deliver(hook, completed_call(CallStatus=status)).status_code == 200
    assert Contact.objects.count() == 0


def test_a_voicemail_is_one_contact_though_its_call_completes_after_it(
    hook, number, policy
):
    recording = completed_call(
        CallStatus="in-progress",
        RecordingUrl="https://api.example.com/Recordings/RE" + "4" * 32,
        RecordingDuration="45",
    )
    del recording["CallDuration"]
    assert deliver(hook, recording).status_code == 200
    assert deliver(hook, completed_call(CallDuration="52")).status_code == 200
    contact = Contact.objects.get()
    assert (contact.channel, contact.duration_minutes) == ("voicemail", 1)
    assert contact.direction == "from_client"


def test_a_text_from_an_unknown_number_waits_in_the_unmatched_inbox(hook, policy):
    assert deliver(hook, inbound_text(From="+447700900456")).status_code == 200
    assert Contact.objects.count() == 0
    waiting = UnmatchedMessage.objects.get()
    assert (waiting.address, waiting.message_length) == ("+447700900456", len(BODY))
    assert BODY not in str(vars(waiting))


def test_a_delivery_the_service_rejects_answers_400_without_echoing(
    hook, number, policy
):
    response = deliver(hook, inbound_text(From="sip:someone@example.com;x=" + BODY))
    assert response.status_code == 400
    assert "address" in response.json()["reason"]
    assert BODY not in response.content.decode()
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"From": CLIENT_NUMBER, "To": PRACTICE_NUMBER, "Body": BODY}, "Sid"),
        ({"MessageSid": MESSAGE_SID, "Body": BODY}, "From"),
        (completed_call(CallDuration="a minute"), "CallDuration"),
        (inbound_text(MessageSid="SM/../" + BODY), "MessageSid"),
    ],
    ids=["no-sid", "no-addresses", "duration-not-seconds", "sid-not-a-sid"],
)
def test_a_malformed_delivery_answers_400_in_json(hook, number, policy, params, word):
    response = deliver(hook, params)
    assert response.status_code == 400
    assert word in response.json()["error"]
    assert BODY not in response.content.decode()


def test_an_unknown_hook_answers_404(hook):
    url = f"/api/v1/hooks/sms-voice/{uuid.uuid4()}/"
    response = HttpClient().post(url, urlencode(inbound_text()), content_type=FORM)
    assert response.status_code == 404
    assert response.json() == {"error": "Not found."}


def test_a_revoked_hook_answers_404_at_once(hook, number, admin, policy):
    integration_revoke(actor=admin, integration=hook, now=timezone.now())
    assert deliver(hook, inbound_text()).status_code == 404
    assert Contact.objects.count() == 0


def test_the_hook_of_another_kind_of_integration_answers_404(hook, number, policy):
    Integration.objects.filter(pk=hook.pk).update(kind="signed_webhook")
    assert deliver(hook, inbound_text()).status_code == 404


def test_only_post_is_allowed(hook):
    response = HttpClient().get(path_of(hook))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_a_body_over_the_limit_answers_413(hook, number, policy, settings):
    settings.API_MAX_BODY_BYTES = 200
    response = deliver(hook, inbound_text(Body="x" * 300))
    assert response.status_code == 413
    assert Contact.objects.count() == 0


def test_a_signed_body_that_is_not_a_form_answers_415(hook):
    response = HttpClient().post(
        path_of(hook),
        "{}",
        content_type="application/json",
        headers={"X-Twilio-Signature": twilio_signature(path_of(hook), {})},
    )
    assert response.status_code == 415


NAMES = st.sampled_from(
    [
        "MessageSid",
        "CallSid",
        "From",
        "To",
        "Body",
        "CallStatus",
        "CallDuration",
        "Direction",
        "MessageStatus",
        "RecordingUrl",
        "RecordingDuration",
        "Timestamp",
    ]
) | st.text(max_size=12)
VALUES = st.text(max_size=40) | st.sampled_from(
    [CLIENT_NUMBER, PRACTICE_NUMBER, MESSAGE_SID, CALL_SID, "completed", "outbound"]
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(params=st.dictionaries(NAMES, VALUES, max_size=10), raw=st.binary(max_size=200))
def test_no_delivery_signed_or_not_answers_a_server_error(
    hook, number, policy, params, raw
):
    """Signed, the fields reach the translation and the service; unsigned,
    the bytes reach the form parser and the signature check."""
    signed = deliver(hook, params)
    assert signed.status_code in (200, 400, 415)
    assert signed.status_code == 200 or set(signed.json()) >= {"error"}
    unsigned = HttpClient().post(path_of(hook), raw, content_type=FORM)
    assert unsigned.json() == {"error": "The signature is not valid."}
    assert unsigned.status_code == 403
