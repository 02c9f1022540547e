"""Forms of the flag review.  Each step is a POST of its own small form, so
that a missing reason lands as an error beside the field on the flag page and
nothing is saved."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.urls import reverse

from attachment.models import FlagResponse, FlagStatus, FlagStatusChange, Usefulness

REASON_MAX = FlagStatusChange._meta.get_field("reason").max_length
RESPONSE_MAX = FlagResponse._meta.get_field("text").max_length


def _helper(action: str, flag_id: int, submit: str, *fields: str) -> FormHelper:
    helper = FormHelper()
    helper.form_action = reverse(action, args=[flag_id])
    helper.layout = Layout(*(Field(name) for name in fields))
    helper.add_input(Submit("save", submit))
    return helper


class FlagStepForm(forms.Form):
    """A step without fields (acknowledge, bring to supervision): the form
    carries the CSRF token and the button."""

    def __init__(self, *args, flag_id: int, action: str, submit: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(action, flag_id, submit)
        self.helper.form_class = "d-inline"


class FlagCloseForm(forms.Form):
    """Resolve or dismiss; the reason is required and kept in the history."""

    outcome = forms.ChoiceField(
        label="Close as",
        choices=[
            (FlagStatus.RESOLVED, "Resolved: the pattern was dealt with"),
            (FlagStatus.DISMISSED, "Dismissed: not a concern for this client"),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason",
        max_length=REASON_MAX,
        help_text="Kept in the flag's history with your name and the time.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    usefulness = forms.ChoiceField(
        label="Was this flag useful in supervision?",
        choices=Usefulness.choices,
        widget=forms.RadioSelect,
        help_text="The clinic counts the answers per detector to see which ones help.",
    )

    def __init__(self, *args, flag_id: int, by_therapist: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if by_therapist:
            self.fields["reason"].help_text = (
                "Kept in the flag's history with your name and the time; "
                "your supervisor reads it there."
            )
        self.helper = _helper(
            "attachment:flag_close",
            flag_id,
            "Close the flag",
            "outcome",
            "reason",
            "usefulness",
        )


class FlagResponseForm(forms.Form):
    """The treating therapist's answer to the flag."""

    text = forms.CharField(
        label="Your response",
        max_length=RESPONSE_MAX,
        help_text="For example: discussed with client; agreed texting only "
        "for scheduling.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, flag_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            "attachment:flag_respond", flag_id, "Add the response", "text"
        )
