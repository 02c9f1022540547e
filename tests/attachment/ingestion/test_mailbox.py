"""The practice mailbox poller against a real IMAP server (dovecot, started
by the tests): new mail becomes contacts once, seen mail is not read again,
an unknown sender waits in the unmatched inbox, a body is never stored."""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

import pytest
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from attachment.ingestion.mailbox import services as poller
from attachment.ingestion.mailbox.tasks import mailboxes_poll_task
from attachment.models import (
    ClientAddress,
    Contact,
    ContactDelivery,
    Source,
    UnmatchedMessage,
)
from clinic.celery import app
from clinic.integrations.models import MailboxSettings
from clinic.integrations.services import integration_create, integration_revoke
from clinic.models import Integration
from tests.attachment.ingestion import dovecot

# Monday, two days before the tests' clock (tests/attachment/conftest.py).
MONDAY = dt.datetime(2026, 3, 16, 10, 30, tzinfo=dt.UTC)
ROBIN = "robin.client@example.org"
PRACTICE = "therapy@riverside.test"
RECEPTION = "reception@riverside.test"
USER_ENV = "BETWEEN_TEST_MAILBOX_USER"
PASSWORD_ENV = "BETWEEN_TEST_MAILBOX_PASSWORD"  # noqa: S105 (a variable's name)
BODY = "Quillfeather sentence: I could not sleep after what you said on Thursday."


@pytest.fixture(scope="session")
def imap_server():
    """One dovecot for the whole run; each test reads its own folder.
    Without dovecot the tests are skipped with the reason shown, except under
    ``CI=true`` (``.ci/run`` installs it), where that fails the run, as the
    reliability tests do without Redis."""
    try:
        dovecot.dovecot_binary()
    except dovecot.DovecotMissing as missing:
        if os.environ.get("CI") == "true":
            pytest.fail(str(missing))
        pytest.skip(str(missing))
    with dovecot.running() as server:
        yield server


@pytest.fixture
def folder(imap_server):
    name = f"poll-{uuid.uuid4().hex[:12]}"
    dovecot.folder_created(imap_server, name)
    return name


@pytest.fixture
def credentials(imap_server, monkeypatch):
    monkeypatch.setenv(USER_ENV, imap_server.user)
    monkeypatch.setenv(PASSWORD_ENV, imap_server.password)


@pytest.fixture
def mailbox(clinic, admin, imap_server, folder, credentials, policy):
    integration, _ = integration_create(
        actor=admin,
        clinic=clinic,
        name="Practice mailbox",
        kind="mailbox",
        scopes=["contacts:write"],
        now=timezone.now(),
        mailbox={
            "host": imap_server.host,
            "port": imap_server.port,
            "use_tls": False,
            "folder": folder,
            "username_env": USER_ENV,
            "password_env": PASSWORD_ENV,
            "practice_addresses": f"{PRACTICE}\n{RECEPTION.upper()}",
        },
    )
    return MailboxSettings.objects.get(integration=integration)


@pytest.fixture
def robin_address(client):
    return ClientAddress.objects.create(
        clinic=client.clinic,
        client=client,
        kind="email",
        value=ROBIN,
        created_at=timezone.now(),
    )


