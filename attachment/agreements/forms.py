"""Forms of the between-sessions agreement.

The form checks what a person filling it in can get wrong (an end before a
start, a rule for a channel not agreed); the service checks the rest (the
date against the clock, the frame, the supervisor) and its refusals come back
on the same form.  Hours are the client's, in the time zone chosen on the
form.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import cache
from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout, Submit
from django import forms

from attachment.models import Acknowledgement, ContactAgreement, Purpose
from attachment.models.agreements import AGREEMENT_TEXT_MAX
from clinic.models import Channel, ContactTerms, Weekday

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
TIME_INPUT = forms.TimeInput(attrs={"type": "time"})
REPLY_HOURS_MAX = 24 * 14
WEEKLY_LIMIT_MAX = 200


@cache
def time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def hour_fields(day: int) -> tuple[str, str]:
    return f"day{day}_start", f"day{day}_end"


def rule_field(channel: str) -> str:
    return f"purposes_{channel}"


def _text(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=AGREEMENT_TEXT_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AgreementForm(forms.Form):
    """One version of the agreement: its terms, its words, the date it takes
    effect and the client's time zone."""

    allowed_channels = forms.MultipleChoiceField(
        label="Channels",
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="How the client may get in touch between sessions.",
        error_messages={"invalid_choice": "“%(value)s” is not a contact channel."},
    )
    weekly_limit = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=WEEKLY_LIMIT_MAX,
        help_text="Most contacts from the client in any 7 days, not counting "
        "distress or crisis. Empty: no limit.",
        error_messages={
            "min_value": "The weekly limit cannot be negative.",
            "max_value": "The weekly limit can be at most %(limit_value)s.",
        },
    )
    reply_hours = forms.IntegerField(
        label="Expected reply time (hours)",
        min_value=1,
        max_value=REPLY_HOURS_MAX,
        error_messages={
            "min_value": "The reply time is at least 1 hour.",
            "max_value": "The reply time can be at most %(limit_value)s hours.",
        },
    )
    after_ending_allowed = forms.BooleanField(
        label="Contact after the ending is agreed", required=False
    )
    after_ending = _text(
        "After our work ends", "What happens with contact after therapy ends."
    )
    break_arrangements = _text(
        "When the therapist is away", "Who answers during the therapist's absences."
    )
    crisis_route = _text(
        "Crisis route", "What the client does in a crisis, with numbers to call."
    )
    in_our_words = _text("In our words", "Anything else agreed, in plain words.")
    effective_on = forms.DateField(
        label="Takes effect on",
        widget=DATE_INPUT,
        help_text="Today or later, in the client's time zone. Contacts made "
        "before stay judged by what was agreed then.",
    )
    client_timezone = forms.ChoiceField(
        label="The client's time zone",
        required=False,
        help_text="The agreed hours are the client's local time.",
    )

    def __init__(self, *args: Any, clinic_timezone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone_field = cast(forms.ChoiceField, self.fields["client_timezone"])
        zone_field.choices = [
            ("", f"The clinic's ({clinic_timezone})"),
            *((name, name) for name in time_zone_names()),
        ]
        for day in Weekday:
            start, end = hour_fields(day.value)
            self.fields[start] = forms.TimeField(
                required=False, label=f"{day.label} from", widget=TIME_INPUT
            )
            self.fields[end] = forms.TimeField(
                required=False, label="until", widget=TIME_INPUT
            )
        for value, label in Channel.choices:
            self.fields[rule_field(value)] = forms.MultipleChoiceField(
                label=f"{label}: only for",
                choices=Purpose.choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                error_messages={"invalid_choice": "“%(value)s” is not a purpose."},
            )
        self.helper = self._layout()

    def _layout(self) -> FormHelper:
        helper = FormHelper()
        helper.layout = Layout(
            Fieldset("Channels", "allowed_channels"),
            Fieldset(
                "Hours (the client's time; leave a day empty for no contact)",
                *[
                    Div(
                        Div(hour_fields(day.value)[0], css_class="col"),
                        Div(hour_fields(day.value)[1], css_class="col"),
                        css_class="row",
                    )
                    for day in Weekday
                ],
                "client_timezone",
            ),
            Fieldset(
                "Rules by purpose",
                HTML(
                    '<p class="small text-muted">Tick purposes to limit a channel '
                    "to them (for example texts for scheduling only). Nothing "
                    "ticked: any purpose. Distress and crisis contacts are never "
                    "a breach.</p>"
                ),
                *[
                    Field(rule_field(value), wrapper_class="col-md-6")
                    for value in Channel.values
                ],
            ),
            Fieldset("Limits", "weekly_limit", "reply_hours"),
            Fieldset(
                "In our words",
                "crisis_route",
                "break_arrangements",
                "after_ending_allowed",
                "after_ending",
                "in_our_words",
            ),
            Fieldset("When", "effective_on"),
        )
        helper.add_input(Submit("save", "Save as a new version"))
        return helper

    @classmethod
    def initial_from(
        cls,
        terms: ContactTerms,
        *,
        reply_hours: int,
        effective_on: dt.date,
        client_timezone: str,
    ) -> dict[str, Any]:
        """Prefilled from ``terms``: the version in force, else the clinic's
        frame (the template of every agreement)."""
        initial: dict[str, Any] = {
            "allowed_channels": list(terms.allowed_channels),
            "weekly_limit": terms.weekly_limit,
            "after_ending_allowed": terms.after_ending_allowed,
            "reply_hours": reply_hours,
            "effective_on": effective_on,
            "client_timezone": client_timezone,
        }
        for day in Weekday:
            window = terms.hours_on(day.value)
            if window:
                start, end = hour_fields(day.value)
                initial[start], initial[end] = window
        if isinstance(terms, ContactAgreement):
            for channel, purposes in terms.purpose_rules.items():
                initial[rule_field(channel)] = list(purposes)
            for name in ("after_ending", "break_arrangements", "crisis_route"):
                initial[name] = getattr(terms, name)
            initial["in_our_words"] = terms.in_our_words
        return initial

    def _hours(self) -> dict[str, list[str]]:
        hours: dict[str, list[str]] = {}
        for day in Weekday:
            start_name, end_name = hour_fields(day.value)
            start = self.cleaned_data.get(start_name)
            end = self.cleaned_data.get(end_name)
            if start is None and end is None:
                continue
            if start is None or end is None:
                self.add_error(
                    end_name if end is None else start_name,
                    "Give both a start and an end, or neither.",
                )
                continue
            # Hours are stored to the minute; compare what will be stored.
            start, end = f"{start:%H:%M}", f"{end:%H:%M}"
            if end <= start:
                self.add_error(
                    end_name, f"{day.label}: the end must be after the start."
                )
                continue
            hours[str(day.value)] = [start, end]
        return hours

    def _rules(self) -> dict[str, list[str]]:
        channels = self.cleaned_data.get("allowed_channels") or []
        rules: dict[str, list[str]] = {}
        for value, label in Channel.choices:
            purposes = self.cleaned_data.get(rule_field(value)) or []
            if not purposes:
                continue
            if value not in channels:
                self.add_error(
                    rule_field(value),
                    f"{label} is not among the channels agreed: tick it above, "
                    "or leave its purposes empty.",
                )
                continue
            rules[value] = list(purposes)
        return rules

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.cleaned_data["contact_hours"] = self._hours()
        self.cleaned_data["purpose_rules"] = self._rules()
        return self.cleaned_data

    def values(self) -> dict[str, Any]:
        """The service's arguments: ``values``, ``effective_on`` and
        ``client_timezone``."""
        data = self.cleaned_data
        return {
            "values": {
                "allowed_channels": list(data["allowed_channels"]),
                "contact_hours": data["contact_hours"],
                "weekly_limit": data["weekly_limit"],
                "after_ending_allowed": data["after_ending_allowed"],
                "purpose_rules": data["purpose_rules"],
                "reply_hours": data["reply_hours"],
                "break_arrangements": data["break_arrangements"],
                "crisis_route": data["crisis_route"],
                "after_ending": data["after_ending"],
                "in_our_words": data["in_our_words"],
            },
            "effective_on": data["effective_on"],
            "client_timezone": data["client_timezone"],
        }


class AcknowledgeForm(forms.Form):
    """How and when the client acknowledged a version."""

    on = forms.DateField(label="Acknowledged on", widget=DATE_INPUT)
    how = forms.ChoiceField(
        label="How", choices=Acknowledgement.choices, widget=forms.RadioSelect
    )
    told_of_logging = forms.BooleanField(
        label="The client has been told that contacts are logged and may be "
        "discussed in supervision",
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("save", "Record the acknowledgement"))

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "on": data["on"],
            "how": data["how"],
            "told_of_logging": data["told_of_logging"],
        }
