"""Forms of the clinic admin's configuration pages: the clinic's frame,
absences and supervision links.

The forms check what a person filling them in can get wrong (a cover who is
the absent therapist, an end before the start); the services check the rest
against the database (overlaps, roles) and their refusals are shown on the
same form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms

from clinic.administration.selectors import clinic_people, clinic_therapists
from clinic.models import Absence, Channel, Clinic, ContactPolicy, Role, User, Weekday

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
CRISIS_LINES_MAX = Clinic._meta.get_field("crisis_lines").max_length


def _person_choice(**options: Any) -> forms.ModelChoiceField:
    """A choice of people; the form narrows it to its clinic's."""
    field = forms.ModelChoiceField(queryset=User.objects.none(), **options)
    field.error_messages["invalid_choice"] = "Choose one of the people listed."
    return field


def _people_of(form: forms.Form, name: str) -> forms.ModelChoiceField:
    """The form's field ``name``, made by :func:`_person_choice`; ``fields``
    is typed as a mapping of plain fields, so its kind is restated here."""
    return cast(forms.ModelChoiceField, form.fields[name])


class AbsenceForm(forms.Form):
    therapist = _person_choice(label="Absent therapist")
    starts_on = forms.DateField(label="First day away", widget=DATE_INPUT)
    ends_on = forms.DateField(label="Last day away", widget=DATE_INPUT)
    covering_therapist = _person_choice(
        required=False,
        label="Covering therapist",
        help_text="A colleague of this clinic who answers while the therapist is away.",
    )
    note = forms.CharField(
        max_length=200,
        required=False,
        help_text="For the rota (for example “annual leave”); no client details.",
    )

    def __init__(
        self, *args: Any, clinic: Clinic, absence: Absence | None = None, **kwargs: Any
    ) -> None:
        if absence is not None:
            kwargs.setdefault(
                "initial",
                {
                    "therapist": absence.therapist_id,
                    "starts_on": absence.starts_on,
                    "ends_on": absence.ends_on,
                    "covering_therapist": absence.covering_therapist_id,
                    "note": absence.note,
                },
            )
        super().__init__(*args, **kwargs)
        therapists = clinic_therapists(clinic=clinic)
        _people_of(self, "therapist").queryset = therapists
        _people_of(self, "covering_therapist").queryset = therapists
        if absence is not None:
            self.fields["therapist"].disabled = True
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "therapist",
            Div(
                Div("starts_on", css_class="col-sm"),
                Div("ends_on", css_class="col-sm"),
                css_class="row",
            ),
            "covering_therapist",
            "note",
        )
        self.helper.add_input(Submit("save", "Save absence"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        therapist, cover = cleaned.get("therapist"), cleaned.get("covering_therapist")
        if therapist is not None and cover is not None and therapist.pk == cover.pk:
            self.add_error(
                "covering_therapist",
                "The covering therapist cannot be the absent therapist.",
            )
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The absence cannot end before it starts.")
        return cleaned


class SupervisionLinkForm(forms.Form):
    supervisor = _person_choice(label="Supervisor")
    supervisee = _person_choice(label="Supervisee")
    started_on = forms.DateField(label="Starts on", widget=DATE_INPUT)
    cosign_required = forms.BooleanField(
        required=False,
        label="The supervisee's notes need co-signature",
        help_text="For trainees: a signed note waits for the supervisor's co-signature.",
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _people_of(self, "supervisor").queryset = clinic_people(
            clinic=clinic, role=Role.SUPERVISOR
        )
        _people_of(self, "supervisee").queryset = clinic_therapists(clinic=clinic)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Create link"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        supervisor, supervisee = cleaned.get("supervisor"), cleaned.get("supervisee")
        if supervisor and supervisee and supervisor.pk == supervisee.pk:
            self.add_error("supervisee", "Nobody supervises themselves.")
        return cleaned


class SupervisionEndForm(forms.Form):
    ended_on = forms.DateField(
        label="Last day of the link",
        help_text="From the next day the supervisor no longer sees the "
        "supervisee's clients.",
        widget=DATE_INPUT,
    )

    def __init__(self, *args: Any, started_on: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.started_on = started_on
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "End the link", css_class="btn-danger"))

    def clean_ended_on(self) -> dt.date:
        ended_on = self.cleaned_data["ended_on"]
        if ended_on < self.started_on:
            raise forms.ValidationError("A link cannot end before it started.")
        return ended_on


# --- contact policies -------------------------------------------------------


def _hour_fields(day: int) -> tuple[str, str]:
    return f"day{day}_start", f"day{day}_end"


class ContactPolicyForm(forms.Form):
    """The clinic's frame: channels, hours per weekday, limits, the crisis reply
    time, and the clinic's crisis lines (saved on the clinic, see
    :meth:`crisis_lines_value`)."""

    allowed_channels = forms.MultipleChoiceField(
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Channels the client may use between sessions.",
        error_messages={
            "required": "Choose at least one channel.",
            "invalid_choice": "“%(value)s” is not a contact channel.",
        },
    )
    weekly_limit = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=200,
        help_text="Most client-initiated contacts in any rolling 7 days. Empty: no limit.",
        error_messages={
            "min_value": "The weekly limit cannot be negative.",
            "max_value": "The weekly limit can be at most %(limit_value)s.",
        },
    )
    response_window_hours = forms.IntegerField(
        min_value=1,
        max_value=336,
        initial=24,
        help_text="How soon the therapist is expected to answer, in hours.",
        error_messages={
            "min_value": "The response window must be at least 1 hour.",
            "max_value": "The response window can be at most %(limit_value)s hours.",
        },
    )
    after_ending_allowed = forms.BooleanField(
        required=False, help_text="Contact after the ending date is agreed."
    )
    crisis_reply_minutes = forms.IntegerField(
        min_value=5,
        max_value=24 * 60,
        initial=120,
        label="Crisis contacts answered within (minutes)",
        help_text="A crisis contact still unanswered after this long alerts the "
        "therapist, or the cover during an absence.",
        error_messages={
            "min_value": "Allow at least %(limit_value)s minutes.",
            "max_value": "Allow at most %(limit_value)s minutes (a day).",
        },
    )

    crisis_lines = forms.CharField(
        required=False,
        max_length=CRISIS_LINES_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Crisis lines",
        help_text="Crisis lines and their numbers for the clinic's country, one "
        "a line. They are printed on every client's safety plan.",
        error_messages={
            "max_length": "Keep the crisis lines to %(limit_value)s characters."
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in Weekday:
            start, end = _hour_fields(day.value)
            self.fields[start] = forms.TimeField(
                required=False,
                label=f"{day.label} from",
                widget=forms.TimeInput(attrs={"type": "time"}),
            )
            self.fields[end] = forms.TimeField(
                required=False,
                label="until",
                widget=forms.TimeInput(attrs={"type": "time"}),
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset("Channels", "allowed_channels"),
            Fieldset(
                "Contact hours (clinic time zone; leave a day empty for no contact)",
                *[
                    Div(
                        Div(_hour_fields(day.value)[0], css_class="col"),
                        Div(_hour_fields(day.value)[1], css_class="col"),
                        css_class="row",
                    )
                    for day in Weekday
                ],
            ),
            Fieldset(
                "Limits",
                "weekly_limit",
                "response_window_hours",
                "after_ending_allowed",
            ),
            Fieldset("Crisis", "crisis_reply_minutes", "crisis_lines"),
        )
        self.helper.add_input(Submit("save", "Save the frame"))

    @classmethod
    def initial_from(cls, policy: ContactPolicy) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "allowed_channels": policy.allowed_channels,
            "weekly_limit": policy.weekly_limit,
            "response_window_hours": policy.response_window_hours,
            "after_ending_allowed": policy.after_ending_allowed,
            "crisis_reply_minutes": policy.crisis_reply_minutes,
            "crisis_lines": policy.clinic.crisis_lines,
        }
        for day in Weekday:
            window = policy.hours_on(day.value)
            if window:
                start, end = _hour_fields(day.value)
                initial[start], initial[end] = window
        return initial

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        hours: dict[str, list[str]] = {}
        for day in Weekday:
            start_name, end_name = _hour_fields(day.value)
            start, end = cleaned.get(start_name), cleaned.get(end_name)
            if start is None and end is None:
                continue
            if start is None or end is None:
                self.add_error(
                    end_name if end is None else start_name,
                    "Give both a start and an end, or neither.",
                )
                continue
            # Hours are stored to the minute; compare what will be stored.
            start = start.replace(second=0, microsecond=0)
            end = end.replace(second=0, microsecond=0)
            if end <= start:
                self.add_error(
                    end_name, f"{day.label}: the end must be after the start."
                )
                continue
            hours[str(day.value)] = [start.strftime("%H:%M"), end.strftime("%H:%M")]
        cleaned["contact_hours"] = hours
        return cleaned

    def policy_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "allowed_channels": list(data["allowed_channels"]),
            "contact_hours": data["contact_hours"],
            "weekly_limit": data["weekly_limit"],
            "response_window_hours": data["response_window_hours"],
            "after_ending_allowed": data["after_ending_allowed"],
            "crisis_reply_minutes": data["crisis_reply_minutes"],
        }

    def crisis_lines_value(self) -> str:
        return str(self.cleaned_data["crisis_lines"])
