"""How a refused action reaches the person who asked for it.

A service that will not do what it was asked raises :class:`Refused` (or a
subclass defined where it is raised) and writes nothing.  Its message names
statuses and rules only, never clinical text, so that it may be shown to the
user and logged.  Views hand the refusal to :func:`show_refusal`: on a form
it becomes an error beside the field it names (or above the form), on a
page without a form it becomes a message.  Django's ``ValidationError`` from
a service (a value the rules reject) goes the same way.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


class Refused(Exception):
    """The rules refuse this action; nothing was written.

    ``field`` names the form field the refusal is about, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def show_refusal(
    refusal: Refused | ValidationError,
    *,
    form: forms.Form | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Show ``refusal`` on ``form`` if given, else as a message on ``request``."""
    if form is not None:
        _on_form(form, refusal)
    elif request is not None:
        for text in _texts(refusal):
            messages.error(request, text)
    else:
        raise TypeError("show_refusal needs a form or a request")


def _on_form(form: forms.Form, refusal: Refused | ValidationError) -> None:
    if isinstance(refusal, Refused):
        field = refusal.field if refusal.field in form.fields else None
        form.add_error(field, refusal.message)
    elif hasattr(refusal, "error_dict"):
        for name, errors in refusal.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, refusal)


def _texts(refusal: Refused | ValidationError) -> list[str]:
    if isinstance(refusal, Refused):
        return [refusal.message]
    return [str(text) for text in refusal.messages]
