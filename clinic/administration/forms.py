"""Forms of the clinic admin's configuration pages: absences and supervision.

The forms check what a person filling them in can get wrong (a cover who is
the absent therapist, an end before the start); the services check the rest
against the database (overlaps, roles) and their refusals are shown on the
same form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms

from clinic.administration.selectors import clinic_people, clinic_therapists
from clinic.models import Absence, Clinic, Role, User

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


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
