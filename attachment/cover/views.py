"""The cover page, an absence's cover, break-glass and its review.

Access is :mod:`clinic.access`'s (through the selectors): a cover page opens
for the cover on the absence's dates and for a break-glass grant in force,
and answers 404 to everyone else (403 to whoever knows the client and has
its own page).  Every read of a cover page is an audit event whose type says
which way in was used.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from attachment.cover import selectors, services
from attachment.cover.forms import (
    BreakGlassForm,
    BreakGlassReviewForm,
    CoverContactForm,
)
from attachment.records import selectors as records_selectors
from attachment.records.forms import reply_preselected
from clinic import access
from clinic.access import AuthenticatedHttpRequest, CoverAccess
from clinic.audit import audit_record
from clinic.models import AuditAction
from clinic.refusals import show_refusal

PAGE_SIZE = 25


def _audit_cover_read(
    request: AuthenticatedHttpRequest, cover: CoverAccess, now: dt.datetime
) -> None:
    """The read, on the client's trail, named by the way in: the absence
    covered or the break-glass grant."""
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        obj=cover.basis,
        object_type=cover.object_type,
        client_id=cover.client.pk,
        clinic_id=cover.client.clinic_id,
        at=now,
        request=request,
    )


def _cover_page(
    request: AuthenticatedHttpRequest,
    cover: CoverAccess,
    form: CoverContactForm,
    now: dt.datetime,
) -> HttpResponse:
    client = cover.client
    _audit_cover_read(request, cover, now)
    form.helper.form_action = reverse("attachment:cover_contact_new", args=[client.pk])
    with timezone.override(client.clinic.zone):
        return render(
            request,
            "attachment/cover/cover_page.html",
            {
                "client": client,
                "cover": cover,
                "shown": selectors.cover_page_of(client=client, now=now),
                "form": form,
            },
        )


def _local_now(cover: CoverAccess, now: dt.datetime) -> str:
    return timezone.localtime(now, cover.client.clinic.zone).strftime("%Y-%m-%dT%H:%M")


@login_required
def cover_page(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    now = timezone.now()
    cover = selectors.cover_for_reading(
        actor=request.user, client_id=client_id, now=now
    )
    form = CoverContactForm(
        initial={
            "occurred_at": _local_now(cover, now),
            **reply_preselected(request.GET),
        },
        replies=records_selectors.unanswered_contacts_of(client=cover.client),
    )
    return _cover_page(request, cover, form, now)


@login_required
@require_POST
def cover_contact_new(
    request: AuthenticatedHttpRequest, client_id: int
) -> HttpResponse:
    now = timezone.now()
    cover = selectors.cover_for_reading(
        actor=request.user, client_id=client_id, now=now
    )
    with timezone.override(cover.client.clinic.zone):
        form = CoverContactForm(
            request.POST,
            replies=records_selectors.unanswered_contacts_of(client=cover.client),
        )
        if form.is_valid():
            try:
                services.cover_contact_log(
                    actor=request.user, client_id=client_id, now=now, **form.values()
                )
            except ValidationError as error:
                show_refusal(error, form=form)
            else:
                messages.success(request, "Contact logged.")
                return redirect("attachment:cover_page", client_id)
    return _cover_page(request, cover, form, now)


@login_required
def cover_absence(request: AuthenticatedHttpRequest, absence_id: int) -> HttpResponse:
    """The cover of one absence, for its therapist and their supervisors:
    who covers, and per client how often the cover page was read and how many
    contacts the cover logged (codes and counts only)."""
    now = timezone.now()
    absence = selectors.absence_for_reading(
        actor=request.user, absence_id=absence_id, now=now
    )
    return render(
        request,
        "attachment/cover/cover_absence.html",
        {"absence": absence, "rows": selectors.absence_cover_of(absence=absence)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    selectors.require_break_glass(actor=request.user, now=now)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.break_glass_open(
                actor=request.user, now=now, **form.values()
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.warning(
                request,
                "Break-glass access is open for 12 hours. The client's therapist, "
                "their supervisor and the clinic admin have been told.",
            )
            return redirect("attachment:cover_page", grant.client_id)
    return render(request, "attachment/cover/break_glass.html", {"form": form})


def _in_local_time(
    request: AuthenticatedHttpRequest,
    template: str,
    context: dict[str, Any],
    zone: dt.tzinfo | None = None,
) -> HttpResponse:
    """Rendered in ``zone``, else in the time zone of the user's clinic."""
    if zone is None:
        clinic = access.primary_clinic(request.user)
        zone = clinic.zone if clinic else dt.UTC
    with timezone.override(zone):
        return render(request, template, context)


@login_required
def break_glass_review(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    grants = selectors.grants_for_review(actor=request.user, now=now)
    page = Paginator(grants, PAGE_SIZE).get_page(request.GET.get("page"))
    return _in_local_time(
        request, "attachment/cover/break_glass_review.html", {"page": page, "now": now}
    )


@login_required
@require_http_methods(["GET", "POST"])
def break_glass_review_grant(
    request: AuthenticatedHttpRequest, grant_id: int
) -> HttpResponse:
    now = timezone.now()
    grant = selectors.grant_for_review(actor=request.user, grant_id=grant_id, now=now)
    form = BreakGlassReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.break_glass_review(
                actor=request.user, grant_id=grant.pk, now=now, **form.values()
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(request, "Review recorded.")
            return redirect("attachment:break_glass_review")
    return _in_local_time(
        request,
        "attachment/cover/break_glass_review_grant.html",
        {"grant": grant, "form": form, "now": now},
        zone=grant.client.clinic.zone,
    )
