"""Pages of the between-sessions agreement.

The treating therapist writes versions, records the client's acknowledgement
and prints the client copy; the therapist's current supervisor reads them and
approves a version wider than the clinic's frame; anyone else gets 404 (the
clinic admin, who knows the client, 403).  Each view fetches the client
through :mod:`clinic.access`, audits the read of a page that shows the
agreement, and calls one service or selector.  Times are shown in the
client's time zone, in which the agreement's hours are written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from attachment.agreements import selectors, services
from attachment.agreements.forms import AcknowledgeForm, AgreementForm
from attachment.agreements.selectors import AgreementState
from attachment.agreements.wording import client_copy, terms_summary
from attachment.models import ContactAgreement
from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.audit import audit_client_read, audit_records
from clinic.dates import format_when
from clinic.models import AuditAction, Client, Role
from clinic.refusals import show_refusal

TEMPLATES = "attachment/agreements/"


def _zone_name(client: Client) -> str:
    return client.timezone or client.clinic.timezone


def _page(
    request: AuthenticatedHttpRequest,
    state: AgreementState,
    shown: ContactAgreement | None,
    *,
    ack_form: AcknowledgeForm | None = None,
) -> HttpResponse:
    """The agreement page, showing ``shown`` (a version, or none yet)."""
    client = state.client
    can_write = client.therapist_id == request.user.pk
    if can_write and shown is not None and ack_form is None:
        ack_form = AcknowledgeForm(
            initial={
                "on": shown.acknowledged_on
                or timezone.localdate(state.now, client.zone),
                "how": shown.acknowledged_how,
                "told_of_logging": shown.client_told_of_logging,
            }
        )
    context: dict[str, Any] = {
        "client": client,
        "state": state,
        "shown": shown,
        "shown_status": state.status(shown) if shown else None,
        "summary": terms_summary(shown, zone_name=_zone_name(client))
        if shown
        else None,
        "widenings": state.widenings(shown) if shown else [],
        "rows": state.rows(),
        "can_write": can_write,
        "can_approve": shown is not None
        and shown is state.awaiting
        and selectors.may_approve(
            actor=request.user, client=client, on=state.now.date()
        ),
        "ack_form": ack_form if can_write else None,
    }
    with timezone.override(client.zone):
        return render(request, TEMPLATES + "agreement.html", context)


@login_required
def agreement(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """The version in force (else the newest), and every version."""
    now = timezone.now()
    client = selectors.client_for_reading(
        actor=request.user, client_id=client_id, now=now
    )
    state = selectors.agreement_state(client=client, now=now)
    shown = state.in_force or state.newest
    audit_client_read(request, client, now, obj=shown)
    return _page(request, state, shown)


def _state_and_version(
    request: AuthenticatedHttpRequest, client: Client, version: int, now: dt.datetime
) -> tuple[AgreementState, ContactAgreement]:
    state = selectors.agreement_state(client=client, now=now)
    shown = next((v for v in state.versions if v.version == version), None)
    if shown is None:
        raise access.not_found(request.user, "agreement", version)
    return state, shown


@login_required
def agreement_version(
    request: AuthenticatedHttpRequest, client_id: int, version: int
) -> HttpResponse:
    now = timezone.now()
    client = selectors.client_for_reading(
        actor=request.user, client_id=client_id, now=now
    )
    state, shown = _state_and_version(request, client, version, now)
    audit_client_read(request, client, now, obj=shown)
    return _page(request, state, shown)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_new(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """A new version, prefilled from the newest (else from the clinic's frame,
    the template of every agreement)."""
    now = timezone.now()
    client = selectors.client_for_writing(
        actor=request.user, client_id=client_id, now=now
    )
    state = selectors.agreement_state(client=client, now=now)
    newest = state.newest
    if newest is not None:
        audit_client_read(request, client, now, obj=newest)
    form = AgreementForm(
        request.POST or None,
        initial=AgreementForm.initial_from(
            newest or state.frame,
            reply_hours=newest.reply_hours
            if newest
            else state.frame.response_window_hours,
            effective_on=timezone.localdate(now, client.zone),
            client_timezone=client.timezone,
        ),
        clinic_timezone=client.clinic.timezone,
    )
    if request.method == "POST" and form.is_valid():
        try:
            written = services.agreement_write(
                actor=request.user, client=client, now=now, **form.values()
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            _tell_written(request, written, client)
            return redirect("attachment:agreement", client.pk)
    title = (
        f"New version of the agreement (after v{newest.version})"
        if newest
        else ("Write the between-sessions agreement")
    )
    return render(
        request,
        TEMPLATES + "form_page.html",
        {
            "client": client,
            "form": form,
            "title": title,
            "frame": state.frame,
            "can_write": True,
        },
    )


def _tell_written(
    request: HttpRequest, written: ContactAgreement, client: Client
) -> None:
    if written.awaiting_approval:
        messages.info(
            request,
            f"Saved as version {written.version}. It allows more than the "
            "clinic's frame, so it takes effect once your supervisor approves it.",
        )
        return
    starts = timezone.localtime(written.effective_from, client.zone)
    messages.success(
        request,
        f"Saved as version {written.version}; it takes effect "
        f"{format_when(starts, 'datetime')} ({_zone_name(client)}).",
    )


@login_required
def agreement_copy(
    request: AuthenticatedHttpRequest, client_id: int, version: int
) -> HttpResponse:
    """The client copy, printable: the terms in the client's own words."""
    now = timezone.now()
    client = selectors.client_for_reading(
        actor=request.user, client_id=client_id, now=now
    )
    shown = selectors.version_of(actor=request.user, client=client, version=version)
    audit_client_read(request, client, now, obj=shown)
    with timezone.override(client.zone):
        return render(
            request,
            TEMPLATES + "client_copy.html",
            {
                "client": client,
                "agreement": shown,
                "copy": client_copy(
                    shown,
                    therapist_name=client.therapist.full_name,
                    zone_name=_zone_name(client),
                ),
            },
        )


