"""The unmatched inbox's per-message form.  The client choices are built
once per clinic by the view (the clients the user may assign to), so that
a page of messages costs no query per row."""

from __future__ import annotations

from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms


class UnmatchedAssignForm(forms.Form):
    client = forms.TypedChoiceField(coerce=int, choices=())
    remember = forms.BooleanField(
        required=False,
        label="Remember this address for the client",
        help_text="The client's next messages from or to it are logged by themselves.",
    )

    def __init__(
        self,
        *args: Any,
        choices: list[tuple[int, str]],
        action: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["client"]).choices = [
            ("", "Choose a client"),
            *choices,
        ]
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_class = "mb-0"
        self.helper.add_input(Submit("assign", "Assign", css_class="btn-sm"))
