"""The signature schemes of the adapters, as pure functions of what was sent.

Both compare in constant time (:func:`hmac.compare_digest`) and refuse
everything when the integration has no signing secret: an empty key would
let anyone sign.

Replay: Twilio's scheme carries no time, so a replayed delivery is answered
by the idempotency of its ``external_id`` (the message's or call's Sid): it
changes nothing.  The signed JSON scheme signs its timestamp, and a delivery
outside :data:`REPLAY_WINDOW` of now is refused; inside the window a replay
is again only a duplicate.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

REPLAY_WINDOW = dt.timedelta(minutes=5)
SHA256_PREFIX = "sha256="
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def twilio_signature(secret: str, url: str, params: Mapping[str, Iterable[str]]) -> str:
    """Twilio's ``X-Twilio-Signature``: base64 of HMAC-SHA1 over the URL
    followed by every parameter's name and value, sorted by name (and a
    repeated parameter's values sorted too, as Twilio's own validator does)."""
    signed = url
    for name in sorted(params):
        for value in sorted(set(params[name])):
            signed += name + value
    digest = hmac.new(secret.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _with_and_without_port(url: str) -> set[str]:
    """The URL as built, and as Twilio's own validator also accepts it:
    without its port when it names one, with the scheme's default port when
    it names none.  Twilio signs the URL as it was configured, which may or
    may not name the port."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return {url}
    default = _DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    if port is not None:
        return {url, urlunsplit(parts._replace(netloc=netloc))}
    if default is None:
        return {url}
    return {url, urlunsplit(parts._replace(netloc=f"{netloc}:{default}"))}


def twilio_signature_valid(
    *, secret: str, url: str, params: Mapping[str, Iterable[str]], signature: str
) -> bool:
    if not secret or not signature:
        return False
    given = signature.strip().encode()
    return any(
        hmac.compare_digest(twilio_signature(secret, candidate, params).encode(), given)
        for candidate in sorted(_with_and_without_port(url))
    )


def timestamp_in_window(timestamp: str, *, now: dt.datetime) -> bool:
    """Whether ``timestamp`` (unix seconds, digits only) is within
    :data:`REPLAY_WINDOW` of ``now``."""
    if not _TIMESTAMP.match(timestamp):
        return False
    return abs(int(timestamp) - now.timestamp()) <= REPLAY_WINDOW.total_seconds()


def signed_json_signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256 of ``"{timestamp}." + body``."""
    digest = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return SHA256_PREFIX + digest


def signed_json_signature_valid(
    *, secret: str, timestamp: str, body: bytes, signature: str
) -> bool:
    if not secret or not signature or not _TIMESTAMP.match(timestamp):
        return False
    expected = signed_json_signature(secret, timestamp, body)
    return hmac.compare_digest(expected.encode(), signature.strip().encode())
