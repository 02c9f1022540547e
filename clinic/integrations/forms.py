"""The clinic admin's form for a new integration."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from clinic.integrations.models import Integration, IntegrationKind, Scope

NAME_MAX = Integration._meta.get_field("name").max_length


class IntegrationForm(forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX, help_text="The system's name, for this list only."
    )
    kind = forms.ChoiceField(choices=IntegrationKind.choices)
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="What the token may do; choose as little as the system needs.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("create", "Create and show the token"))
