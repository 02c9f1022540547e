"""Forms for between-session records.

Times are entered and shown in the clinic's time zone: the views activate it
while a form is bound and rendered, so Django's own parsing makes them aware.
Forms check what they can see; the services check the rest (the clock, the
stored rupture) and their refusals come back as form errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypedDict

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from attachment.models import (
    MARKERS_OF_KIND,
    MAX_CALL_MINUTES,
    MEASURE_MAX,
    MEASURE_MIN,
    SUMMARY_MAX_LENGTH,
    AgendaPriority,
    Contact,
    CopingStrategy,
    DependencyMarker,
    DependencyTrigger,
    Direction,
    Purpose,
    RepairOutcome,
    RepairStrategy,
    Rupture,
    RuptureKind,
    RuptureMarker,
    RuptureSetting,
    RuptureStatus,
    Severity,
)
from clinic.dates import format_when
from clinic.models import Channel

TEXT_MAX = 4000


def _moment(label: str, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
    )


def _text(label: str, *, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _helper(*fields: Any, submit: str) -> FormHelper:
    helper = FormHelper()
    helper.layout = Layout(*fields)
    helper.add_input(Submit("save", submit))
    return helper


NOT_A_REPLY = "I started this contact"


def reply_choice_label(contact: Contact) -> str:
    """A client contact a reply may answer, in the active (clinic) time zone:
    when, how and why, never its summary."""
    when = timezone.localtime(contact.occurred_at)
    parts = [format_when(when, "daytime"), contact.get_channel_display()]
    if contact.purpose:
        parts.append(contact.get_purpose_display().lower())
    return " · ".join(parts)


def _reply_field(replies: Sequence[Contact]) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label="In reply to",
        choices=[
            ("", NOT_A_REPLY),
            *((str(contact.pk), reply_choice_label(contact)) for contact in replies),
        ],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text="For a contact from the therapist: the client's contact it answers.",
    )


def reply_preselected(query: Mapping[str, str]) -> dict[str, Any]:
    """Initial values for a reply to the contact named in the query string
    (``?in_reply_to=<id>``, from an alert's "Log the reply" link): a contact
    from the therapist answering it.  The form's choices still decide whether
    that contact may be answered."""
    value = query.get("in_reply_to", "")
    if not value.isdigit():
        return {}
    return {"in_reply_to": int(value), "direction": Direction.FROM_THERAPIST}


class ContactForm(forms.Form):
    """Channel, direction and time are enough; the rest is optional.

    Given ``replies`` (the client's contacts a reply may answer), a contact
    from the therapist can be linked to the one it answers."""

    occurred_at = _moment("When")
    channel = forms.ChoiceField(choices=Channel.choices)
    direction = forms.ChoiceField(
        choices=Direction.choices,
        widget=forms.RadioSelect,
        initial=Direction.FROM_CLIENT,
    )
    purpose = forms.ChoiceField(choices=[("", "—"), *Purpose.choices], required=False)
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)",
        required=False,
        min_value=0,
        max_value=MAX_CALL_MINUTES,
        help_text="For calls.",
    )
    summary = forms.CharField(
        required=False,
        max_length=SUMMARY_MAX_LENGTH,
        help_text="A few words; optional.",
    )
    responded_at = _moment("Answered at", required=False)

    def __init__(
        self, *args: Any, replies: Sequence[Contact] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if replies is not None:
            self.fields["in_reply_to"] = _reply_field(replies)
        self.helper = _helper(
            Div(
                Div("occurred_at", css_class="col-md-4"),
                Div("channel", css_class="col-md-4"),
                Div("purpose", css_class="col-md-4"),
                css_class="row",
            ),
            Field("direction"),
            *(["in_reply_to"] if replies is not None else []),
            Fieldset(
                "Details (optional)", "summary", "duration_minutes", "responded_at"
            ),
            submit="Log contact",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if (
            cleaned.get("in_reply_to") is not None
            and cleaned.get("direction") != Direction.FROM_THERAPIST
        ):
            self.add_error(
                "in_reply_to", "Only a contact from the therapist answers one."
            )
        responded_at = cleaned.get("responded_at")
        if responded_at is None:
            return cleaned
        if cleaned.get("direction") == Direction.FROM_THERAPIST:
            self.add_error(
                "responded_at", "Only a contact from the client is answered."
            )
        elif cleaned.get("occurred_at") and responded_at < cleaned["occurred_at"]:
            self.add_error("responded_at", "The answer cannot come before the contact.")
        return cleaned

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "occurred_at": data["occurred_at"],
            "channel": data["channel"],
            "direction": data["direction"],
            "purpose": data["purpose"],
            "duration_minutes": data["duration_minutes"],
            "summary": data["summary"],
            "responded_at": data["responded_at"],
            **({"in_reply_to": data["in_reply_to"]} if "in_reply_to" in data else {}),
        }


CHOICE_BUTTONS = "attachment/records/_choice_buttons.html"


class QuickContactForm(ContactForm):
    """The short version on the client page and from the caseload: a contact
    logged in seconds.  Direction and purpose are rows of large buttons (one
    tap each), the time defaults to now and the channel to the client's
    last one, so that saving may be the only other tap."""

    return_to = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("duration_minutes", "summary"):
            self.fields[name].widget = forms.HiddenInput()
        self.fields["purpose"] = forms.ChoiceField(
            label="Purpose",
            choices=[("", "Not now"), *Purpose.choices],
            required=False,
            widget=forms.RadioSelect,
        )
        self.helper = _helper(
            Div(
                Div("occurred_at", css_class="col-sm-6 col-lg-4"),
                Div("channel", css_class="col-sm-6 col-lg-3"),
                css_class="row",
            ),
            Field("direction", template=CHOICE_BUTTONS),
            Field("purpose", template=CHOICE_BUTTONS),
            Div(
                Div("responded_at", css_class="col-sm-6 col-lg-4"),
                *(
                    [Div("in_reply_to", css_class="col-sm-6 col-lg-8")]
                    if "in_reply_to" in self.fields
                    else []
                ),
                css_class="row",
            ),
            "return_to",
            submit="Log contact",
        )
        self.helper.form_show_labels = True


def _rupture_marker_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    labels = dict(RuptureMarker.choices)
    return [
        (
            RuptureKind(kind).label,
            [(code, labels[code]) for code in MARKERS_OF_KIND[kind]],
        )
        for kind in (RuptureKind.WITHDRAWAL, RuptureKind.CONFRONTATION)
    ]


class RuptureForm(forms.Form):
    noticed_at = _moment("Noticed at")
    setting = forms.ChoiceField(
        choices=RuptureSetting.choices, widget=forms.RadioSelect
    )
    channel = forms.ChoiceField(
        choices=[("", "—"), *Channel.choices],
        required=False,
        help_text="Between sessions: where it happened.",
    )
    kind = forms.ChoiceField(choices=RuptureKind.choices, widget=forms.RadioSelect)
    markers = forms.MultipleChoiceField(
        choices=_rupture_marker_choices(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Markers of the chosen kind (Rupture Resolution Rating System).",
    )
    severity = forms.TypedChoiceField(
        choices=Severity.choices, coerce=int, initial=Severity.MILD
    )
    priority = forms.TypedChoiceField(
        label="Agenda priority",
        choices=AgendaPriority.choices,
        coerce=int,
        initial=AgendaPriority.NORMAL,
    )
    description = _text("Description")
    status = forms.ChoiceField(
        choices=RuptureStatus.choices, initial=RuptureStatus.OPEN
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["status"]
        self.helper = _helper(
            Div(
                Div("noticed_at", css_class="col-md-4"),
                Div("setting", css_class="col-md-4"),
                Div("channel", css_class="col-md-4"),
                css_class="row",
            ),
            "kind",
            "markers",
            Div(
                Div("severity", css_class="col-md-4"),
                Div("priority", css_class="col-md-4"),
                Div("status", css_class="col-md-4") if editing else Div(),
                css_class="row",
            ),
            "description",
            submit="Save rupture",
        )

    @classmethod
    def initial_from(cls, rupture: Rupture) -> dict[str, Any]:
        return {
            name: getattr(rupture, name)
            for name in (
                "noticed_at",
                "setting",
                "channel",
                "kind",
                "markers",
                "severity",
                "priority",
                "description",
                "status",
            )
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        kind = cleaned.get("kind")
        markers = cleaned.get("markers") or []
        if kind and any(marker not in MARKERS_OF_KIND[kind] for marker in markers):
            self.add_error("markers", "Choose markers of the rupture's kind only.")
        setting = cleaned.get("setting")
        if setting == RuptureSetting.BETWEEN_SESSIONS and not cleaned.get("channel"):
            self.add_error("channel", "Give the channel of a rupture between sessions.")
        if setting == RuptureSetting.IN_SESSION:
            cleaned["channel"] = ""
        return cleaned

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class RepairForm(forms.Form):
    attempted_at = _moment("When")
    setting = forms.ChoiceField(
        choices=RuptureSetting.choices, widget=forms.RadioSelect
    )
    strategy = forms.ChoiceField(choices=RepairStrategy.choices)
    outcome = forms.ChoiceField(choices=RepairOutcome.choices)
    client_response = _text("Client's response")

    def __init__(self, *args: Any, rupture: Rupture, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rupture = rupture
        self.helper = _helper(
            Div(
                Div("attempted_at", css_class="col-md-4"),
                Div("setting", css_class="col-md-4"),
                css_class="row",
            ),
            Div(
                Div("strategy", css_class="col-md-6"),
                Div("outcome", css_class="col-md-6"),
                css_class="row",
            ),
            "client_response",
            submit="Record repair attempt",
        )

    def clean_attempted_at(self) -> dt.datetime:
        attempted_at = self.cleaned_data["attempted_at"]
        if attempted_at < self.rupture.noticed_at:
            raise ValidationError("A repair cannot come before its rupture.")
        return attempted_at

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class ObservationForm(forms.Form):
    observed_at = _moment("Observed at")
    markers = forms.MultipleChoiceField(
        choices=DependencyMarker.choices, widget=forms.CheckboxSelectMultiple
    )
    intensity = forms.TypedChoiceField(
        choices=[(value, str(value)) for value in range(5)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text="0 none to 4 overwhelming.",
    )
    triggers = forms.MultipleChoiceField(
        choices=DependencyTrigger.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = _text("Note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            "observed_at",
            "markers",
            "intensity",
            "triggers",
            "note",
            submit="Save observation",
        )

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


def _score(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=MEASURE_MIN,
        max_value=MEASURE_MAX,
        max_digits=3,
        decimal_places=2,
        help_text="Mean item score, 1 to 6.",
    )


class MeasureValues(TypedDict):
    """A measure's scores as ``measure_record`` takes them, each with its type."""

    measured_on: dt.date
    secure: Decimal
    avoidant_fearful: Decimal
    preoccupied_merger: Decimal


class MeasureForm(forms.Form):
    """Subscale scores only; the instrument's items are never entered here."""

    measured_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    secure = _score("Secure")
    avoidant_fearful = _score("Avoidant-fearful")
    preoccupied_merger = _score("Preoccupied-merger")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            "measured_on",
            Div(
                Div("secure", css_class="col-md-4"),
                Div("avoidant_fearful", css_class="col-md-4"),
                Div("preoccupied_merger", css_class="col-md-4"),
                css_class="row",
            ),
            submit="Save scores",
        )

    def values(self) -> MeasureValues:
        data = self.cleaned_data
        return MeasureValues(
            measured_on=data["measured_on"],
            secure=data["secure"],
            avoidant_fearful=data["avoidant_fearful"],
            preoccupied_merger=data["preoccupied_merger"],
        )


class CopingPlanForm(forms.Form):
    triggers = forms.MultipleChoiceField(
        choices=DependencyTrigger.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    trigger_details = _text("Triggers in the client's words")
    strategies = forms.MultipleChoiceField(
        label="The client's own coping strategies",
        choices=CopingStrategy.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other_strategies = _text("Other strategies", rows=2)
    supports = _text("Other supports", rows=2)
    crisis_steps = _text("Crisis steps")
    review_on = forms.DateField(
        label="Review on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Fieldset("Triggers", "triggers", "trigger_details"),
            Fieldset("Coping", "strategies", "other_strategies", "supports"),
            Fieldset("Crisis and review", "crisis_steps", "review_on"),
            submit="Save as new version",
        )

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}
