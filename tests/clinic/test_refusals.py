"""``clinic.refusals``: how a refused action reaches the person who asked.

A refusal naming a field lands beside that field, one naming none (or a field
the form lacks) lands above the form, a ``ValidationError`` from a service goes
field by field, and without a form the refusal becomes a message."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from clinic.demo import DemoRefused
from clinic.refusals import Refused, show_refusal


class LinkForm(forms.Form):
    supervisee = forms.CharField()
    started_on = forms.CharField()


def validated_form() -> LinkForm:
    form = LinkForm({"supervisee": "Tess", "started_on": "2026-03-02"})
    assert form.is_valid()
    return form


def request_with_messages():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def shown(request) -> list[tuple[str, str]]:
    return [(message.tags, message.message) for message in get_messages(request)]


def test_a_refusal_naming_a_field_lands_beside_it():
    form = validated_form()
    show_refusal(Refused("Choose a therapist here.", field="supervisee"), form=form)
    assert form.errors == {"supervisee": ["Choose a therapist here."]}
    assert form.non_field_errors() == []
    assert "supervisee" not in form.cleaned_data
    assert form.is_valid() is False


def test_a_refusal_naming_no_field_lands_above_the_form():
    form = validated_form()
    show_refusal(Refused("This link has already ended."), form=form)
    assert form.non_field_errors() == ["This link has already ended."]
    assert form["supervisee"].errors == []
    assert form["started_on"].errors == []


def test_a_refusal_naming_a_field_the_form_lacks_lands_above_the_form():
    form = validated_form()
    show_refusal(Refused("Give the password.", field="password"), form=form)
    assert form.non_field_errors() == ["Give the password."]
    assert "password" not in form.errors


def test_a_validation_error_goes_field_by_field_and_the_rest_above():
    form = validated_form()
    error = ValidationError(
        {
            "supervisee": ["Nobody supervises themselves.", "Choose a therapist."],
            "ended_on": "A link cannot end before it started.",
        }
    )
    show_refusal(error, form=form)
    assert form["supervisee"].errors == [
        "Nobody supervises themselves.",
        "Choose a therapist.",
    ]
    assert form.non_field_errors() == ["A link cannot end before it started."]
    assert form["started_on"].errors == []


def test_a_validation_error_without_fields_lands_above_the_form():
    form = validated_form()
    show_refusal(ValidationError(["One.", "Two."]), form=form)
    assert form.non_field_errors() == ["One.", "Two."]
    assert form["supervisee"].errors == []


def test_without_a_form_a_refusal_becomes_an_error_message():
    request = request_with_messages()
    show_refusal(Refused("This note is signed.", field="password"), request=request)
    assert shown(request) == [("error", "This note is signed.")]


def test_without_a_form_each_message_of_a_validation_error_is_shown():
    request = request_with_messages()
    show_refusal(
        ValidationError({"starts_on": "Too late.", "ends_on": ["Too early."]}),
        request=request,
    )
    assert sorted(shown(request)) == [("error", "Too early."), ("error", "Too late.")]


def test_a_form_wins_over_the_request():
    form = validated_form()
    request = request_with_messages()
    show_refusal(Refused("Refused."), form=form, request=request)
    assert form.non_field_errors() == ["Refused."]
    assert shown(request) == []


def test_a_refusal_with_nowhere_to_go_is_a_programming_error():
    with pytest.raises(TypeError):
        show_refusal(Refused("Refused."))


def test_a_refusal_keeps_its_message_and_field():
    refusal = Refused("Refused.", field="supervisee")
    assert (str(refusal), refusal.message, refusal.field) == (
        "Refused.",
        "Refused.",
        "supervisee",
    )


def test_the_demos_refusal_is_a_refusal():
    refusal = DemoRefused("The database holds other clinics.")
    assert isinstance(refusal, Refused)
    assert refusal.message == "The database holds other clinics."
