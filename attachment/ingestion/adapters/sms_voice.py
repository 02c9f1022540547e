"""An SMS and voice service's webhook in Twilio's format, as a contact.

One delivery is one form-encoded request: a message (``MessageSid``), a
call's status (``CallSid`` and ``CallStatus``) or a voicemail (a call with a
``RecordingUrl``).  Its Sid is the contact's ``external_id``, so a repeated
delivery, a retry or a replay changes nothing.  A call to voicemail reports
its recording (``<Record action=…>``) before the call completes, under the
same ``CallSid``: it is one voicemail, and the call's completion that
follows is its duplicate.

Who is the client: a message or call *to* the practice is from the client
(``From``); one the practice sent is from the therapist, to ``To``.  Twilio
says which where it can (``Direction``, or a message's status); otherwise a
delivery whose ``To`` is a client's address and whose ``From`` is not is the
practice's.

Content stays out: the body's length is kept, and its first characters go to
the service as the summary, which keeps them only where the clinic keeps
message previews.  Nothing here logs or stores the body otherwise.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Callable, Mapping
from typing import Any

from attachment.ingestion.services import PREVIEW_MAX
from attachment.models import Direction
from clinic.models import Channel

# Statuses of a message the practice sends before it has gone, or when it
# never went: no contact (yet).  Its ``sent`` or ``delivered`` is.
MESSAGE_NOT_SENT = frozenset(
    {
        "accepted",
        "queued",
        "sending",
        "scheduled",
        "failed",
        "undelivered",
        "canceled",
    }
)
MESSAGE_SENT = frozenset({"sent", "delivered", "read", "partially_delivered"})
MESSAGE_RECEIVED = frozenset({"received", "receiving"})
CALL_COMPLETED = "completed"
# Addresses of a messaging channel carried over the same webhook.
_ADDRESS_PREFIXES = ("whatsapp:",)
_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")
_SECONDS = re.compile(r"^[0-9]{1,6}$")


class DeliveryMalformed(ValueError):
    """The delivery lacks what a contact needs, or a field is not of its
    form.  The message names fields, never their values."""


def _sid(params: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = params.get(name, "").strip()
        if value:
            if not _SID.match(value):
                raise DeliveryMalformed(f"{name} is not a Sid.")
            return value
    return None


def _address(raw: str) -> str:
    value = raw.strip()
    for prefix in _ADDRESS_PREFIXES:
        if value.lower().startswith(prefix):
            return value[len(prefix) :]
    return value


def _seconds(params: Mapping[str, str], name: str) -> int | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    if not _SECONDS.match(value):
        raise DeliveryMalformed(f"{name} must be a whole number of seconds.")
    return int(value)


def _event_time(params: Mapping[str, str], now: dt.datetime) -> dt.datetime:
    """When Twilio says the event happened (a call's ``Timestamp``), if it
    says so sensibly; else now, when the delivery arrives."""
    raw = params.get("Timestamp", "")
    try:
        moment = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return now
    if moment.tzinfo is None or moment > now:
        return now
    return moment


def _from_practice(
    params: Mapping[str, str], is_client_address: Callable[[str], bool]
) -> bool:
    direction = params.get("Direction", "").strip().lower()
    if direction.startswith("outbound"):
        return True
    if direction.startswith("inbound"):
        return False
    status = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
    if status in MESSAGE_SENT:
        return True
    if status in MESSAGE_RECEIVED:
        return False
    sender, receiver = _address(params["From"]), _address(params["To"])
    return is_client_address(receiver) and not is_client_address(sender)


def _call(
    params: Mapping[str, str], sid: str, now: dt.datetime
) -> tuple[dict[str, Any], dt.datetime] | None:
    """The call's channel, duration and start, or ``None`` for a call that
    has not ended (or never connected)."""
    recorded = (
        params.get("RecordingUrl", "").strip()
        or params.get("RecordingDuration", "").strip()
    )
    call_seconds = _seconds(params, "CallDuration")
    if recorded:
        seconds = _seconds(params, "RecordingDuration")
        channel = Channel.VOICEMAIL
        seconds = call_seconds if seconds is None else seconds
    elif params.get("CallStatus", "").strip().lower() == CALL_COMPLETED:
        channel, seconds = Channel.PHONE, call_seconds
    else:
        return None
    fields: dict[str, Any] = {"external_id": sid, "channel": channel}
    ended = _event_time(params, now)
    if seconds is None:
        return fields, ended
    # The service rounds a duration up to whole minutes.
    fields["duration_seconds"] = seconds
    return fields, ended - dt.timedelta(seconds=seconds)


def _message(params: Mapping[str, str], sid: str) -> dict[str, Any] | None:
    status = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
    if status in MESSAGE_NOT_SENT:
        return None
    fields: dict[str, Any] = {"external_id": sid, "channel": Channel.TEXT}
    if "Body" in params:
        body = params["Body"]
        fields["message_length"] = len(body)
        preview = body[:PREVIEW_MAX].replace("\x00", "")
        if preview.strip():
            fields["summary"] = preview
    return fields


def contact_item(
    params: Mapping[str, str],
    *,
    now: dt.datetime,
    is_client_address: Callable[[str], bool],
) -> dict[str, Any] | None:
    """The contacts API's item for one delivery, or ``None`` when the
    delivery is no contact (a message not sent, a call still ringing).

    ``is_client_address`` says whether an address is one of the clinic's
    clients'; it is asked only when Twilio does not say the direction."""
    if not params.get("From", "").strip() or not params.get("To", "").strip():
        raise DeliveryMalformed("From and To are needed.")
    call_sid = _sid(params, "CallSid")
    message_sid = (
        None if call_sid else _sid(params, "MessageSid", "SmsMessageSid", "SmsSid")
    )
    if call_sid:
        call = _call(params, call_sid, now)
        if call is None:
            return None
        fields, occurred_at = call
    elif message_sid:
        message = _message(params, message_sid)
        if message is None:
            return None
        fields, occurred_at = message, now
    else:
        raise DeliveryMalformed("MessageSid or CallSid is needed.")
    outbound = _from_practice(params, is_client_address)
    return {
        **fields,
        "address": _address(params["To"] if outbound else params["From"]),
        "occurred_at": occurred_at.isoformat(),
        "direction": Direction.FROM_THERAPIST if outbound else Direction.FROM_CLIENT,
    }
