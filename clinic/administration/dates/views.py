from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.administration.dates.forms import DateFormatForm
from clinic.administration.dates.services import date_format_set
from clinic.dates import format_when, locale_active


@login_required
@require_http_methods(["GET", "POST"])
def date_format(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The clinic's date format: the clinic admin's (anyone else: 403)."""
    clinic = access.admin_clinic(request.user)
    # Bound on any POST, an empty one too: nothing chosen is an error shown.
    posted = request.POST if request.method == "POST" else None
    form = DateFormatForm(posted, initial={"locale": clinic.locale})
    if request.method == "POST" and form.is_valid():
        changed = date_format_set(
            actor=request.user,
            clinic=clinic,
            locale=form.cleaned_data["locale"],
            now=timezone.now(),
        )
        if changed:
            messages.success(request, "Dates are now written in the new format.")
        return redirect("clinic:date_format")
    with locale_active(clinic.locale):
        now = timezone.localtime(timezone.now(), clinic.zone)
        example = format_when(now, "daydatetime")
    return render(
        request,
        "clinic/administration/date_format.html",
        {"form": form, "clinic": clinic, "example": example, "title": "Dates"},
    )
