"""One message's envelope (the header fields the poller fetches, its size,
its MIME structure) and the contact item it becomes; the preview cut from
its text where the clinic keeps previews."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email
import hashlib
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from django.core.exceptions import ValidationError

from attachment.ingestion.addresses import email_normalised
from attachment.ingestion.services import EXTERNAL_ID_MAX, PREVIEW_MAX
from clinic.integrations.models import MailboxSettings


@dataclass(frozen=True)
class TextPart:
    section: str
    subtype: str
    charset: str
    encoding: str
    octets: int

    @property
    def characters(self) -> int:
        """About how many characters the part holds, decoded."""
        if self.encoding == "base64":
            return self.octets * 3 // 4
        return self.octets


def _text(value: Any) -> str:
    return bytes(value).decode("ascii", "replace").lower() if value else ""


def _text_parts(structure: Any, section: str = "") -> Iterator[TextPart]:
    """The message's inline ``text/plain`` and ``text/html`` parts, from its
    BODYSTRUCTURE; attached messages and attachments are not its text."""
    if not isinstance(structure, list) or not structure:
        return
    if isinstance(structure[0], list):  # multipart: its parts come first
        number = 0
        for part in structure:
            if not isinstance(part, list):
                break
            number += 1
            yield from _text_parts(
                part, f"{section}.{number}" if section else str(number)
            )
        return
    if len(structure) < 7 or _text(structure[0]) != "text":
        return
    subtype = _text(structure[1])
    disposition = structure[9] if len(structure) > 9 else None
    attached = isinstance(disposition, list) and _text(disposition[0]) == "attachment"
    if subtype not in ("plain", "html") or attached:
        return
    parameters = structure[2] if isinstance(structure[2], list) else []
    named = {
        _text(k): _text(v)
        for k, v in zip(parameters[::2], parameters[1::2], strict=False)
    }
    try:
        octets = int(structure[6])
    except (TypeError, ValueError):
        octets = 0
    yield TextPart(
        section or "1",
        subtype,
        named.get("charset", "us-ascii"),
        _text(structure[5]),
        octets,
    )


@dataclass(frozen=True)
class Envelope:
    """What the poller knows of one message."""

    uid: int
    headers: Message
    size: int
    internal_date: dt.datetime | None
    text_parts: tuple[TextPart, ...] = field(default=())

    @property
    def text_length(self) -> int:
        """Characters of the message's text: its plain parts, or its HTML
        parts where it has no plain one; the whole size if neither is found."""
        plain = [p.characters for p in self.text_parts if p.subtype == "plain"]
        html = [p.characters for p in self.text_parts if p.subtype == "html"]
        if plain or html:
            return sum(plain or html)
        return self.size

    @property
    def preview_part(self) -> TextPart | None:
        return next((p for p in self.text_parts if p.subtype == "plain"), None)


def _internal_date(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(
            bytes(value).decode("ascii"), "%d-%b-%Y %H:%M:%S %z"
        )
    except (TypeError, ValueError, UnicodeDecodeError):
        return None


def envelope_of(items: dict[str, Any]) -> Envelope:
    header = next(
        (value for name, value in items.items() if name.startswith("BODY[HEADER")), b""
    )
    try:
        size = int(items.get("RFC822.SIZE") or 0)
    except ValueError:
        size = 0
    return Envelope(
        uid=int(items["UID"]),
        headers=email.message_from_bytes(bytes(header or b"")),
        size=size,
        internal_date=_internal_date(items.get("INTERNALDATE")),
        text_parts=tuple(_text_parts(items.get("BODYSTRUCTURE"))),
    )


def _addresses(headers: Message, *names: str) -> list[str]:
    """The header fields' addresses, normalised; unreadable ones left out."""
    found = []
    values = [str(v) for name in names for v in headers.get_all(name, [])]
    for _, raw in getaddresses(values):
        try:
            found.append(email_normalised(raw))
        except ValidationError:
            continue
    return found


def _occurred_at(envelope: Envelope) -> dt.datetime | None:
    """The Date header's time; the server's arrival time where it has none
    (or one without a zone, read as UTC as RFC 5322's ``-0000`` asks)."""
    date = envelope.headers.get("Date")
    if date:
        try:
            moment = parsedate_to_datetime(str(date))
        except (TypeError, ValueError, IndexError):
            moment = None
        if moment is not None:
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return envelope.internal_date


def _external_id(envelope: Envelope) -> str:
    """The Message-ID; a digest of the envelope for a message without one
    (or with one too long to keep), which stays the same if the server
    renumbers the folder."""
    message_id = (
        str(envelope.headers.get("Message-ID") or "").strip().strip("<>").strip()
    )
    if message_id and len(message_id) <= EXTERNAL_ID_MAX:
        return message_id
    seen = "\n".join(
        [
            message_id,
            *(str(envelope.headers.get(n) or "") for n in ("From", "To", "Cc", "Date")),
        ]
    )
    digest = hashlib.sha256(f"{seen}\n{envelope.size}".encode()).hexdigest()
    return f"sha256:{digest}"


def message_item(
    envelope: Envelope, *, practice: frozenset[str]
) -> dict[str, Any] | None:
    """The contact item of one message, or ``None`` where it names no client
    address (no readable sender, or mail among the practice's own addresses)."""
    senders = _addresses(envelope.headers, "From")
    occurred_at = _occurred_at(envelope)
    if not senders or occurred_at is None:
        return None
    if senders[0] in practice:
        direction = "from_therapist"
        others = _addresses(envelope.headers, "To", "Cc")
        address = next((a for a in others if a not in practice), None)
    else:
        direction, address = "from_client", senders[0]
    if address is None:
        return None
    return {
        "external_id": _external_id(envelope),
        "address": address,
        "occurred_at": occurred_at.isoformat(),
        "channel": "email",
        "direction": direction,
        "message_length": envelope.text_length,
    }


def practice_addresses(mailbox: MailboxSettings) -> frozenset[str]:
    """The practice's own addresses, normalised; unreadable lines left out."""
    found = set()
    for line in mailbox.practice_addresses.splitlines():
        try:
            found.add(email_normalised(line))
        except ValidationError:
            continue
    return frozenset(found)


def preview_text(raw: bytes, part: TextPart) -> str:
    """The first :data:`PREVIEW_MAX` characters of a part's first octets,
    decoded, its white space made single spaces."""
    if part.encoding == "base64":
        packed = re.sub(rb"[^A-Za-z0-9+/=]", b"", raw)
        try:
            raw = base64.b64decode(packed[: len(packed) // 4 * 4])
        except (binascii.Error, ValueError):
            return ""
    elif part.encoding == "quoted-printable":
        raw = quopri.decodestring(raw)
    try:
        text = raw.decode(part.charset or "us-ascii", "replace")
    except LookupError:
        text = raw.decode("utf-8", "replace")
    text = "".join(c if c.isprintable() else " " for c in text).rstrip("\ufffd")
    return " ".join(text.split())[:PREVIEW_MAX].strip()
