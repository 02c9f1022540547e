"""Safety plan pages: the plan with its versions, one version, the revision
form and the printable client copy.

Clients come through :mod:`clinic.access`: the treating therapist writes,
a current supervisor of theirs reads, everyone else is refused (404 out of
scope).  Every page that shows a plan's text records a read.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from attachment.safety import selectors, services
from attachment.safety.forms import SafetyPlanForm
from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.audit import audit_client_read
from clinic.models import Client
from clinic.refusals import show_refusal


def _can_write(request: HttpRequest, client: Client) -> bool:
    return client.therapist_id == request.user.pk


@login_required
@require_GET
def safety_plan(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    now = timezone.now()
    client = access.client_for_reading(request.user, client_id, on=now.date())
    versions = list(selectors.safety_plans_of(client=client))
    current = versions[0] if versions else None
    audit_client_read(request, client, now, current)
    with timezone.override(client.clinic.zone):
        return render(
            request,
            "attachment/safety/plan.html",
            {
                "client": client,
                "plan": current,
                "versions": versions,
                "can_write": _can_write(request, client),
            },
        )


@login_required
@require_GET
def safety_plan_version(
    request: AuthenticatedHttpRequest, client_id: int, version: int
) -> HttpResponse:
    now = timezone.now()
    client = access.client_for_reading(request.user, client_id, on=now.date())
    shown = selectors.safety_plan_version(
        actor=request.user, client=client, version=version
    )
    audit_client_read(request, client, now, shown)
    current = selectors.current_safety_plan(client=client)
    with timezone.override(client.clinic.zone):
        return render(
            request,
            "attachment/safety/plan_version.html",
            {
                "client": client,
                "plan": shown,
                "is_current": current is not None and current.pk == shown.pk,
                "can_write": _can_write(request, client),
            },
        )


@login_required
@require_GET
def safety_plan_client_copy(
    request: AuthenticatedHttpRequest, client_id: int, version: int
) -> HttpResponse:
    """The version as the client takes it home: first person, with the
    clinic's crisis lines and the emergency line, ready to print."""
    now = timezone.now()
    client = access.client_for_reading(request.user, client_id, on=now.date())
    shown = selectors.safety_plan_version(
        actor=request.user, client=client, version=version
    )
    audit_client_read(request, client, now, shown)
    with timezone.override(client.clinic.zone):
        return render(
            request,
            "attachment/safety/client_copy.html",
            {"client": client, "clinic": client.clinic, "plan": shown},
        )


@login_required
@require_http_methods(["GET", "POST"])
def safety_plan_revise(
    request: AuthenticatedHttpRequest, client_id: int
) -> HttpResponse:
    now = timezone.now()
    client = access.client_for_writing(request.user, client_id, on=now.date())
    current = selectors.current_safety_plan(client=client)
    # The form shows the current version's text.
    audit_client_read(request, client, now, current)
    form = SafetyPlanForm(
        request.POST or None, initial=SafetyPlanForm.initial_from(current)
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.safety_plan_write(
                actor=request.user, client=client, values=form.values(), now=now
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(request, f"Safety plan saved as version {plan.version}.")
            return redirect("attachment:safety_plan", client.pk)
    title = (
        f"Revise the safety plan (v{current.version})"
        if current
        else "Write a safety plan"
    )
    with timezone.override(client.clinic.zone):
        return render(
            request,
            "attachment/safety/plan_form.html",
            {"client": client, "form": form, "title": title, "current": current},
        )
