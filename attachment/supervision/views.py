"""Supervision sessions, action items and notifications.

Who may do what is decided in :mod:`attachment.supervision.selectors`: a
supervisor records sessions with *current* supervisees and reads them while
the link lasts; the supervisee reads their own sessions and marks their own
items done; anyone else gets 404, and a clinic admin 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from attachment.models import SupervisionSession
from attachment.supervision import selectors, services
from attachment.supervision.forms import (
    ActionItemFormSet,
    SessionForm,
    SuperviseeChoiceForm,
    item_values,
)
from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.audit import audit_record
from clinic.models import AuditAction, Role, Supervision
from clinic.refusals import show_refusal

PAGE_SIZE = 25


def _as_id(value: str | None) -> int | None:
    if value and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def _chosen_link(request: HttpRequest, links: list[Supervision]) -> Supervision | None:
    """The link of the supervisee asked for; on a first visit with a single
    supervisee, that one."""
    source = request.POST if request.method == "POST" else request.GET
    wanted = _as_id(source.get("supervisee"))
    if wanted is None and request.method == "GET" and len(links) == 1:
        return links[0]
    return next((link for link in links if link.supervisee_id == wanted), None)


@login_required
def session_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    selectors.require_clinician(request.user)
    supervisee_id = _as_id(request.GET.get("supervisee"))
    links = (
        selectors.supervisee_links(actor=request.user, on=now.date())
        if access.has_role(request.user, Role.SUPERVISOR)
        else []
    )
    page = Paginator(
        selectors.sessions_list(
            actor=request.user, on=now.date(), supervisee_id=supervisee_id
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "attachment/supervision/session_list.html",
        {
            "page": page,
            "links": links,
            "chosen": supervisee_id,
            "query": f"supervisee={supervisee_id}&" if supervisee_id else "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    links = selectors.supervisee_links(actor=request.user, on=now.date())
    link = _chosen_link(request, links)
    chooser = SuperviseeChoiceForm(
        initial={"supervisee": link.supervisee_id if link else None}, links=links
    )
    context: dict[str, Any] = {"links": links, "link": link, "chooser": chooser}
    if link is None:
        if request.method == "POST":
            messages.error(request, "Choose one of your current supervisees.")
        return render(request, "attachment/supervision/session_form.html", context)
    with timezone.override(link.clinic.zone):
        local_now = timezone.localtime(now).replace(second=0, microsecond=0)
        form = SessionForm(
            request.POST or None,
            link=link,
            now=now,
            initial={"held_at": local_now.replace(tzinfo=None)},
        )
        formset = ActionItemFormSet(
            request.POST or None,
            prefix="items",
            form_kwargs={"link": link, "today": services.local_today(link, now)},
        )
        if request.method == "POST" and form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                session = services.supervision_session_record(
                    actor=request.user,
                    supervisee_id=link.supervisee_id,
                    held_at=data["held_at"],
                    notes=data["notes"],
                    follow_up_on=data["follow_up_on"],
                    flag_ids=[flag.pk for flag in data["flags"]],
                    items=item_values(formset),
                    now=now,
                )
            except ValidationError as error:
                show_refusal(error, form=form)
            else:
                messages.success(request, "Supervision session recorded.")
                return redirect(session)
        context.update(form=form, formset=formset)
        return render(request, "attachment/supervision/session_form.html", context)


def _audit_session_read(
    request: AuthenticatedHttpRequest,
    session: SupervisionSession,
    client_ids: set[int],
    now: dt.datetime,
) -> None:
    """One event per client the page speaks of (or one for the session alone),
    so that each client's audit trail shows this read."""
    targets: list[int | None] = [*sorted(client_ids)] if client_ids else [None]
    for client_id in targets:
        audit_record(
            actor=request.user,
            action=AuditAction.READ,
            at=now,
            obj=session,
            client_id=client_id,
            request=request,
        )


@login_required
def session_detail(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    now = timezone.now()
    session = selectors.session_for_reading(
        actor=request.user, session_id=session_id, on=now.date()
    )
    items = selectors.items_of(session=session)
    flags = selectors.flags_of(session=session)
    _audit_session_read(
        request,
        session,
        {flag.client_id for flag in flags}
        | {item.client_id for item in items if item.client_id},
        now,
    )
    with timezone.override(session.clinic.zone):
        today = timezone.localdate(now)
        for item in items:
            item.overdue = item.is_overdue(today)
        return render(
            request,
            "attachment/supervision/session_detail.html",
            {
                "session": session,
                "items": items,
                "flags": flags,
            },
        )


@login_required
@require_POST
def action_item_done(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    now = timezone.now()
    item = selectors.action_item_for_owner(
        actor=request.user, item_id=item_id, on=now.date()
    )
    if services.action_item_done(actor=request.user, item=item, now=now):
        messages.success(request, "Action item marked done.")
    else:
        messages.info(request, "That action item was already done.")
    if request.POST.get("return_to") == "home":
        return redirect("clinic:home")
    return redirect(item.session)


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.primary_clinic(request.user)
    page = Paginator(
        selectors.notifications_of(actor=request.user), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    with timezone.override(clinic.zone if clinic else dt.UTC):
        return render(
            request,
            "attachment/supervision/notifications.html",
            {
                "page": page,
                "unread": selectors.unread_count(actor=request.user),
            },
        )


@login_required
@require_POST
def notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = services.notifications_mark_read(actor=request.user, now=timezone.now())
    if count:
        messages.success(request, "All notifications marked read.")
    return redirect("attachment:notifications")
