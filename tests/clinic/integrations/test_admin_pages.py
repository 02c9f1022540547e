"""The integrations pages for the adapters: each kind is created with what
it needs, a signing secret is shown once, the integration's page edits the
rate limit and the mailbox, and the list shows calls and refusals a day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clinic.integrations import services
from clinic.integrations.models import Integration, IntegrationDay, MailboxSettings
from clinic.models import AuditEvent

LIST = "/manage/integrations/"
NEW = "/manage/integrations/new/"
SETTINGS = "/manage/integrations/settings/"
FORM = {"name": "Phones", "scopes": ["contacts:write"]}
MAILBOX = {
    "host": "imap.example.test",
    "port": "993",
    "use_tls": "on",
    "folder": "INBOX",
    "username_env": "PRACTICE_MAIL_USER",
    "password_env": "PRACTICE_MAIL_PASSWORD",
    "practice_addresses": "Desk@Example.test\n\nreception@example.test",
}


def _code(page: str, element_id: str) -> str:
    return page.split(f'id="{element_id}">', 1)[1].split("<", 1)[0]


def test_an_sms_webhook_keeps_the_auth_token_and_never_shows_it(login, admin):
    http = login(admin)
    response = http.post(
        NEW, FORM | {"kind": "sms_voice_webhook", "signing_secret": "auth-tok-123"}
    )
    page = response.content.decode()
    integration = Integration.objects.get()
    assert integration.signing_secret == "auth-tok-123"
    assert "auth-tok-123" not in page
    assert _code(page, "webhook-url").endswith(
        f"/api/v1/hooks/sms-voice/{integration.hook_id}/"
    )
    detail = http.get(f"{LIST}{integration.pk}/").content.decode()
    assert "auth-tok-123" not in detail and str(integration.hook_id) in detail
    assert 'type="password"' in http.get(NEW).content.decode()


def test_an_sms_webhook_needs_the_auth_token(login, admin):
    response = login(admin).post(NEW, FORM | {"kind": "sms_voice_webhook"})
    assert response.status_code == 200
    assert not Integration.objects.exists()


def test_a_signed_webhook_gets_a_secret_shown_once(login, admin):
    http = login(admin)
    page = http.post(
        NEW, FORM | {"kind": "signed_webhook", "signing_secret": "ignored"}
    ).content.decode()
    integration = Integration.objects.get()
    secret = _code(page, "signing-secret")
    assert integration.signing_secret == secret and len(secret) >= 40
    assert _code(page, "webhook-url").endswith(
        f"/api/v1/hooks/signed/{integration.hook_id}/"
    )
    assert secret not in http.get(f"{LIST}{integration.pk}/").content.decode()
    assert secret not in http.get(LIST).content.decode()


def test_replacing_the_signing_secret_shows_the_new_one_once(login, admin):
    http = login(admin)
    http.post(NEW, FORM | {"kind": "signed_webhook"})
    integration = Integration.objects.get()
    old = integration.signing_secret
    page = http.post(f"{LIST}{integration.pk}/secret/").content.decode()
    integration.refresh_from_db()
    assert _code(page, "signing-secret") == integration.signing_secret != old
    assert AuditEvent.objects.filter(
        actor=admin, action="update", object_id=integration.pk
    ).exists()


def test_only_a_signed_webhook_gets_a_secret_from_between(login, admin):
    http = login(admin)
    http.post(
        NEW, FORM | {"kind": "sms_voice_webhook", "signing_secret": "auth-tok-123"}
    )
    integration = Integration.objects.get()
    response = http.post(f"{LIST}{integration.pk}/secret/", follow=True)
    integration.refresh_from_db()
    assert integration.signing_secret == "auth-tok-123"
    assert "change the auth token there" in response.content.decode()


def test_a_mailbox_is_created_with_its_settings(login, admin, clinic):
    http = login(admin)
    page = http.post(NEW, FORM | {"kind": "mailbox"} | MAILBOX).content.decode()
    integration = Integration.objects.get()
    assert 'id="token"' in page and 'id="webhook-url"' not in page
    mailbox = MailboxSettings.objects.get(integration=integration)
    assert (mailbox.host, mailbox.port, mailbox.use_tls) == (
        "imap.example.test",
        993,
        True,
    )
    assert mailbox.practice_addresses == "desk@example.test\nreception@example.test"
    assert integration.signing_secret == ""
    assert AuditEvent.objects.filter(
        actor=admin,
        action="create",
        object_type="clinic.mailboxsettings",
        object_id=mailbox.pk,
        clinic=clinic,
    ).exists()


@pytest.mark.parametrize(
    "change",
    [
        {"host": ""},
        {"username_env": "lower-case"},
        {"password_env": ""},
        {"practice_addresses": "not an address"},
        {"practice_addresses": ""},
    ],
)
def test_a_mailbox_without_what_it_needs_is_not_created(login, admin, change):
    response = login(admin).post(NEW, FORM | {"kind": "mailbox"} | MAILBOX | change)
    assert response.status_code == 200
    assert not Integration.objects.exists()


def test_the_mailbox_settings_are_edited_and_audited(login, admin):
    http = login(admin)
    http.post(NEW, FORM | {"kind": "mailbox"} | MAILBOX)
    integration = Integration.objects.get()
    url = f"{LIST}{integration.pk}/mailbox/"
    response = http.post(url, MAILBOX | {"folder": "Clients", "port": "143"})
    assert response.status_code == 302
    mailbox = MailboxSettings.objects.get()
    assert (mailbox.folder, mailbox.port) == ("Clients", 143)
    assert AuditEvent.objects.filter(
        actor=admin, action="update", object_type="clinic.mailboxsettings"
    ).exists()
    assert http.post(url, MAILBOX | {"host": ""}).status_code == 200
    assert MailboxSettings.objects.get().host == "imap.example.test"
    detail = http.get(f"{LIST}{integration.pk}/").content.decode()
    assert "PRACTICE_MAIL_USER" in detail


def test_another_kind_has_no_mailbox_page(login, admin):
    http = login(admin)
    http.post(NEW, FORM | {"kind": "telephony"})
    integration = Integration.objects.get()
    response = http.post(f"{LIST}{integration.pk}/mailbox/", MAILBOX)
    assert response.status_code == 404
    assert not MailboxSettings.objects.exists()


def test_the_rate_limit_is_edited_and_audited(login, admin):
    http = login(admin)
    http.post(NEW, FORM | {"kind": "telephony"})
    integration = Integration.objects.get()
    url = f"{LIST}{integration.pk}/rate/"
    assert http.post(url, {"rate_per_minute": "30"}).status_code == 302
    integration.refresh_from_db()
    assert integration.rate_per_minute == 30
    assert AuditEvent.objects.filter(
        actor=admin, action="update", object_id=integration.pk
    ).exists()
    for refused in ("0", "-1", "100001", "many"):
        assert http.post(url, {"rate_per_minute": refused}).status_code == 200
    integration.refresh_from_db()
    assert integration.rate_per_minute == 30


def test_the_ingestion_settings_are_edited_and_audited(login, admin, clinic):
    http = login(admin)
    assert 'name="unmatched_retention_days"' in http.get(LIST).content.decode()
    response = http.post(
        SETTINGS,
        {"keep_message_preview": "on", "unmatched_retention_days": "14"},
    )
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.keep_message_preview is True
    assert clinic.reply_counts_any_channel is False
    assert clinic.unmatched_retention_days == 14
    assert AuditEvent.objects.filter(
        actor=admin, action="update", object_type="clinic.clinic", object_id=clinic.pk
    ).exists()
    assert http.post(SETTINGS, {"unmatched_retention_days": "0"}).status_code == 200
    clinic.refresh_from_db()
    assert clinic.unmatched_retention_days == 14


def test_unchanged_ingestion_settings_write_nothing(admin, clinic):
    values = {
        "keep_message_preview": clinic.keep_message_preview,
        "reply_counts_any_channel": clinic.reply_counts_any_channel,
        "unmatched_retention_days": clinic.unmatched_retention_days,
    }
    before = AuditEvent.objects.count()
    services.ingestion_settings_save(
        actor=admin, clinic=clinic, values=values, now=timezone.now()
    )
    assert AuditEvent.objects.count() == before


def test_the_list_shows_calls_and_refusals_of_fourteen_days(
    login, admin, clinic, django_assert_num_queries
):
    made = []
    for name in ("First", "Second", "Third"):
        integration, _ = services.integration_create(
            actor=admin,
            clinic=clinic,
            name=name,
            kind="telephony",
            scopes=["contacts:write"],
            now=timezone.now(),
        )
        made.append(integration)
    today = timezone.now().date()
    IntegrationDay.objects.create(integration=made[0], day=today, calls=41, refusals=3)
    IntegrationDay.objects.create(
        integration=made[0], day=today - dt.timedelta(days=13), calls=7
    )
    IntegrationDay.objects.create(  # before the fourteen days
        integration=made[1], day=today - dt.timedelta(days=14), calls=99
    )
    http = login(admin)
    http.get(LIST)
    with django_assert_num_queries(12):  # the same for any number of them
        page = http.get(LIST).content.decode()
    services.integration_create(
        actor=admin,
        clinic=clinic,
        name="Fourth",
        kind="mailbox",
        scopes=["contacts:write"],
        now=timezone.now(),
        mailbox={
            "host": "imap.example.test",
            "port": 993,
            "use_tls": True,
            "folder": "INBOX",
            "username_env": "U",
            "password_env": "P",
            "practice_addresses": "desk@example.test",
        },
    )
    with django_assert_num_queries(12):
        http.get(LIST)
    assert "48 calls, 3 refused" in page
    assert "0 calls, 0 refused" in page and "99" not in page
    assert page.count('class="calls"') == 2 and page.count('class="refusals"') == 1
    assert 'aria-label="48 calls and 3 refusals in the last 14 days"' in page


def test_another_clinics_integration_pages_answer_404(login, admin, outsider):
    login(outsider).post(NEW, FORM | {"kind": "signed_webhook"})
    theirs = Integration.objects.get()
    http = login(admin)
    assert http.get(f"{LIST}{theirs.pk}/").status_code == 404
    assert http.post(f"{LIST}{theirs.pk}/secret/").status_code == 404
    assert (
        http.post(f"{LIST}{theirs.pk}/rate/", {"rate_per_minute": "5"}).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.rotated_at is None and theirs.rate_per_minute == 120


@pytest.mark.parametrize("role", ["therapist", "supervisor"])
def test_clinicians_get_no_integration_pages(request, login, admin, role):
    integration, _ = services.integration_create(
        actor=admin,
        clinic=admin.memberships.get().clinic,
        name="Phones",
        kind="signed_webhook",
        scopes=["contacts:write"],
        now=timezone.now(),
    )
    http = login(request.getfixturevalue(role))
    assert http.get(f"{LIST}{integration.pk}/").status_code == 403
    assert http.post(f"{LIST}{integration.pk}/secret/").status_code == 403
    assert http.post(SETTINGS, {"unmatched_retention_days": "3"}).status_code == 403
