"""The clinic admin's choice of a client whose access report to open."""

from __future__ import annotations

from typing import cast

from django import forms

from clinic.models import Client, Clinic


class ClientCodeChoice(forms.ModelChoiceField):
    """Clients by code alone: the pseudonym, nothing more."""

    def label_from_instance(self, obj: Client) -> str:
        return obj.code


class ReportClientForm(forms.Form):
    client = ClientCodeChoice(
        queryset=Client.objects.none(),
        label="Client",
        empty_label="Choose a client",
        error_messages={"invalid_choice": "Choose one of the clients listed."},
    )

    def __init__(self, *args, clinic: Clinic, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(ClientCodeChoice, self.fields["client"]).queryset = Client.objects.filter(
            clinic=clinic
        ).order_by("code")
