"""The retention page's forms: the clinic's retention period, a legal hold
placed or lifted, and the confirmation of a destruction (the client's code
typed again, a reason, and the admin's password)."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from attachment.models.retention import REASON_MAX_LENGTH
from clinic.models import RETENTION_MAX_YEARS, RETENTION_MIN_YEARS, Clinic


def _reason(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=REASON_MAX_LENGTH,
        strip=True,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def _helper(action: str, submit: str, *, danger: bool = False) -> FormHelper:
    helper = FormHelper()
    helper.form_action = action
    helper.add_input(Submit("submit", submit, css_class="btn-danger" if danger else ""))
    return helper


class RetentionYearsForm(forms.Form):
    retention_years = forms.IntegerField(
        label="Years kept after the ending date",
        min_value=RETENTION_MIN_YEARS,
        max_value=RETENTION_MAX_YEARS,
        help_text=Clinic._meta.get_field("retention_years").help_text,
    )

    def __init__(self, *args: Any, action: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, "Save the period")


class LegalHoldForm(forms.Form):
    code = forms.CharField(label="Client code", max_length=32, strip=True)
    reason = _reason(
        "Reason for the hold",
        "A reference to the claim, request or rule; no clinical detail.",
    )

    def __init__(self, *args: Any, action: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, "Place the hold")


class LegalHoldLiftForm(forms.Form):
    reason = _reason("Why the hold ends", "No clinical detail.")

    def __init__(self, *args: Any, action: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, "Lift the hold")
        self.helper.form_class = "mb-0"


class DestructionConfirmForm(forms.Form):
    """Valid only when the code typed is the client's own."""

    code = forms.CharField(
        label="Type the client's code to confirm", max_length=32, strip=True
    )
    reason = _reason(
        "Reason for the destruction",
        "For example: retention period ended, no hold, no open request.",
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(
        self, *args: Any, expected_code: str, action: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.expected_code = expected_code
        self.helper = _helper(action, "Destroy the records", danger=True)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if code != self.expected_code:
            raise forms.ValidationError("The code typed is not this client's code.")
        return code
