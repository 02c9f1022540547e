"""The client's copy of their record: a printable page for one period.

A GET without dates shows the period's form (no clinical text); a GET with
both dates valid produces the copy, records the export on the client's
trail, and shows it ready to print (``clinic/static/clinic/client_copy.css``
lays it out on paper).  Only the treating therapist gets here; anyone else
is told the client does not exist (404).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from attachment.client_copy import selectors, services
from attachment.client_copy.forms import ClientCopyForm
from clinic.access import AuthenticatedHttpRequest


@login_required
@require_GET
def client_copy(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    now = timezone.now()
    client = selectors.client_for_copy(request.user, client_id)
    form = ClientCopyForm(
        request.GET if ClientCopyForm.is_asked(request.GET) else None,
        started_on=client.started_on,
        today=selectors.client_today(client, now),
    )
    if not form.is_valid():
        return render(
            request,
            "attachment/client_copy/form_page.html",
            {"client": client, "form": form},
        )
    copy = selectors.client_copy_of(
        client=client,
        starts_on=form.cleaned_data["starts_on"],
        ends_on=form.cleaned_data["ends_on"],
    )
    services.client_copy_record(
        actor=request.user, client=client, now=now, request=request
    )
    with timezone.override(client.zone):
        return render(
            request,
            "attachment/client_copy/copy.html",
            {
                "copy": copy,
                "client": client,
                "form": form,
                "produced_at": now,
                "produced_by": request.user,
            },
        )
