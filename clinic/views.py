"""Clinic pages: caseload, client page, and the clinic admin's policy pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic import access, selectors, services
from clinic.access import AuthenticatedHttpRequest
from clinic.audit import audit_record
from clinic.extensions import rendered_client_panels, rendered_home_panels
from clinic.forms import ClientPolicyOverrideForm, ContactPolicyForm
from clinic.models import AuditAction, ContactPolicy, Role
from clinic.policies import clinic_default_policy, effective_policy


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The caseload: own clients, and each current supervisee's clients."""
    user = request.user
    roles = access.roles_of(user)
    if roles == {Role.ADMIN}:
        return redirect("clinic:manage_clients")
    now = timezone.now()
    today = now.date()
    return render(
        request,
        "clinic/home.html",
        {
            "panels": rendered_home_panels(request=request, now=now),
            "own_clients": selectors.caseload_own(user=user)
            if Role.THERAPIST in roles
            else [],
            "supervisee_caseloads": selectors.caseload_of_supervisees(
                user=user, on=today
            )
            if Role.SUPERVISOR in roles
            else [],
        },
    )


@login_required
def client_detail(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    now = timezone.now()
    client = access.client_for_reading(request.user, client_id, on=now.date())
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        obj=client,
        client_id=client.pk,
        at=now,
        request=request,
    )
    return render(
        request,
        "clinic/client_detail.html",
        {
            "client": client,
            "policy": effective_policy(client=client),
            "can_write": client.therapist_id == request.user.pk,
            "panels": rendered_client_panels(request=request, client=client, now=now),
        },
    )


@login_required
def manage_clients(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Clinic admin: clients per therapist by status (counts only) and overrides."""
    clinic = access.admin_clinic(request.user)
    overrides = list(selectors.client_overrides(clinic=clinic))
    return render(
        request,
        "clinic/manage_clients.html",
        {
            "clinic": clinic,
            "counts": selectors.clinic_client_counts(clinic=clinic),
            "overrides": overrides,
            "override_client_ids": {policy.client_id for policy in overrides},
            "clients": access.configurable_clients(request.user).select_related(
                "therapist"
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy_default(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    policy = clinic_default_policy(clinic=clinic)
    form = ContactPolicyForm(
        request.POST or None, initial=ContactPolicyForm.initial_from(policy)
    )
    if request.method == "POST" and form.is_valid():
        services.contact_policy_save_default(
            actor=request.user,
            clinic=clinic,
            values=form.policy_values(),
            now=timezone.now(),
        )
        messages.success(request, "The clinic's contact policy is saved.")
        return redirect("clinic:policy_default")
    return render(
        request,
        "clinic/policy_form.html",
        {"form": form, "title": f"Default contact policy · {clinic}"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy_client(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    client = access.client_for_configuring(request.user, client_id)
    existing = ContactPolicy.objects.filter(client=client).first()
    initial = ContactPolicyForm.initial_from(
        existing or effective_policy(client=client)
    )
    if existing:
        initial["reason"] = existing.reason
    form = ClientPolicyOverrideForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.contact_policy_save_override(
            actor=request.user,
            client=client,
            values=form.policy_values(),
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
        )
        messages.success(
            request, f"The contact policy override for {client.code} is saved."
        )
        return redirect("clinic:policy_overrides")
    return render(
        request,
        "clinic/policy_form.html",
        {
            "form": form,
            "title": f"Contact policy override · {client.code}",
            "client": client,
            "has_override": existing is not None,
        },
    )


@login_required
@require_POST
def policy_client_remove(
    request: AuthenticatedHttpRequest, client_id: int
) -> HttpResponse:
    client = access.client_for_configuring(request.user, client_id)
    services.contact_policy_remove_override(
        actor=request.user, client=client, now=timezone.now()
    )
    messages.success(request, f"{client.code} now follows the clinic's default policy.")
    return redirect("clinic:policy_overrides")
