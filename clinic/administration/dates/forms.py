from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms

from clinic.dates import DateLocale


class DateFormatForm(forms.Form):
    locale = forms.ChoiceField(
        label="Date format",
        choices=DateLocale.choices,
        widget=forms.RadioSelect,
        help_text="How every page of the clinic writes dates and times.",
        error_messages={"invalid_choice": "Choose one of the formats listed."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("locale", Submit("save", "Save"))
