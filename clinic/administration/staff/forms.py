"""Forms of the staff page and of the welcome link.

The forms check what a person filling them in can get wrong (an address, a
name, at least one role); the services check the rest against the database
(an address already in use, roles already held, the two-person rule) and
their refusals are shown on the same form.
"""

from __future__ import annotations

from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import SetPasswordForm

from clinic.models import Role, User


def _roles_field(choices: list[tuple[str, str]], **options: Any) -> forms.Field:
    return forms.MultipleChoiceField(
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one role.",
            "invalid_choice": "Choose roles from the list.",
        },
        **options,
    )


class StaffInviteForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Full name")
    email = forms.EmailField(
        max_length=254,
        label="E-mail address",
        help_text="The one-time link to set a password is sent here once a "
        "second clinic admin approves.",
    )
    roles = _roles_field(Role.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Propose the invitation"))

    def clean_full_name(self) -> str:
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError("Give the person's full name.")
        return name


class RoleGrantForm(forms.Form):
    """Roles for a person of the clinic; only those not held yet are offered."""

    roles = _roles_field([])

    def __init__(self, *args: Any, held: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = [(role, label) for role, label in Role.choices if role not in held]
        cast(forms.MultipleChoiceField, self.fields["roles"]).choices = offered
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Propose the roles"))


class RoleRevokeForm(forms.Form):
    """One role to take away, from the staff page's buttons."""

    role = forms.ChoiceField(
        choices=Role.choices,
        error_messages={"invalid_choice": "Choose a role from the list."},
    )


class ClientMoveForm(forms.Form):
    """The therapist a client should move to: the clinic's other active
    therapists."""

    therapist = forms.TypedChoiceField(
        coerce=int,
        label="New therapist",
        error_messages={
            "required": "Choose a therapist.",
            "invalid_choice": "Choose a therapist from the list.",
        },
    )

    def __init__(self, *args: Any, therapists: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["therapist"]).choices = [
            ("", "Choose…"),
            *[(str(person.pk), str(person)) for person in therapists],
        ]
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Propose the move"))


class WelcomePasswordForm(SetPasswordForm):
    """The new person's first password, checked by the password validators."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Set my password"))
