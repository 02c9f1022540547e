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
from attachment.models import DetectorSettings
from attachment.oversight import budget, selectors, services
from attachment.oversight.forms import DetectorSettingsForm, ReasonForm
from attachment.oversight.selectors import FEWEST_CLIENTS_FOR_COUNTS, WEEKS
from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.models import Clinic, Membership, Role, User
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
            "is_clinical_lead": access.clinical_lead_clinic(request.user) is not None,
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


def _settings_clinic(user: User) -> tuple[Clinic, bool]:
    """The clinic whose detector settings ``user`` opens, and whether they
    may change them: its clinic admins read them, its clinical lead changes
    them; anyone else gets 403."""
    lead_of = access.clinical_lead_clinic(user)
    if lead_of is not None:
        return lead_of, True
    return access.admin_clinic(user), False


def _settings_page(
    request: AuthenticatedHttpRequest,
    clinic: Clinic,
    may_change: bool,
    form: DetectorSettingsForm,
    row: DetectorSettings,
) -> HttpResponse:
    today = access.clinic_today(clinic, timezone.now())
    is_admin = clinic.pk in access.clinic_ids_with_role(request.user, Role.ADMIN)
    # The admin reads it among the administration pages, the lead among theirs.
    template = "detector_settings.html" if is_admin else "detector_settings_lead.html"
    return render(
        request,
        f"attachment/oversight/{template}",
        {
            "form": form,
            "clinic": clinic,
            "may_change": may_change,
            "updated_at": row.updated_at,
            "reset_form": ReasonForm(prefix="reset"),
            "budget": budget.alarm_budget(clinic=clinic, today=today),
            "usefulness": budget.usefulness_by_quarter(clinic=clinic, today=today),
            "changes": budget.settings_changes(clinic=clinic),
            "lead": Membership.objects.filter(clinic=clinic, is_clinical_lead=True)
            .select_related("user")
            .first(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def detector_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic, may_change = _settings_clinic(request.user)
    if request.method == "POST" and not may_change:
        raise access.forbidden(request.user, "detector-settings-change", clinic.pk)
    row = detector_settings_for(clinic=clinic)
    form = DetectorSettingsForm(
        request.POST or None,
        initial=DetectorSettingsForm.initial_from(row),
        read_only=not may_change,
    )
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        reason = values.pop("reason")
        try:
            services.detector_settings_save(
                actor=request.user,
                clinic=clinic,
                values=values,
                reason=reason,
                now=timezone.now(),
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(
                request, "The detector settings are saved; the clinic is re-scanned."
            )
            return redirect("attachment:detector_settings")
    return _settings_page(request, clinic, may_change, form, row)


@login_required
@require_POST
def detector_settings_reset(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic, may_change = _settings_clinic(request.user)
    if not may_change:
        raise access.forbidden(request.user, "detector-settings-change", clinic.pk)
    reset_form = ReasonForm(request.POST, prefix="reset")
    if reset_form.is_valid():
        services.detector_settings_reset(
            actor=request.user,
            clinic=clinic,
            reason=reset_form.cleaned_data["reason"],
            now=timezone.now(),
        )
        messages.success(request, "Every threshold is back to its default.")
    else:
        messages.error(request, "Nothing was reset: say why the thresholds change.")
    return redirect("attachment:detector_settings")