def message(
    *,
    sender=f"Robin <{ROBIN}>",
    to=PRACTICE,
    cc=None,
    date=MONDAY,
    message_id=None,
    body=BODY,
    subject="About Thursday",
):
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    if cc:
        mail["Cc"] = cc
    mail["Subject"] = subject
    if date is not None:
        mail["Date"] = format_datetime(date)
    mail["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@example.org>"
    mail.set_content(body)
    return mail


def deliver(server, folder, mail, **append):
    dovecot.appended(server, folder, mail.as_bytes(policy=SMTP), **append)


def poll(mailbox, now):
    return poller.mailbox_poll(mailbox=mailbox, now=now)


def test_new_mail_from_a_client_address_becomes_one_contact(
    imap_server, folder, mailbox, client, robin_address, now
):
    deliver(imap_server, folder, message(message_id="<first@example.org>"))
    counts = poll(mailbox, now)
    assert (counts.messages, counts.created) == (1, 1)
    contact = Contact.objects.get()
    assert (contact.client, contact.source) == (client, Source.INTEGRATION)
    assert (contact.channel, contact.direction) == ("email", "from_client")
    assert contact.occurred_at == MONDAY
    assert contact.purpose == ""  # unclassified until the therapist sets it
    assert contact.message_length == pytest.approx(len(BODY), abs=4)
    assert contact.delivery.external_id == "first@example.org"
    assert contact.delivery.integration == mailbox.integration


def test_polling_again_reads_no_mail_already_seen(
    imap_server, folder, mailbox, robin_address, now
):
    deliver(imap_server, folder, message())
    poll(mailbox, now)
    again = poll(mailbox, now)
    assert (again.mailboxes, again.messages, again.created) == (1, 0, 0)
    deliver(imap_server, folder, message(date=MONDAY + dt.timedelta(hours=1)))
    later = poll(mailbox, now)
    assert (later.messages, later.created, later.duplicate) == (1, 1, 0)
    assert Contact.objects.count() == 2
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 2
    assert mailbox.uid_validity == dovecot.uid_validity(imap_server, folder)


def test_mail_from_the_practice_to_a_client_is_from_the_therapist(
    imap_server, folder, mailbox, client, robin_address, now
):
    # The practice's first address on To is its own; the client is on Cc.
    mail = message(
        sender=f"Riverside <{RECEPTION}>", to=PRACTICE, cc=f"Robin <{ROBIN.upper()}>"
    )
    deliver(imap_server, folder, mail)
    assert poll(mailbox, now).created == 1
    contact = Contact.objects.get()
    assert (contact.client, contact.direction) == (client, "from_therapist")


def test_mail_among_the_practices_own_addresses_is_not_a_contact(
    imap_server, folder, mailbox, robin_address, now
):
    deliver(imap_server, folder, message(sender=PRACTICE, to=RECEPTION))
    counts = poll(mailbox, now)
    assert (counts.messages, counts.ignored) == (1, 1)
    assert not Contact.objects.exists() and not UnmatchedMessage.objects.exists()


def test_an_unknown_sender_lands_in_the_unmatched_inbox(
    imap_server, folder, mailbox, clinic, robin_address, now
):
    mail = message(sender="Someone <Someone.New@Example.net>", message_id="<u1@x>")
    deliver(imap_server, folder, mail)
    counts = poll(mailbox, now)
    assert (counts.unmatched, counts.created) == (1, 0)
    waiting = UnmatchedMessage.objects.get()
    assert (waiting.clinic, waiting.integration) == (clinic, mailbox.integration)
    assert (waiting.address, waiting.external_id) == ("someone.new@example.net", "u1@x")
    assert (waiting.channel, waiting.direction) == ("email", "from_client")
    assert waiting.occurred_at == MONDAY
    assert not Contact.objects.exists()
    # Seen once, it waits once.
    deliver(imap_server, folder, mail)
    assert poll(mailbox, now).unmatched == 1
    assert UnmatchedMessage.objects.count() == 1


def _tables_holding(text):
    """Every table with a row whose text contains ``text``."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT 1 FROM {quoted} AS row WHERE row::text LIKE %s LIMIT 1",  # noqa: S608
                [f"%{text}%"],
            )
            if cursor.fetchone():
                found.append(table)
    return found


def test_a_body_is_never_stored(imap_server, folder, mailbox, robin_address, now):
    deliver(imap_server, folder, message(subject="Quillfeather subject"))
    deliver(imap_server, folder, message(sender="stranger@example.net"))
    counts = poll(mailbox, now)
    assert (counts.created, counts.unmatched) == (1, 1)
    assert Contact.objects.get().summary == ""
    assert _tables_holding("Quillfeather") == []
    assert _tables_holding("could not sleep") == []


def test_where_the_clinic_keeps_previews_the_summary_is_the_texts_start(
    imap_server, folder, mailbox, clinic, robin_address, now
):
    clinic.keep_message_preview = True
    clinic.save()
    mail = message(body="Dear Sam,\n\n  " + "ünïcode words " * 40)
    mail.add_alternative("<p>Dear Sam, the HTML copy</p>", subtype="html")
    mail.add_attachment(b"\x00" * 5000, maintype="application", subtype="pdf")
    deliver(imap_server, folder, mail)
    assert poll(mailbox, now).created == 1
    contact = Contact.objects.get()
    assert contact.summary.startswith("Dear Sam, ünïcode words ünïcode")
    assert len(contact.summary) <= 200
    assert "HTML" not in contact.summary
    # What is kept is found where it is kept (the search of the previous test
    # can find a body's words).
    assert "attachment_contact" in _tables_holding("ünïcode words")
    # The length is the plain text's, not the attachment's nor the headers'.
    assert contact.message_length is not None
    assert 560 < contact.message_length < 700


def test_a_renumbered_folder_is_read_again_without_duplicates(
    imap_server, folder, mailbox, robin_address, now
):
    mail = message()
    deliver(imap_server, folder, mail)
    poll(mailbox, now)
    mailbox.refresh_from_db()
    before = mailbox.uid_validity
    dovecot.folder_renumbered(imap_server, folder)
    deliver(imap_server, folder, mail)
    assert dovecot.uid_validity(imap_server, folder) != before
    counts = poll(mailbox, now)
    assert (counts.messages, counts.duplicate, counts.created) == (1, 1, 0)
    assert Contact.objects.count() == ContactDelivery.objects.count() == 1
    mailbox.refresh_from_db()
    assert (mailbox.uid_validity, mailbox.last_uid) == (
        dovecot.uid_validity(imap_server, folder),
        1,
    )


def test_mail_without_message_id_or_date_is_kept_once_by_its_envelope(
    imap_server, folder, mailbox, robin_address, now
):
    mail = message(date=None)
    del mail["Message-ID"]
    arrived = MONDAY + dt.timedelta(minutes=5)
    deliver(imap_server, folder, mail, date_time=arrived)
    poll(mailbox, now)
    contact = Contact.objects.get()
    assert contact.occurred_at == arrived  # the server's arrival time
    assert contact.delivery.external_id.startswith("sha256:")
    dovecot.folder_renumbered(imap_server, folder)
    deliver(imap_server, folder, mail, date_time=arrived)
    assert poll(mailbox, now).duplicate == 1


def test_missing_credentials_skip_the_mailbox_and_log_its_integration_only(
    imap_server, folder, mailbox, robin_address, now, monkeypatch, caplog
):
    deliver(imap_server, folder, message())
    monkeypatch.delenv(PASSWORD_ENV)
    with caplog.at_level(logging.WARNING, logger=poller.__name__):
        counts = poller.mailboxes_poll(now=now)
    assert (counts.skipped, counts.mailboxes, counts.messages) == (1, 0, 0)
    assert f"integration {mailbox.integration_id}" in caplog.text
    assert PASSWORD_ENV not in caplog.text and imap_server.user not in caplog.text
    assert not Contact.objects.exists()
    mailbox.refresh_from_db()
    assert mailbox.last_uid is None


def test_a_refused_login_skips_the_mailbox_without_its_reason(
    imap_server, folder, mailbox, robin_address, now, monkeypatch, caplog
):
    deliver(imap_server, folder, message())
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    with caplog.at_level(logging.WARNING, logger=poller.__name__):
        counts = poller.mailboxes_poll(now=now)
    assert counts.skipped == 1 and not Contact.objects.exists()
    assert "Authentication" not in caplog.text and imap_server.user not in caplog.text


def test_a_revoked_integration_is_not_polled(
    imap_server, folder, mailbox, admin, robin_address, now
):
    deliver(imap_server, folder, message())
    integration_revoke(actor=admin, integration=mailbox.integration, now=now)
    assert poller.mailboxes_poll(now=now).mailboxes == 0
    assert not Contact.objects.exists()


def test_the_task_polls_every_mailbox_and_answers_counts_only(
    imap_server, folder, mailbox, robin_address
):
    deliver(imap_server, folder, message(date=timezone.now() - dt.timedelta(hours=1)))
    answer = mailboxes_poll_task.apply().get()
    assert answer["mailboxes"] == 1 and answer["created"] == 1
    assert all(isinstance(value, int) for value in answer.values())
    integration = Integration.objects.get(pk=mailbox.integration_id)
    assert integration.last_call_at is not None
    assert integration.days.get().calls == 1


@pytest.mark.django_db
def test_beat_polls_the_mailboxes_every_five_minutes():
    task = PeriodicTask.objects.get(name="practice mailbox poll")
    assert task.enabled
    assert (
        task.task == mailboxes_poll_task.name == "attachment.ingestion.poll_mailboxes"
    )
    assert task.task in app.tasks
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("*/5", "*", "*")
    assert mailboxes_poll_task.acks_late
