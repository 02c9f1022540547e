"""Polling the practice mailboxes: connect, open the folder read-only, fetch
the envelopes of the messages after the last one seen, hand them to the
ingestion in batches and move the mark (see the package's docstring)."""

from __future__ import annotations

import datetime as dt
import imaplib
import logging
import os
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from attachment.ingestion.mailbox import messages, responses
from attachment.ingestion.services import contacts_ingest
from clinic.integrations.models import IntegrationKind, MailboxSettings
from clinic.integrations.usage import call_counted

log = logging.getLogger(__name__)

# Messages fetched, and handed to the ingestion, at a time.
BATCH = 200
TIMEOUT_SECONDS = 30
# Octets of a plain-text part read to cut a preview from (previews only).
PREVIEW_OCTETS = 2048
# Names the advisory lock that keeps two polls of one mailbox apart.
POLL_LOCK_NAMESPACE = 5_150_016
HEADER_FIELDS = "FROM TO CC DATE MESSAGE-ID"
FETCH_ITEMS = (
    "(UID RFC822.SIZE INTERNALDATE BODYSTRUCTURE "
    f"BODY.PEEK[HEADER.FIELDS ({HEADER_FIELDS})])"
)


@dataclass
class PollCounts:
    """What a poll did, in numbers only (a task's result, a log line)."""

    mailboxes: int = 0
    skipped: int = 0  # no credentials, or the server could not be read
    busy: int = 0  # another poll of the mailbox was running
    messages: int = 0
    ignored: int = 0  # no client address to name (internal mail, no sender)
    created: int = 0
    duplicate: int = 0
    unmatched: int = 0
    rejected: int = 0

    def add(self, other: PollCounts) -> None:
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)


def _previews(
    imap: imaplib.IMAP4, envelopes: list[messages.Envelope]
) -> dict[int, str]:
    """Each message's preview by UID, read a part's first octets at a time."""
    found = {}
    for envelope in envelopes:
        part = envelope.preview_part
        if part is None:
            continue
        section = f"BODY.PEEK[{part.section}]<0.{PREVIEW_OCTETS}>"
        _, data = _checked(imap.uid("FETCH", str(envelope.uid), f"(UID {section})"))
        for items in responses.fetched_items(data):
            raw = next((v for n, v in items.items() if n.startswith("BODY[")), None)
            if raw:
                found[envelope.uid] = messages.preview_text(bytes(raw), part)
    return found


class MailboxUnreadable(Exception):
    """The server refused a command; the reason is not kept (it may quote
    the folder or the user name)."""


def _checked(answer: tuple[str, Any]) -> tuple[str, Any]:
    if answer[0] != "OK":
        raise MailboxUnreadable("the server refused a command")
    return answer


def _credentials(mailbox: MailboxSettings) -> tuple[str, str] | None:
    user = os.environ.get(mailbox.username_env, "") if mailbox.username_env else ""
    password = os.environ.get(mailbox.password_env, "") if mailbox.password_env else ""
    return (user, password) if user and password else None


@contextmanager
def _connected(
    mailbox: MailboxSettings, user: str, password: str
) -> Iterator[imaplib.IMAP4]:
    imap: imaplib.IMAP4
    if mailbox.use_tls:
        context = ssl.create_default_context()
        imap = imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=context, timeout=TIMEOUT_SECONDS
        )
    else:
        imap = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT_SECONDS)
    try:
        _checked(imap.login(user, password))
        yield imap
    finally:
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _selected(imap: imaplib.IMAP4, folder: str) -> int:
    """Open the folder read-only; its UIDVALIDITY."""
    _checked(imap.select(_quoted(folder), readonly=True))
    _, values = imap.response("UIDVALIDITY")
    if not values or not values[0]:
        raise MailboxUnreadable("the server gave no UIDVALIDITY")
    return int(values[0])


def _new_uids(imap: imaplib.IMAP4, after: int) -> list[int]:
    _, data = _checked(imap.uid("SEARCH", f"UID {after + 1}:*"))
    # ``n:*`` also names the last message when every UID is below n.
    return sorted(
        uid for uid in map(int, b" ".join(d for d in data if d).split()) if uid > after
    )


def _envelopes(imap: imaplib.IMAP4, uids: list[int]) -> list[messages.Envelope]:
    _, data = _checked(imap.uid("FETCH", ",".join(map(str, uids)), FETCH_ITEMS))
    return sorted(
        (messages.envelope_of(items) for items in responses.fetched_items(data)),
        key=lambda e: e.uid,
    )


