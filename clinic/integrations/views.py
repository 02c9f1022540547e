"""The clinic admin's integrations pages, and the API's reference page.

A token is shown on the page that answers its creation or rotation, and
never again: it is not stored, not put in the session, not redirected to.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.integrations import selectors, services
from clinic.integrations.forms import IntegrationForm
from clinic.integrations.models import Integration
from clinic.models import Clinic, User
from clinic.refusals import show_refusal


def _integration(user: User, clinic: Clinic, integration_id: int) -> Integration:
    integration = selectors.integration_of_clinic(
        clinic=clinic, integration_id=integration_id
    )
    if integration is None:
        raise access.not_found(user, "integration", integration_id)
    return integration


def _token_page(
    request: AuthenticatedHttpRequest, integration: Integration, token: str
) -> HttpResponse:
    return render(
        request,
        "clinic/integrations/token.html",
        {"integration": integration, "token": token},
    )


@login_required
def integration_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    return render(
        request,
        "clinic/integrations/list.html",
        {
            "clinic": clinic,
            "integrations": selectors.integrations_of_clinic(clinic=clinic),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def integration_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    form = IntegrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            integration, token = services.integration_create(
                actor=request.user,
                clinic=clinic,
                now=timezone.now(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            return _token_page(request, integration, token)
    return render(
        request,
        "clinic/admin/form_page.html",
        {"form": form, "title": "New integration"},
    )


@never_cache
@login_required
@require_POST
def integration_rotate(
    request: AuthenticatedHttpRequest, integration_id: int
) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    integration = _integration(request.user, clinic, integration_id)
    try:
        token = services.integration_rotate(
            actor=request.user, integration=integration, now=timezone.now()
        )
    except ValidationError as error:
        show_refusal(error, request=request)
        return redirect("integrations:list")
    return _token_page(request, integration, token)


@login_required
@require_POST
def integration_revoke(
    request: AuthenticatedHttpRequest, integration_id: int
) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    integration = _integration(request.user, clinic, integration_id)
    services.integration_revoke(
        actor=request.user, integration=integration, now=timezone.now()
    )
    messages.success(request, "The integration is revoked; its token opens nothing.")
    return redirect("integrations:list")


@require_GET
def api_reference(request: HttpRequest) -> HttpResponse:
    """Swagger UI from the vendored sidecar files; its start-up script is a
    static file too, so the strict Content-Security-Policy (no inline script
    or style) holds."""
    return render(request, "clinic/integrations/api_reference.html")
