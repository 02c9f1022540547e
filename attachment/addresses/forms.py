"""Forms of the contact-address pages.  The form takes the address as
written; the service normalises it and says what is wrong without repeating
it (:mod:`attachment.addresses.services`)."""

from __future__ import annotations

from typing import Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import QuerySet

from clinic.models import Client

# Room for a number written with spaces, dots and brackets, or the longest
# e-mail address with spaces around it.
RAW_MAX = 320
ADDRESS_HELP = (
    "A phone number (with its country code, or a number of this country) or an "
    "e-mail address."
)


def _address_field() -> forms.CharField:
    return forms.CharField(
        label="Phone number or e-mail address",
        max_length=RAW_MAX,
        help_text=ADDRESS_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class AddressForm(forms.Form):
    """The treating therapist's form: one address for the client in hand."""

    address = _address_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("add", "Add the address"))


class ClientCodeChoiceField(forms.ModelChoiceField):
    """Clients by code only: the clinic admin works with pseudonyms."""

    def label_from_instance(self, obj: Client) -> str:
        return obj.code


class AdminAddressForm(forms.Form):
    """The clinic admin's form: an address for one of the clinic's current
    clients."""

    client = ClientCodeChoiceField(queryset=Client.objects.none())
    address = _address_field()

    def __init__(self, *args: Any, clients: QuerySet[Client], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["client"]).queryset = clients
        self.helper = FormHelper()
        self.helper.add_input(Submit("add", "Add the address"))
