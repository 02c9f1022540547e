"""Submissions drawn from the adapters' forms' own fields, about half of them
valid: a new webhook or mailbox integration, the rate limit, the mailbox
settings and the clinic's ingestion settings.  What the service accepts is
saved as submitted; anything else comes back with the form and writes
nothing.  Never a server error.

Each example runs inside a savepoint that is rolled back afterwards.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from hypothesis import event, given
from hypothesis import strategies as st

from clinic.integrations import services
from clinic.integrations.forms import (
    IngestionSettingsForm,
    IntegrationForm,
    MailboxForm,
    RateForm,
)
from clinic.integrations.models import Integration, MailboxSettings
from clinic.models import AuditEvent, Clinic
from tests.strategies import (
    ABSENT,
    FIXTURES_RESET,
    as_posted,
    assert_refused,
    form_data,
    rolled_back,
    signed_in,
)

LIST = "/manage/integrations/"
MAILBOX = {
    "host": "imap.example.test",
    "port": 993,
    "use_tls": True,
    "folder": "INBOX",
    "username_env": "MAIL_USER",
    "password_env": "MAIL_PASSWORD",
    "practice_addresses": "desk@example.test",
}
# Valid draws of the fields whose rules the form alone does not know.
MAILBOX_VALID = {
    "username_env": st.sampled_from(["MAIL_USER", "_U1", "PRACTICE_IMAP_USER"]),
    "password_env": st.sampled_from(["MAIL_PASSWORD", "P"]),
    "practice_addresses": st.sampled_from(
        ["desk@example.test", "Desk@Example.test\nreception@example.test\n"]
    ),
}
ADAPTER_KINDS = st.sampled_from(["sms_voice_webhook", "signed_webhook", "mailbox"])


@pytest.fixture
def mailbox_integration(clinic, admin) -> Integration:
    integration, _ = services.integration_create(
        actor=admin,
        clinic=clinic,
        name="Mailbox",
        kind="mailbox",
        scopes=["contacts:write"],
        now=timezone.now(),
        mailbox=MAILBOX,
    )
    return integration


def _writes() -> int:
    return AuditEvent.objects.exclude(action__in=["read", "denied"]).count()


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_new_adapter_is_created_whole_or_not_at_all(admin, data):
    before = _writes()
    submitted = data.draw(
        form_data(
            IntegrationForm(),
            valid={"kind": ADAPTER_KINDS, "scopes": st.just(["contacts:write"])}
            | MAILBOX_VALID,
        ),
        label="submitted",
    )
    response = signed_in(admin)().post(LIST + "new/", submitted)
    page = response.content.decode()
    assert response.status_code == 200
    created = list(Integration.objects.all())
    event("created" if created else "refused")
    if 'id="token"' not in page:
        assert created == [] and _writes() == before
        assert_refused(response, submitted)
        return
    [integration] = created
    form = IntegrationForm(as_posted(submitted))
    assert form.is_valid()
    kind = form.cleaned_data["kind"]
    assert integration.kind == kind
    has_mailbox = MailboxSettings.objects.filter(integration=integration).exists()
    assert has_mailbox == (kind == "mailbox")
    if kind == "sms_voice_webhook":
        assert integration.signing_secret == form.cleaned_data["signing_secret"]
        assert integration.signing_secret not in page
    if kind == "signed_webhook":
        assert integration.signing_secret in page
    if kind == "mailbox":
        assert integration.signing_secret == ""
    assert _writes() == before + 1 + has_mailbox


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_a_rate_limit_is_saved_as_submitted_or_not_at_all(
    admin, mailbox_integration, data
):
    submitted = data.draw(form_data(RateForm(action="/")), label="submitted")
    response = signed_in(admin)().post(
        f"{LIST}{mailbox_integration.pk}/rate/", submitted
    )
    saved = Integration.objects.get(pk=mailbox_integration.pk).rate_per_minute
    form = RateForm(as_posted(submitted), action="/")
    if response.status_code == 302:
        assert form.is_valid() and saved == form.cleaned_data["rate_per_minute"]
    else:
        assert saved == 120
        assert_refused(response, submitted, "rate_form")


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_mailbox_settings_are_saved_as_submitted_or_not_at_all(
    admin, mailbox_integration, data
):
    submitted = data.draw(
        form_data(MailboxForm(action="/"), valid=MAILBOX_VALID), label="submitted"
    )
    response = signed_in(admin)().post(
        f"{LIST}{mailbox_integration.pk}/mailbox/", submitted
    )
    saved = MailboxSettings.objects.get(integration=mailbox_integration)
    form = MailboxForm(as_posted(submitted), action="/")
    if response.status_code == 302:
        assert form.is_valid()
        values = form.mailbox_values()
        assert (saved.host, saved.port, saved.use_tls, saved.folder) == (
            values["host"].strip(),
            values["port"],
            values["use_tls"],
            values["folder"].strip(),
        )
        assert saved.practice_addresses == "\n".join(
            line.strip().lower()
            for line in values["practice_addresses"].splitlines()
            if line.strip()
        )
    else:
        assert (saved.host, saved.port) == (MAILBOX["host"], MAILBOX["port"])
        assert_refused(response, submitted, "mailbox_form")


@FIXTURES_RESET
@given(data=st.data())
@rolled_back
def test_ingestion_settings_are_saved_as_submitted_or_not_at_all(clinic, admin, data):
    submitted = data.draw(
        form_data(
            IngestionSettingsForm(action="/"),
            valid={"keep_message_preview": st.sampled_from([ABSENT, "on"])},
        ),
        label="submitted",
    )
    response = signed_in(admin)().post(LIST + "settings/", submitted)
    saved = Clinic.objects.get(pk=clinic.pk)
    form = IngestionSettingsForm(as_posted(submitted), action="/")
    if response.status_code == 302:
        assert form.is_valid()
        assert {
            name: getattr(saved, name) for name in services.INGESTION_SETTINGS
        } == form.cleaned_data
    else:
        assert saved.unmatched_retention_days == 30
        assert_refused(response, submitted, "settings_form")
