"""The one-click purpose of a contact to classify, and the to-classify
panels of the client page and the home page (:mod:`attachment.ingestion.classify`).

Each contact in a list is a small POST form whose buttons each send one
purpose: no script is needed (the pages run under a strict CSP).  After the
click the browser goes back to the page it came from (``next``, if it is a
path of this site), else to the client page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from attachment.ingestion import classify
from attachment.models import Contact, Purpose
from clinic.access import AuthenticatedHttpRequest
from clinic.models import Client
from clinic.refusals import show_refusal


class ContactClassifyForm(forms.Form):
    """The purpose only: ``next`` is read on its own (:func:`_back`), so
    that a page address it cannot use never stops the click."""

    purpose = forms.ChoiceField(choices=Purpose.choices)


def _back(request: HttpRequest, contact: Contact) -> str:
    """Where the click came from, if it is a path of this site (never a name
    for ``reverse``, nor another site)."""
    wanted = request.POST.get("next", "")
    if wanted.startswith("/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return contact.client.get_absolute_url()


@login_required
@require_POST
def contact_classify(
    request: AuthenticatedHttpRequest, contact_id: int
) -> HttpResponse:
    now = timezone.now()
    contact = classify.contact_for_classifying(
        actor=request.user, contact_id=contact_id, now=now
    )
    form = ContactClassifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the purposes.")
        return HttpResponseRedirect(_back(request, contact))
    purpose = form.cleaned_data["purpose"]
    try:
        classify.contact_classify(
            actor=request.user, contact=contact, purpose=purpose, now=now
        )
    except ValidationError as error:
        show_refusal(error, request=request)
    else:
        label = Purpose(purpose).label.lower()
        messages.success(request, f"Contact classified: {label}.")
    return HttpResponseRedirect(_back(request, contact))


def _purposes() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Purpose.choices]


def classify_client_panel(
    *, request: AuthenticatedHttpRequest, client: Client, now: dt.datetime
) -> dict[str, Any]:
    """The client's newest contacts to classify, for the treating therapist
    only (the panel is empty for a supervisor)."""
    if client.therapist_id != request.user.pk:
        return {"contacts": [], "more": 0}
    found = classify.contacts_to_classify(
        actor=request.user, client=client, limit=classify.CLIENT_PANEL_LIMIT
    )
    return {
        "contacts": found.contacts,
        "more": found.more,
        "purposes": _purposes(),
        "next": request.get_full_path(),
    }


def classify_home_panel(
    *, request: AuthenticatedHttpRequest, now: dt.datetime
) -> dict[str, Any] | None:
    """The therapist's newest contacts to classify across their clients;
    hidden when there are none."""
    found = classify.contacts_to_classify(
        actor=request.user, limit=classify.HOME_PANEL_LIMIT
    )
    if not found.contacts:
        return None
    return {
        "contacts": found.contacts,
        "more": found.more,
        "purposes": _purposes(),
        "next": request.get_full_path(),
    }
