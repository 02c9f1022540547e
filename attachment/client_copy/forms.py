"""The copy's period: two dates, from the client's start to today unless
the therapist chooses otherwise."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
FIELDS = ("starts_on", "ends_on")


class ClientCopyForm(forms.Form):
    starts_on = forms.DateField(
        label="From",
        widget=DATE_INPUT,
        error_messages={"invalid": "Enter a date, such as 2026-03-01."},
    )
    ends_on = forms.DateField(
        label="To",
        widget=DATE_INPUT,
        error_messages={"invalid": "Enter a date, such as 2026-03-31."},
    )

    def __init__(
        self, *args: Any, started_on: dt.date, today: dt.date, **kwargs: Any
    ) -> None:
        kwargs.setdefault(
            "initial", {"starts_on": min(started_on, today), "ends_on": today}
        )
        super().__init__(*args, **kwargs)
        self.today = today
        for name in FIELDS:
            self.fields[name].widget.attrs["max"] = today.isoformat()
        # The page holds the form tag and its button, so that the query
        # carries the two dates and nothing else (no CSRF token in a URL).
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("starts_on", css_class="col-sm-6 col-md-4"),
                Column("ends_on", css_class="col-sm-6 col-md-4"),
            )
        )

    @classmethod
    def is_asked(cls, query: Any) -> bool:
        """The query names one of the dates: the therapist asked for a copy."""
        return any(name in query for name in FIELDS)

    def clean(self) -> dict[str, Any]:
        super().clean()
        starts_on = self.cleaned_data.get("starts_on")
        ends_on = self.cleaned_data.get("ends_on")
        later = [
            name
            for name, day in (("starts_on", starts_on), ("ends_on", ends_on))
            if day is not None and day > self.today
        ]
        for name in later:
            self.add_error(
                name,
                f"Choose a date up to today ({self.today.day} "
                f"{self.today:%B %Y}): the record holds nothing later.",
            )
        if not later and starts_on and ends_on and starts_on > ends_on:
            self.add_error(
                "starts_on",
                "The start date is after the end date: choose one before it.",
            )
        return self.cleaned_data
