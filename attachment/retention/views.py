"""The clinic admin's retention page: the retention period, the clients past
it, legal holds, destructions done, and the confirmation of a destruction.

Only a clinic admin may use them (anyone else signed in: 403); a client or a
hold of another clinic answers 404.  Codes, dates and counts only: no
clinical text is shown.  A service's ``ValidationError`` reaches the page
through :func:`clinic.refusals.show_refusal`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from attachment.models.retention import kinds_counted
from attachment.retention import selectors, services
from attachment.retention.forms import (
    DestructionConfirmForm,
    LegalHoldForm,
    LegalHoldLiftForm,
    RetentionYearsForm,
)
from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.models import Client, Clinic
from clinic.reauth import password_confirmed
from clinic.refusals import show_refusal


def _page(
    request: AuthenticatedHttpRequest,
    clinic: Clinic,
    *,
    years_form: RetentionYearsForm | None = None,
    hold_form: LegalHoldForm | None = None,
) -> HttpResponse:
    holds = [
        (
            hold,
            LegalHoldLiftForm(
                action=reverse("attachment:legal_hold_lift", args=[hold.pk]),
                auto_id=f"h{hold.pk}-%s",
            ),
        )
        for hold in selectors.holds_in_force(clinic=clinic)
    ]
    return render(
        request,
        "attachment/retention/page.html",
        {
            "clinic": clinic,
            "due": selectors.retention_list(clinic=clinic),
            "holds": holds,
            "destructions": selectors.destructions(clinic=clinic),
            "years_form": years_form
            or RetentionYearsForm(
                initial={"retention_years": clinic.retention_years},
                action=reverse("attachment:retention_settings"),
            ),
            "hold_form": hold_form
            or LegalHoldForm(action=reverse("attachment:legal_hold_place")),
        },
    )


@login_required
@require_GET
def retention_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _page(request, access.admin_clinic(request.user))


@login_required
@require_POST
def retention_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    form = RetentionYearsForm(
        request.POST, action=reverse("attachment:retention_settings")
    )
    if form.is_valid():
        try:
            services.retention_years_set(
                actor=request.user,
                clinic=clinic,
                years=form.cleaned_data["retention_years"],
                now=timezone.now(),
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(request, "The retention period is saved.")
            return redirect("attachment:retention_page")
    return _page(request, clinic, years_form=form)


@login_required
@require_POST
def legal_hold_place(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    form = LegalHoldForm(request.POST, action=reverse("attachment:legal_hold_place"))
    if form.is_valid():
        client = selectors.client_by_code(clinic=clinic, code=form.cleaned_data["code"])
        if client is None:
            form.add_error("code", "No client of the clinic has this code.")
        else:
            try:
                services.legal_hold_place(
                    actor=request.user,
                    client=client,
                    reason=form.cleaned_data["reason"],
                    now=timezone.now(),
                )
            except ValidationError as error:
                show_refusal(error, form=form)
            else:
                messages.success(request, f"{client.code}'s records are on hold.")
                return redirect("attachment:retention_page")
    return _page(request, clinic, hold_form=form)


@login_required
@require_POST
def legal_hold_lift(request: AuthenticatedHttpRequest, hold_id: int) -> HttpResponse:
    hold = selectors.hold_of_clinic(actor=request.user, hold_id=hold_id)
    form = LegalHoldLiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the hold is lifted.")
        return redirect("attachment:retention_page")
    try:
        services.legal_hold_lift(
            actor=request.user,
            hold=hold,
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
        )
    except ValidationError as error:
        show_refusal(error, request=request)
    else:
        messages.success(request, f"The hold on {hold.client.code} is lifted.")
    return redirect("attachment:retention_page")


@login_required
@require_http_methods(["GET", "POST"])
def client_destroy(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """The confirmation of a destruction: the code typed again, a reason and
    the admin's password (counted as a sign-in is: clinic/reauth.py)."""
    client = selectors.client_of_clinic(actor=request.user, client_id=client_id)
    form = DestructionConfirmForm(
        request.POST or None,
        expected_code=client.code,
        action=reverse("attachment:client_destroy", args=[client.pk]),
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _password_confirmed(request, form, client)
    ):
        try:
            services.client_destroy(
                actor=request.user,
                client=client,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(request, f"{client.code}'s records are destroyed.")
            return redirect("attachment:retention_page")
    return render(
        request,
        "attachment/retention/destroy.html",
        {
            "client": client,
            "form": form,
            "counts": kinds_counted(selectors.client_record_counts(client=client)),
            "hold": selectors.hold_in_force(client=client),
        },
    )


def _password_confirmed(
    request: AuthenticatedHttpRequest, form: DestructionConfirmForm, client: Client
) -> bool:
    """The password once more, counted and locked out as a sign-in is."""
    if password_confirmed(request, form.cleaned_data["password"], obj=client):
        return True
    form.add_error("password", "This is not your password.")
    return False
