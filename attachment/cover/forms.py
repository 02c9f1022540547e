"""Forms of the cover page and of break-glass.  They check what they can see;
the services check the rest (the clock, who may do what) and their refusals
come back as form errors."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms

from attachment.records.forms import ContactForm
from clinic.models import (
    BREAK_GLASS_EXPLANATION_MAX,
    BREAK_GLASS_EXPLANATION_MIN,
    BREAK_GLASS_REVIEW_NOTE_MAX,
    BreakGlassReason,
    BreakGlassVerdict,
    validate_client_code,
)


def _helper(*fields: Any, submit: str) -> FormHelper:
    helper = FormHelper()
    helper.layout = Layout(*fields)
    helper.add_input(Submit("save", submit))
    return helper


class CoverContactForm(ContactForm):
    """The contact form of the client page, on the cover page: the treating
    therapist finds the contact marked as logged by the cover."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Div(
                Div("occurred_at", css_class="col-sm-6 col-lg-4"),
                Div("channel", css_class="col-sm-6 col-lg-4"),
                Div("purpose", css_class="col-sm-6 col-lg-4"),
                css_class="row",
            ),
            Field("direction"),
            *(["in_reply_to"] if "in_reply_to" in self.fields else []),
            Fieldset(
                "Details (optional)", "summary", "duration_minutes", "responded_at"
            ),
            submit="Log contact",
        )


class BreakGlassForm(forms.Form):
    """The client is named by their exact code: there is no list and no
    search, and whether a code exists is not said before a reason is given."""

    code = forms.CharField(
        label="Client code",
        max_length=32,
        validators=[validate_client_code],
        help_text="Exactly as your clinic writes it.",
    )
    reason = forms.ChoiceField(
        choices=BreakGlassReason.choices, widget=forms.RadioSelect
    )
    explanation = forms.CharField(
        label="Why you need access now",
        max_length=BREAK_GLASS_EXPLANATION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            f"At least {BREAK_GLASS_EXPLANATION_MIN} characters.  The clinic admin "
            "and the therapist's supervisor read this: give the reason, not the "
            "client's story."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            "code", "reason", "explanation", submit="Open the cover page for 12 hours"
        )

    def clean_explanation(self) -> str:
        explanation = self.cleaned_data["explanation"].strip()
        if len(explanation) < BREAK_GLASS_EXPLANATION_MIN:
            raise forms.ValidationError(
                f"Say why in at least {BREAK_GLASS_EXPLANATION_MIN} characters."
            )
        return explanation

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "reason": data["reason"],
            "explanation": data["explanation"],
        }


class BreakGlassReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        choices=BreakGlassVerdict.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        max_length=BREAK_GLASS_REVIEW_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you found; kept with the review.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("verdict", "note", submit="Record the review")

    def values(self) -> dict[str, Any]:
        return {
            "verdict": self.cleaned_data["verdict"],
            "note": self.cleaned_data["note"],
        }
