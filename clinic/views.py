"""Clinic pages: the caseload, the client page, and a supervisee's answer to
a proposed supervision link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic import access, selectors, services
from clinic.access import AuthenticatedHttpRequest
from clinic.audit import audit_record
from clinic.extensions import rendered_client_panels, rendered_home_panels
from clinic.models import AuditAction, Role


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
            "links_awaiting": selectors.supervision_links_awaiting(user=user),
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
    response = render(
        request,
        "clinic/client_detail.html",
        {
            "client": client,
            "can_write": client.therapist_id == request.user.pk,
            "panels": rendered_client_panels(request=request, client=client, now=now),
        },
    )
    # Last, in the request's transaction: the audit chain's lock, taken here,
    # is held to the commit, and readers of other pages wait for it.
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        obj=client,
        client_id=client.pk,
        at=now,
        request=request,
    )
    return response


@login_required
@require_POST
def supervision_accept(request: AuthenticatedHttpRequest, link_id: int) -> HttpResponse:
    link = services.supervision_link_accept(
        actor=request.user, link_id=link_id, now=timezone.now()
    )
    messages.success(
        request, f"You accepted supervision by {link.supervisor.full_name}."
    )
    return redirect("clinic:home")


@login_required
@require_POST
def supervision_decline(
    request: AuthenticatedHttpRequest, link_id: int
) -> HttpResponse:
    services.supervision_link_decline(
        actor=request.user, link_id=link_id, now=timezone.now()
    )
    messages.success(request, "You declined the proposed supervision link.")
    return redirect("clinic:home")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for ``/favicon.ico`` by themselves, even of pages that
    name their icon: the icon is a static file (its name hashed in
    production, so the address is worked out per request)."""
    return HttpResponsePermanentRedirect(static("clinic/icon.svg"))
