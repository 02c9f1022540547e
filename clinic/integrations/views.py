"""The clinic admin's integrations pages, and the API's reference page.

A token is shown on the page that answers its creation or rotation, and
never again: it is not stored, not put in the session, not redirected to.
A signed webhook's signing secret likewise, on the page that answers its
creation or its replacement; an SMS service's auth token is never shown.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.integrations import selectors, services
from clinic.integrations.forms import (
    IngestionSettingsForm,
    IntegrationForm,
    MailboxForm,
    RateForm,
)
from clinic.integrations.models import Integration, IntegrationKind
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
    request: AuthenticatedHttpRequest,
    integration: Integration,
    token: str,
    signing_secret: str = "",
) -> HttpResponse:
    return render(
        request,
        "clinic/integrations/token.html",
        {
            "integration": integration,
            "token": token,
            "signing_secret": signing_secret,
            "webhook_url": selectors.webhook_url(integration),
        },
    )


def _settings_form(clinic: Clinic, data: object = None) -> IngestionSettingsForm:
    initial = {field: getattr(clinic, field) for field in services.INGESTION_SETTINGS}
    return IngestionSettingsForm(
        data, initial=initial, action=reverse("integrations:settings")
    )


def _list_page(
    request: AuthenticatedHttpRequest,
    clinic: Clinic,
    settings_form: IngestionSettingsForm,
) -> HttpResponse:
    return render(
        request,
        "clinic/integrations/list.html",
        {
            "clinic": clinic,
            "rows": selectors.integrations_with_usage(
                clinic=clinic, today=timezone.now().date()
            ),
            "settings_form": settings_form,
        },
    )


def _detail_page(
    request: AuthenticatedHttpRequest,
    integration: Integration,
    *,
    rate_form: RateForm | None = None,
    mailbox_form: MailboxForm | None = None,
) -> HttpResponse:
    pk = integration.pk
    rate_form = rate_form or RateForm(
        initial={"rate_per_minute": integration.rate_per_minute},
        action=reverse("integrations:rate", args=[pk]),
    )
    if mailbox_form is None and integration.kind == IntegrationKind.MAILBOX:
        mailbox = getattr(integration, "mailbox", None)
        mailbox_form = MailboxForm(
            initial={
                field: getattr(mailbox, field) for field in services.MAILBOX_FIELDS
            }
            if mailbox
            else None,
            action=reverse("integrations:mailbox", args=[pk]),
        )
    return render(
        request,
        "clinic/integrations/detail.html",
        {
            "integration": integration,
            "webhook_url": selectors.webhook_url(integration),
            "rate_form": rate_form,
            "mailbox_form": mailbox_form,
            "has_own_secret": integration.kind == IntegrationKind.SIGNED_WEBHOOK,
        },
    )


@login_required
def integration_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    return _list_page(request, clinic, _settings_form(clinic))


@login_required
@require_POST
def ingestion_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    form = _settings_form(clinic, request.POST)
    if form.is_valid():
        try:
            services.ingestion_settings_save(
                actor=request.user,
                clinic=clinic,
                values=form.cleaned_data,
                now=timezone.now(),
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(request, "The ingestion settings are saved.")
            return redirect("integrations:list")
    clinic.refresh_from_db()
    return _list_page(request, clinic, form)


@login_required
@require_GET
def integration_detail(
    request: AuthenticatedHttpRequest, integration_id: int
) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    return _detail_page(request, _integration(request.user, clinic, integration_id))


@login_required
@require_POST
def integration_rate(
    request: AuthenticatedHttpRequest, integration_id: int
) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    integration = _integration(request.user, clinic, integration_id)
    form = RateForm(
        request.POST, action=reverse("integrations:rate", args=[integration.pk])
    )
    if form.is_valid():
        try:
            services.integration_rate_set(
                actor=request.user,
                integration=integration,
                rate_per_minute=form.cleaned_data["rate_per_minute"],
                now=timezone.now(),
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(request, "The rate limit is saved.")
            return redirect("integrations:detail", integration.pk)
    return _detail_page(request, integration, rate_form=form)


@login_required
@require_POST
def integration_mailbox(
    request: AuthenticatedHttpRequest, integration_id: int
) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    integration = _integration(request.user, clinic, integration_id)
    if integration.kind != IntegrationKind.MAILBOX:
        raise access.not_found(request.user, "mailbox", integration_id)
    form = MailboxForm(
        request.POST, action=reverse("integrations:mailbox", args=[integration.pk])
    )
    if form.is_valid():
        try:
            services.mailbox_settings_save(
                actor=request.user,
                integration=integration,
                values=form.mailbox_values(),
                now=timezone.now(),
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(request, "The mailbox settings are saved.")
            return redirect("integrations:detail", integration.pk)
    return _detail_page(request, integration, mailbox_form=form)


@never_cache
@login_required
@require_POST
def integration_secret_rotate(
    request: AuthenticatedHttpRequest, integration_id: int
) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    integration = _integration(request.user, clinic, integration_id)
    try:
        secret = services.integration_secret_rotate(
            actor=request.user, integration=integration, now=timezone.now()
        )
    except ValidationError as error:
        show_refusal(error, request=request)
        return redirect("integrations:detail", integration.pk)
    return render(
        request,
        "clinic/integrations/secret.html",
        {
            "integration": integration,
            "signing_secret": secret,
            "webhook_url": selectors.webhook_url(integration),
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
                **form.create_values(),
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            shown_once = (
                integration.signing_secret
                if integration.kind == IntegrationKind.SIGNED_WEBHOOK
                else ""
            )
            return _token_page(request, integration, token, shown_once)
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
