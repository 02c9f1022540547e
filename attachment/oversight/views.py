"""The caseload overview (supervisors: their current supervisees; clinic
admins: every therapist, counts only) and the admin's detector settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from attachment.engine.services import detector_settings_for
from attachment.oversight import selectors, services
from attachment.oversight.forms import DetectorSettingsForm
from attachment.oversight.selectors import FEWEST_CLIENTS_FOR_COUNTS, WEEKS
from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.models import Role
from clinic.refusals import show_refusal


@login_required
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Per current supervisee: the figures a supervisor scans before supervision."""
    if Role.SUPERVISOR not in access.roles_of(request.user):
        raise access.forbidden(request.user, "overview", None)
    return render(
        request,
        "attachment/oversight/overview.html",
        {
            "rows": selectors.supervisee_overview(
                user=request.user, now=timezone.now()
            ),
            "weeks": WEEKS,
            "links_to_queue": True,
            "title": "Caseload overview",
            "who": "supervisee",
        },
    )


@login_required
def clinic_overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Per therapist of the clinic: the same figures, counts only, withheld
    for a small caseload (see ``selectors.clinic_overview``)."""
    clinic = access.admin_clinic(request.user)
    return render(
        request,
        "attachment/oversight/overview.html",
        {
            "rows": selectors.clinic_overview(clinic=clinic, now=timezone.now()),
            "weeks": WEEKS,
            "title": f"Clinic overview · {clinic}",
            "who": "therapist",
            "fewest_clients": FEWEST_CLIENTS_FOR_COUNTS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def detector_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    row = detector_settings_for(clinic=clinic)
    form = DetectorSettingsForm(
        request.POST or None, initial=DetectorSettingsForm.initial_from(row)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.detector_settings_save(
                actor=request.user,
                clinic=clinic,
                values=form.cleaned_data,
                now=timezone.now(),
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(
                request, "The detector settings are saved; the clinic is re-scanned."
            )
            return redirect("attachment:detector_settings")
    return render(
        request,
        "attachment/oversight/detector_settings.html",
        {"form": form, "clinic": clinic, "updated_at": row.updated_at},
    )


@login_required
@require_POST
def detector_settings_reset(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    services.detector_settings_reset(
        actor=request.user, clinic=clinic, now=timezone.now()
    )
    messages.success(request, "Every threshold is back to its default.")
    return redirect("attachment:detector_settings")
