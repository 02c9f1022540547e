"""Forms of the notes app, with crispy (bootstrap5) layouts.

The note form is built for one format at a time: it shows only that
format's sections, each with a short prompt, so the stored row always holds
exactly one format's sections.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.utils import timezone

from notes.agenda import AgendaItem
from notes.models import (
    FORMAT_SECTIONS,
    RISK_SUMMARY_MAX,
    Attendance,
    Modality,
    NoteFormat,
    RiskLevel,
)

SECTION_MAX = 20_000
TEXT_MAX = 20_000
EARLIEST_SESSION = dt.datetime(2000, 1, 1)

SECTION_PROMPTS: dict[str, tuple[str, str]] = {
    "subjective": ("Subjective", "What the client reported: concerns, mood, events."),
    "objective": ("Objective", "What you observed: presentation, affect, behaviour."),
    "assessment": ("Assessment", "Your clinical understanding and progress."),
    "plan": ("Plan", "Next steps, homework, next session."),
    "data": ("Data", "What was said and observed in the session."),
    "behaviour": ("Behaviour", "The client's presentation and what they brought."),
    "intervention": ("Intervention", "What you did: techniques and focus."),
    "response": ("Response", "How the client responded to the intervention."),
    "free_text": ("Note", "The session in your own words."),
}


RISK_FIELDS = ("risk_level", "risk_summary")
RISK_SUMMARY_NEEDED = "Describe the risk in a sentence: a level above none needs one."
RISK_LEVEL_NEEDED = "Choose the risk level this sentence describes."


def _password_field() -> forms.CharField:
    return forms.CharField(
        label="Your password",
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Asked again because a signature is a legal act.",
    )


class NoteForm(forms.Form):
    """Session facts, the chosen format's sections, and the agenda items the
    session discussed."""

    format = forms.ChoiceField(choices=NoteFormat.choices, widget=forms.HiddenInput)
    session_at = forms.DateTimeField(
        label="Session start",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)", min_value=1, max_value=600, initial=50
    )
    modality = forms.ChoiceField(choices=Modality.choices, initial=Modality.IN_PERSON)
    attendance = forms.ChoiceField(
        choices=Attendance.choices, initial=Attendance.ATTENDED
    )
    risk_level = forms.ChoiceField(
        label="Risk level",
        choices=RiskLevel.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text="Your judgement of risk to the client or others at this session. "
        "A draft may leave it open; signing needs it.",
    )
    risk_summary = forms.CharField(
        label="Risk, in a sentence",
        required=False,
        max_length=RISK_SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What the level rests on, and what was agreed (for example, "
        "the safety plan reviewed). Needed for any level above none.",
    )
    discussed = forms.MultipleChoiceField(
        label="Discussed in this session",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ticked items link to this note and leave the agenda.",
    )

    def __init__(
        self,
        *args: Any,
        note_format: str,
        zone: zoneinfo.ZoneInfo,
        now: dt.datetime,
        agenda_items: list[AgendaItem],
        submit_label: str = "Save draft",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.now = now
        self.note_format = note_format
        self.fields["format"].initial = note_format
        for name in FORMAT_SECTIONS[note_format]:
            label, prompt = SECTION_PROMPTS[name]
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=SECTION_MAX,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=prompt,
            )
        # ``fields`` is typed as holding plain fields; this one is declared above.
        discussed = cast(forms.MultipleChoiceField, self.fields["discussed"])
        discussed.choices = [
            (item.key, f"{item.kind}: {item.label}") for item in agenda_items
        ]
        if not agenda_items:
            del self.fields["discussed"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = self._layout(submit_label)

    def _layout(self, submit_label: str) -> Layout:
        facts = Div(
            Div(Field("session_at"), css_class="col-md-4"),
            Div(Field("duration_minutes"), css_class="col-md-2"),
            Div(Field("modality"), css_class="col-md-3"),
            Div(Field("attendance"), css_class="col-md-3"),
            css_class="row",
        )
        parts: list[Any] = [
            "format",
            facts,
            Fieldset(
                f"{NoteFormat(self.note_format).label} sections",
                *FORMAT_SECTIONS[self.note_format],
            ),
            Fieldset("Risk", *RISK_FIELDS),
        ]
        if "discussed" in self.fields:
            parts.append(Fieldset("Next-session agenda", "discussed"))
        parts.append(Submit("save", submit_label))
        return Layout(*parts)

    def clean_format(self) -> str:
        value = self.cleaned_data["format"]
        if value != self.note_format:
            raise forms.ValidationError("The format changed while writing; reload.")
        return value

    def clean_session_at(self) -> dt.datetime:
        """The input is wall-clock time in the clinic's time zone."""
        value: dt.datetime = self.cleaned_data["session_at"]
        local = timezone.make_naive(value) if timezone.is_aware(value) else value
        if local < EARLIEST_SESSION:
            raise forms.ValidationError("Enter a session date from 2000 onwards.")
        # Compared as wall-clock times: aware arithmetic near year 9999 overflows.
        latest = timezone.localtime(self.now, self.zone).replace(tzinfo=None)
        if local > latest + dt.timedelta(days=1):
            raise forms.ValidationError("A session cannot start more than a day ahead.")
        return local.replace(tzinfo=self.zone)

    def clean(self) -> dict[str, Any]:
        """A level above none is described; a sentence has a level (the
        database holds the same two rules)."""
        cleaned = super().clean() or {}
        level = cleaned.get("risk_level", "")
        summary = cleaned.get("risk_summary", "")
        if "risk_level" in cleaned and "risk_summary" in cleaned:
            if level and level != RiskLevel.NONE and not summary:
                self.add_error("risk_summary", RISK_SUMMARY_NEEDED)
            elif summary and not level:
                self.add_error("risk_level", RISK_LEVEL_NEEDED)
        return cleaned

    def note_values(self) -> dict[str, Any]:
        values = {
            name: self.cleaned_data[name]
            for name in (
                "session_at",
                "duration_minutes",
                "modality",
                "attendance",
                "format",
                *RISK_FIELDS,
            )
        }
        for name in FORMAT_SECTIONS[self.note_format]:
            values[name] = self.cleaned_data.get(name, "")
        return values

    @staticmethod
    def initial_from(note: Any, zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
        initial = {
            "session_at": note.session_at.astimezone(zone).replace(tzinfo=None),
            "duration_minutes": note.duration_minutes,
            "modality": note.modality,
            "attendance": note.attendance,
            "risk_level": note.risk_level,
            "risk_summary": note.risk_summary,
        }
        for sections in FORMAT_SECTIONS.values():
            for name in sections:
                initial[name] = getattr(note, name)
        return initial


class PasswordConfirmForm(forms.Form):
    """Sign or co-sign: the password once more."""

    password = _password_field()

    def __init__(self, *args: Any, submit_label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("password", Submit("sign", submit_label))


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="A correction or late entry. It is dated, signed and cannot be "
        "changed later; the original note stays as it is.",
    )
    password = _password_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("text", "password", Submit("sign", "Sign addendum"))

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Write the addendum.")
        return text


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label="What needs revision",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The trainee sees this with the returned draft.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "comment", Submit("return", "Return for revision", css_class="btn-warning")
        )

    def clean_comment(self) -> str:
        comment = self.cleaned_data["comment"].strip()
        if not comment:
            raise forms.ValidationError("Say what needs revision.")
        return comment


class TextForm(forms.Form):
    """A single text: a process note."""

    text = forms.CharField(
        label="Process note",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Private: only you can read this. It appears in no list, "
        "export, search or summary.",
    )

    def __init__(self, *args: Any, submit_label: str = "Save", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("text", Submit("save", submit_label))

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Write something first.")
        return text


class ReflectionForm(forms.Form):
    text = forms.CharField(
        label="Reflection",
        max_length=TEXT_MAX,
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "placeholder": "A breakthrough to build on, a worry, a technique "
                "to revisit…",
            }
        ),
    )
    bring_to_next_session = forms.BooleanField(
        label="Bring to next session",
        required=False,
        help_text="Puts it on the next-session agenda until a note takes it.",
    )

    def __init__(self, *args: Any, submit_label: str = "Save", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "text", "bring_to_next_session", Submit("save", submit_label)
        )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Write something first.")
        return text


class PreferenceForm(forms.Form):
    default_format = forms.ChoiceField(
        label="Default note format",
        choices=NoteFormat.choices,
        widget=forms.RadioSelect,
        help_text="New notes start in this format; you can switch per note.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("default_format", Submit("save", "Save"))
