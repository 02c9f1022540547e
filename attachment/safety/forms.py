"""The safety plan form: the six Stanley–Brown sections, worded for writing
the plan with the client, in the client's own words."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms

from attachment.models import SAFETY_PLAN_SECTIONS, SafetyPlan
from attachment.models.safety import SAFETY_TEXT_MAX
from attachment.safety.services import NOTHING_WRITTEN

#: (label, help text) of each section, in the order of SAFETY_PLAN_SECTIONS.
SECTION_PROMPTS: dict[str, tuple[str, str]] = {
    "warning_signs": (
        "1. Warning signs",
        "Thoughts, images, moods, situations or behaviours that tell the client "
        "a crisis may be building, in their own words (for example: "
        "\u201cI stop answering messages\u201d).",
    ),
    "internal_coping": (
        "2. Things I can do on my own",
        "What the client can do alone to take their mind off problems without "
        "contacting anyone: a walk, music, a breathing exercise, a shower.",
    ),
    "distraction": (
        "3. People and places that help me take my mind off things",
        "People to be with and places to go that help the client feel "
        "different, without needing to talk about the crisis. Names and "
        "numbers where the client wants them.",
    ),
    "help_people": (
        "4. People I can ask for help",
        "Family members or friends the client can tell they are struggling and "
        "ask for help, with their phone numbers.",
    ),
    "professionals": (
        "5. Professionals I can contact",
        "The therapist, the GP, an out-of-hours service, with how and when to "
        "reach each. The clinic's crisis lines are printed on every copy.",
    ),
    "environment": (
        "6. Making my surroundings safer",
        "What the client agreed to do to make their surroundings safer, such "
        "as keeping medication elsewhere, and who will help.",
    ),
}


class SafetyPlanForm(forms.Form):
    """One version of the plan.  Every section may be left empty while it is
    worked out, but not all of them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, _heading in SAFETY_PLAN_SECTIONS:
            label, help_text = SECTION_PROMPTS[name]
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=SAFETY_TEXT_MAX,
                help_text=help_text,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset("When a crisis may be coming", "warning_signs"),
            Fieldset(
                "What helps, on my own and with others",
                "internal_coping",
                "distraction",
                "help_people",
            ),
            Fieldset("Help from professionals", "professionals"),
            Fieldset("Keeping safe", "environment"),
            Submit("save", "Save as new version"),
        )

    @staticmethod
    def initial_from(plan: SafetyPlan | None) -> dict[str, str]:
        if plan is None:
            return {}
        return {name: getattr(plan, name) for name in SECTION_PROMPTS}

    def values(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in SECTION_PROMPTS}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not any(cleaned.get(name) for name in SECTION_PROMPTS):
            raise forms.ValidationError(NOTHING_WRITTEN)
        return cleaned