@login_required
@require_POST
def agreement_acknowledge(
    request: AuthenticatedHttpRequest, client_id: int, version: int
) -> HttpResponse:
    now = timezone.now()
    client = selectors.client_for_writing(
        actor=request.user, client_id=client_id, now=now
    )
    state, shown = _state_and_version(request, client, version, now)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.agreement_acknowledge(
                actor=request.user, agreement=shown, now=now, **form.values()
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(request, "The client's acknowledgement is recorded.")
            return redirect(shown.get_absolute_url())
    # The page comes back with the agreement's text: a read.
    audit_client_read(request, client, now, obj=shown)
    return _page(request, state, shown, ack_form=form)


@login_required
@require_POST
def agreement_approve(
    request: AuthenticatedHttpRequest, client_id: int, version: int
) -> HttpResponse:
    now = timezone.now()
    client = selectors.client_for_reading(
        actor=request.user, client_id=client_id, now=now
    )
    shown = selectors.version_of(actor=request.user, client=client, version=version)
    try:
        approved = services.agreement_approve(
            actor=request.user, agreement=shown, now=now
        )
    except ValidationError as error:
        show_refusal(error, request=request)
    else:
        messages.success(
            request, f"Version {approved.version} is approved and now in force."
        )
    return redirect(shown.get_absolute_url())


@login_required
def agreement_approvals(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The versions waiting for the signed-in supervisor's approval."""
    if not access.clinic_ids_with_role(request.user, Role.SUPERVISOR):
        raise access.forbidden(request.user, "agreement-approvals", None)
    now = timezone.now()
    waiting = list(selectors.approvals_awaiting(actor=request.user, on=now.date()))
    audit_records(
        actor=request.user,
        action=AuditAction.READ,
        objs=waiting,
        at=now,
        request=request,
    )
    return render(request, TEMPLATES + "approvals.html", {"waiting": waiting})


@login_required
def client_notice(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The clinic's notice to clients about what is logged between sessions,
    printable; no client's record is read."""
    clinic = access.primary_clinic(request.user)
    if clinic is None:
        raise access.forbidden(request.user, "client-notice", None)
    return render(request, TEMPLATES + "client_notice.html", {"clinic": clinic})
