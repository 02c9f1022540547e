"""The clinic admin's forms for integrations and the clinic's ingestion
settings.  The services check every value again: a form only shapes it."""

from __future__ import annotations

from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.db import models

from clinic.integrations.models import (
    Integration,
    IntegrationKind,
    MailboxSettings,
    Scope,
)
from clinic.integrations.services import MAILBOX_FIELDS, RATE_PER_MINUTE_MAX
from clinic.models import Clinic

NAME_MAX = Integration._meta.get_field("name").max_length
SECRET_MAX = Integration._meta.get_field("signing_secret").max_length


def _mailbox_field(name: str, **changes: Any) -> forms.Field:
    model_field = cast(models.Field, MailboxSettings._meta.get_field(name))
    field = model_field.formfield(**changes)
    assert field is not None  # noqa: S101 (every mailbox field has a form field)
    return field


class MailboxFields(forms.Form):
    """Where a practice mailbox is read (the credentials stay in the
    environment; the form takes the names of the variables)."""

    host = _mailbox_field("host", required=False)
    port = _mailbox_field("port", required=False, min_value=1, max_value=65535)
    use_tls = _mailbox_field("use_tls", label="Use TLS")
    folder = _mailbox_field("folder", required=False)
    username_env = _mailbox_field(
        "username_env", required=False, label="User name variable"
    )
    password_env = _mailbox_field(
        "password_env", required=False, label="Password variable"
    )
    practice_addresses = _mailbox_field("practice_addresses", required=False)

    def mailbox_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in MAILBOX_FIELDS}

    def _mailbox_required(self) -> None:
        for name in ("host", "port", "folder", "username_env", "password_env"):
            if self.cleaned_data.get(name) in (None, ""):
                self.add_error(name, "This field is required.")


class IntegrationForm(MailboxFields):
    name = forms.CharField(
        max_length=NAME_MAX, help_text="The system's name, for this list only."
    )
    kind = forms.ChoiceField(choices=IntegrationKind.choices)
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="What the token may do; choose as little as the system needs.",
    )
    signing_secret = forms.CharField(
        required=False,
        max_length=SECRET_MAX,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        label="The SMS service's auth token",
        help_text="For an SMS and voice webhook only: the account's auth token, "
        "with which the service signs its deliveries. It is not shown again.",
    )
    field_order = ["name", "kind", "scopes", "signing_secret"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["port"].initial = 993
        self.fields["folder"].initial = "INBOX"
        self.fields["use_tls"].initial = True
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "name",
            "kind",
            "scopes",
            Fieldset("For an SMS and voice webhook", "signing_secret"),
            Fieldset("For a practice mailbox", *MAILBOX_FIELDS),
        )
        self.helper.add_input(Submit("create", "Create and show the token"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        if kind == IntegrationKind.SMS_VOICE_WEBHOOK and not cleaned.get(
            "signing_secret"
        ):
            self.add_error("signing_secret", "This field is required.")
        if kind == IntegrationKind.MAILBOX:
            self._mailbox_required()
        return cleaned

    def create_values(self) -> dict[str, Any]:
        """The service's arguments."""
        data = self.cleaned_data
        is_mailbox = data["kind"] == IntegrationKind.MAILBOX
        return {
            "name": data["name"],
            "kind": data["kind"],
            "scopes": data["scopes"],
            "signing_secret": data.get("signing_secret") or "",
            "mailbox": self.mailbox_values() if is_mailbox else None,
        }


class MailboxForm(MailboxFields):
    def __init__(self, *args: Any, action: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.add_input(Submit("save", "Save the mailbox settings"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._mailbox_required()
        return cleaned


class RateForm(forms.Form):
    rate_per_minute = forms.IntegerField(
        min_value=1,
        max_value=RATE_PER_MINUTE_MAX,
        label="Calls a minute",
        help_text="More calls in a minute are answered 429 (try again later).",
    )

    def __init__(self, *args: Any, action: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.add_input(Submit("save", "Save the rate limit"))


def _clinic_field(name: str, label: str) -> forms.Field:
    field = cast(models.Field, Clinic._meta.get_field(name)).formfield(label=label)
    assert field is not None  # noqa: S101 (each has a form field)
    return field


class IngestionSettingsForm(forms.Form):
    """The clinic's three choices for arriving contacts (a plain form: the
    service compares them with the clinic as saved)."""

    keep_message_preview = _clinic_field(
        "keep_message_preview", "Keep a preview of arriving messages"
    )
    reply_counts_any_channel = _clinic_field(
        "reply_counts_any_channel", "A reply on any channel answers"
    )
    unmatched_retention_days = _clinic_field(
        "unmatched_retention_days", "Days an unmatched message is kept"
    )

    def __init__(self, *args: Any, action: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.add_input(Submit("save", "Save the ingestion settings"))