def _batch_ingested(
    imap: imaplib.IMAP4,
    mailbox: MailboxSettings,
    *,
    uids: list[int],
    uid_validity: int,
    practice: frozenset[str],
    now: dt.datetime,
) -> PollCounts:
    """Hand one batch to the ingestion and move the mailbox's mark past it,
    in one transaction: a mark is never ahead of what was saved."""
    envelopes = _envelopes(imap, uids)
    integration = mailbox.integration
    previews = (
        _previews(imap, envelopes) if integration.clinic.keep_message_preview else {}
    )
    counts = PollCounts(messages=len(envelopes))
    items: list[object] = []
    for envelope in envelopes:
        item = messages.message_item(envelope, practice=practice)
        if item is None:
            counts.ignored += 1
            continue
        if previews.get(envelope.uid):
            item["summary"] = previews[envelope.uid]
        items.append(item)
    with transaction.atomic():
        if items:
            results = contacts_ingest(integration=integration, items=items, now=now)
            for result in results:
                setattr(counts, result.status, getattr(counts, result.status) + 1)
        MailboxSettings.objects.filter(pk=mailbox.pk).update(
            uid_validity=uid_validity, last_uid=max(uids)
        )
    mailbox.uid_validity, mailbox.last_uid = uid_validity, max(uids)
    return counts


def _read(
    mailbox: MailboxSettings, user: str, password: str, now: dt.datetime
) -> PollCounts:
    counts = PollCounts()
    practice = messages.practice_addresses(mailbox)
    with _connected(mailbox, user, password) as imap:
        uid_validity = _selected(imap, mailbox.folder)
        if uid_validity != mailbox.uid_validity:
            after = 0  # renumbered: read all again; Message-IDs keep it once
        else:
            after = mailbox.last_uid or 0
        uids = _new_uids(imap, after)
        for start in range(0, len(uids), BATCH):
            counts.add(
                _batch_ingested(
                    imap,
                    mailbox,
                    uids=uids[start : start + BATCH],
                    uid_validity=uid_validity,
                    practice=practice,
                    now=now,
                )
            )
        if not uids and uid_validity != mailbox.uid_validity:
            MailboxSettings.objects.filter(pk=mailbox.pk).update(
                uid_validity=uid_validity, last_uid=0
            )
    return counts


@contextmanager
def _poll_lock(mailbox: MailboxSettings) -> Iterator[bool]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", [POLL_LOCK_NAMESPACE, mailbox.pk]
        )
        (locked,) = cursor.fetchone()
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)",
                    [POLL_LOCK_NAMESPACE, mailbox.pk],
                )


def mailbox_poll(*, mailbox: MailboxSettings, now: dt.datetime) -> PollCounts:
    """Read one mailbox's new mail into contacts.  A mailbox whose
    credentials are not in the environment, or whose server cannot be read,
    is skipped (and logged by its integration's id alone)."""
    integration_id = mailbox.integration_id
    credentials = _credentials(mailbox)
    if credentials is None:
        log.warning(
            "mailbox of integration %s: no credentials in the environment",
            integration_id,
        )
        return PollCounts(skipped=1)
    with _poll_lock(mailbox) as locked:
        if not locked:
            return PollCounts(busy=1)
        mailbox.refresh_from_db(fields=["uid_validity", "last_uid"])
        try:
            counts = _read(mailbox, *credentials, now)
        except (imaplib.IMAP4.error, MailboxUnreadable, OSError, ValueError) as error:
            log.warning(
                "mailbox of integration %s could not be read (%s)",
                integration_id,
                type(error).__name__,
            )
            return PollCounts(skipped=1)
    integration = mailbox.integration
    call_counted(integration, now)
    counts.mailboxes = 1
    log.info("mailbox of integration %s polled: %s", integration_id, vars(counts))
    return counts


def mailboxes_poll(*, now: dt.datetime) -> PollCounts:
    """Poll every mailbox of an integration in use, one after the other."""
    counts = PollCounts()
    mailboxes = MailboxSettings.objects.select_related("integration__clinic").filter(
        integration__kind=IntegrationKind.MAILBOX, integration__revoked_at__isnull=True
    )
    for mailbox in mailboxes.order_by("pk"):
        counts.add(mailbox_poll(mailbox=mailbox, now=now))
    return counts
