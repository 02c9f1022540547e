"""The adapters' webhooks: plain views, authenticated by a signature rather
than a token (so outside the API's DRF views and its OpenAPI schema).

Every answer but the SMS and voice webhook's success is JSON, in general
words that never repeat what was sent.  The order of the checks:

1. the URL's ``hook_id`` names a live integration of the adapter's kind, or
   404 (an unknown, revoked or other kind of integration alike);
2. the body is at most ``settings.API_MAX_BODY_BYTES``, or 413;
3. the signature (and for signed JSON the timestamp) holds, or 403, and the
   refusal is counted (:func:`clinic.integrations.usage.refusal_counted`);
4. the integration is within its rate limit, or 429 with ``Retry-After``
   (:func:`clinic.integrations.throttling.throttle_check`, asked only once
   the signature holds, so that nobody without the secret can use up the
   integration's calls);
5. the call is counted, and the body becomes items for
   :func:`attachment.ingestion.services.contacts_ingest`, or 400.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from attachment.ingestion.adapters import signatures, signed_json, sms_voice
from attachment.ingestion.adapters.selectors import (
    address_is_a_clients,
    integration_for_hook,
)
from attachment.ingestion.services import Status, contacts_ingest
from clinic.integrations.errors import GENERAL
from clinic.integrations.models import Integration, IntegrationKind
from clinic.integrations.throttling import throttle_check
from clinic.integrations.usage import call_counted, refusal_counted

FORM = "application/x-www-form-urlencoded"
TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def _error(status: int, message: str, **extra: str) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _method_not_allowed() -> JsonResponse:
    response = _error(405, "Method not allowed.")
    response["Allow"] = "POST"
    return response


def _body(request: HttpRequest) -> bytes | None:
    """The request's body, or None when it is larger than allowed (read no
    further than the limit)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.API_MAX_BODY_BYTES:
        return None
    try:
        body = request.body
    except RequestDataTooBig:
        return None
    return body if len(body) <= settings.API_MAX_BODY_BYTES else None


def _refused(integration: Integration, message: str) -> JsonResponse:
    refusal_counted(integration, timezone.now())
    return _error(403, message)


def _over_rate(integration: Integration) -> HttpResponse | None:
    """The 429 of a call over the rate limit, or None."""
    wait = throttle_check(integration, timezone.now())
    if wait is None:
        return None
    response = _error(429, GENERAL[429])
    response["Retry-After"] = str(wait)
    return response


def _counted(integration: Integration, response: HttpResponse) -> HttpResponse:
    """``response``, with the call counted for the day and noted as the
    integration's last, at the end of the work (as
    :class:`attachment.ingestion.api.IntegrationView` counts a token's): the
    counter's row is then locked only for the end of the transaction."""
    call_counted(integration, timezone.now())
    return response


def _form(body: bytes) -> QueryDict | None:
    try:
        return QueryDict(body, encoding="utf-8")
    except SuspiciousOperation:  # too many fields
        return None


def _received(
    request: HttpRequest, hook_id: uuid.UUID, kind: str
) -> tuple[Integration, bytes] | HttpResponse:
    """The integration the URL names and the body, or the answer to a
    request that gets no further (checks 1 and 2)."""
    if request.method != "POST":
        return _method_not_allowed()
    integration = integration_for_hook(hook_id=hook_id, kind=kind)
    if integration is None:
        return _error(404, "Not found.")
    body = _body(request)
    if body is None:
        return _error(413, "The request body is too large.")
    return integration, body


def _ingested(integration: Integration, form: QueryDict) -> HttpResponse:
    now = timezone.now()
    try:
        item = sms_voice.contact_item(
            {name: str(value) for name, value in form.items()},
            now=now,
            is_client_address=lambda raw: address_is_a_clients(
                clinic_id=integration.clinic_id, raw=raw
            ),
        )
    except sms_voice.DeliveryMalformed as malformed:
        return _error(400, str(malformed))
    if item is not None:
        [result] = contacts_ingest(integration=integration, items=[item], now=now)
        if result.status == Status.REJECTED:
            return _error(400, "The delivery is not a contact.", reason=result.reason)
    return HttpResponse(TWIML_EMPTY, content_type="text/xml")


@csrf_exempt
def sms_voice_hook(request: HttpRequest, hook_id: uuid.UUID) -> HttpResponse:
    """A message, call or voicemail delivered in Twilio's webhook format;
    answered with empty TwiML (no reply is sent, a call goes on as it was)."""
    received = _received(request, hook_id, IntegrationKind.SMS_VOICE_WEBHOOK)
    if isinstance(received, HttpResponse):
        return received
    integration, body = received
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return _refused(integration, "The signature is not valid.")
    if request.content_type != FORM:
        return _error(415, "Send a form-encoded body.")
    form = _form(body)
    if form is None:
        return _error(400, "The request is malformed.")
    valid = signatures.twilio_signature_valid(
        secret=integration.signing_secret,
        url=request.build_absolute_uri(),
        params=dict(form.lists()),
        signature=signature,
    )
    if not valid:
        return _refused(integration, "The signature is not valid.")
    return _over_rate(integration) or _counted(
        integration, _ingested(integration, form)
    )


@csrf_exempt
def signed_json_hook(request: HttpRequest, hook_id: uuid.UUID) -> HttpResponse:
    """The contacts API's JSON, signed over a timestamp and the body;
    answered as ``POST /api/v1/contacts/`` answers."""
    received = _received(request, hook_id, IntegrationKind.SIGNED_WEBHOOK)
    if isinstance(received, HttpResponse):
        return received
    integration, body = received
    timestamp = request.headers.get("X-Between-Timestamp", "").strip()
    valid = signatures.signed_json_signature_valid(
        secret=integration.signing_secret,
        timestamp=timestamp,
        body=body,
        signature=request.headers.get("X-Between-Signature", ""),
    )
    if not valid:
        return _refused(integration, "The signature is not valid.")
    if not signatures.timestamp_in_window(timestamp, now=timezone.now()):
        return _refused(integration, "The timestamp is outside the replay window.")
    if refusal := _over_rate(integration):
        return refusal
    try:
        items = signed_json.contact_items(body)
    except signed_json.BodyMalformed as malformed:
        return _counted(integration, _error(400, str(malformed)))
    results = contacts_ingest(integration=integration, items=items, now=timezone.now())
    return _counted(
        integration, JsonResponse({"results": [result.as_dict() for result in results]})
    )
