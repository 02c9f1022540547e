"""Forms of the supervision pages: choosing a supervisee, the session, and its
action items (a formset).

The session form is built for one supervision link: its flags are that
supervisee's live flags and its items' clients that supervisee's clients, so
nothing outside the caseload can even be chosen.  The service checks again.
Times are entered in the link's clinic time zone (the view activates it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms

from attachment.models import ActionCategory, Flag
from attachment.models.supervision import ACTION_TEXT_MAX, SESSION_NOTES_MAX
from attachment.supervision import selectors
from attachment.supervision.services import (
    ActionItemValues,
    due_on_problem,
    held_at_problem,
)
from clinic.models import Client, Supervision

MAX_ITEMS = 10
BLANK_ITEM_FORMS = 3


def _inline_helper(*fields: Any) -> FormHelper:
    """A helper for a form rendered inside the page's own ``<form>``."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = Layout(*fields)
    return helper


class FlagChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Flag) -> str:
        return (
            f"{obj.client.code} · {obj.get_tier_display()} · {obj.get_kind_display()}"
            f" · {obj.get_status_display().lower()}"
        )


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Client) -> str:
        return obj.code


class SessionForm(forms.Form):
    supervisee = forms.IntegerField(widget=forms.HiddenInput)
    held_at = forms.DateTimeField(
        label="Held at",
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    flags = FlagChoiceField(
        label="Flags discussed",
        queryset=Flag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Open and acknowledged flags you tick move to “in supervision”.",
    )
    notes = forms.CharField(
        required=False,
        max_length=SESSION_NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    follow_up_on = forms.DateField(
        label="Follow up on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self, *args: Any, link: Supervision, now: dt.datetime, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        flags = selectors.live_flags_for(link=link, now=now)
        flags_field = cast(FlagChoiceField, self.fields["flags"])
        flags_field.queryset = flags
        self.fields["supervisee"].initial = link.supervisee_id
        flags_field.initial = selectors.in_supervision_ids(flags)
        self.helper = _inline_helper(
            "supervisee",
            Div(
                Div("held_at", css_class="col-md-4"),
                Div("follow_up_on", css_class="col-md-4"),
                css_class="row",
            ),
            Field("flags"),
            "notes",
        )

    def clean_held_at(self) -> dt.datetime:
        held_at = self.cleaned_data["held_at"]
        problem = held_at_problem(held_at, now=self.now)
        if problem:
            raise forms.ValidationError(problem)
        return held_at


class ActionItemForm(forms.Form):
    owner = forms.TypedChoiceField(coerce=int)
    # A blank first choice keeps an untouched extra form unchanged, so skipped.
    category = forms.ChoiceField(choices=[("", "—"), *ActionCategory.choices])
    due_on = forms.DateField(
        label="Due on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    client = ClientChoiceField(
        queryset=None, required=False, empty_label="— no client —"
    )
    text = forms.CharField(label="What is to be done", max_length=ACTION_TEXT_MAX)

    def __init__(
        self, *args: Any, link: Supervision, today: dt.date, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        owner = cast(forms.TypedChoiceField, self.fields["owner"])
        owner.choices = [
            (link.supervisee_id, f"{link.supervisee} (supervisee)"),
            (link.supervisor_id, f"{link.supervisor} (supervisor)"),
        ]
        owner.initial = link.supervisee_id
        cast(ClientChoiceField, self.fields["client"]).queryset = selectors.clients_for(
            link=link
        )
        self.helper = _inline_helper(
            "text",
            Div(
                Div("owner", css_class="col-md-3"),
                Div("category", css_class="col-md-3"),
                Div("client", css_class="col-md-3"),
                Div("due_on", css_class="col-md-3"),
                css_class="row",
            ),
        )

    def clean_due_on(self) -> dt.date:
        due_on = self.cleaned_data["due_on"]
        problem = due_on_problem(due_on, today=self.today)
        if problem:
            raise forms.ValidationError(problem)
        return due_on

    def values(self) -> ActionItemValues:
        data = self.cleaned_data
        return ActionItemValues(
            owner_id=data["owner"],
            text=data["text"],
            category=data["category"],
            due_on=data["due_on"],
            client_id=data["client"].pk if data["client"] else None,
        )


ActionItemFormSet = forms.formset_factory(
    ActionItemForm,
    extra=BLANK_ITEM_FORMS,
    max_num=MAX_ITEMS,
    validate_max=True,
    absolute_max=MAX_ITEMS,
)


def item_values(formset: forms.BaseFormSet) -> list[ActionItemValues]:
    """The filled-in items (blank extra forms are skipped)."""
    return [
        form.values()
        for form in formset.forms
        if form.has_changed() and form.cleaned_data
    ]


class SuperviseeChoiceForm(forms.Form):
    """Which current supervisee the session was with (a GET form)."""

    supervisee = forms.TypedChoiceField(
        coerce=int,
        label="Supervisee",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, links: list[Supervision], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["supervisee"]).choices = [
            (link.supervisee_id, str(link.supervisee)) for link in links
        ]
