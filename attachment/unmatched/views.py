"""The unmatched inbox: messages from or to addresses no current client
has, waiting to be assigned or discarded.

Each message is a row with its own assign form (the clients the user may
assign to) and a discard button; both post and come back to the inbox.  The
rows show addresses, which name people, so the page writes one read event
per message shown."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from attachment.unmatched import access, selectors, services
from attachment.unmatched.forms import UnmatchedAssignForm
from clinic.access import AuthenticatedHttpRequest
from clinic.audit import audit_records
from clinic.models import AuditAction, Client, Clinic
from clinic.refusals import show_refusal

PAGE_SIZE = 25


@login_required
@require_GET
def unmatched_inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    clinic_ids = access.inbox_clinic_ids(request.user)
    page = Paginator(
        selectors.unmatched_waiting(clinic_ids=clinic_ids), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    choices = {
        clinic_id: selectors.assignable_choices(request.user, clinic_id=clinic_id)
        for clinic_id in {message.clinic_id for message in shown}
    }
    rows = [
        (
            message,
            UnmatchedAssignForm(
                choices=choices[message.clinic_id],
                action=reverse("attachment:unmatched_assign", args=[message.pk]),
                auto_id=f"m{message.pk}-%s",
            ),
        )
        for message in shown
    ]
    for clinic_id in choices:
        audit_records(
            actor=request.user,
            action=AuditAction.READ,
            objs=[message for message in shown if message.clinic_id == clinic_id],
            at=now,
            clinic_id=clinic_id,
            request=request,
        )
    return render(
        request,
        "attachment/unmatched/inbox.html",
        {
            "rows": rows,
            "page": page,
            "clinics": Clinic.objects.filter(pk__in=clinic_ids),
        },
    )


@login_required
@require_POST
def unmatched_assign(
    request: AuthenticatedHttpRequest, message_id: int
) -> HttpResponse:
    now = timezone.now()
    message = access.message_for_acting(request.user, message_id)
    form = UnmatchedAssignForm(
        request.POST,
        choices=selectors.assignable_choices(request.user, clinic_id=message.clinic_id),
    )
    if not form.is_valid():
        messages.error(request, "Choose one of the clients offered.")
        return redirect("attachment:unmatched_inbox")
    client = Client.objects.get(pk=form.cleaned_data["client"])
    try:
        contact = services.unmatched_assign(
            actor=request.user,
            message=message,
            client=client,
            now=now,
            remember_address=form.cleaned_data["remember"],
        )
    except ValidationError as error:
        show_refusal(error, request=request)
    else:
        messages.success(
            request, f"The message is now a contact of {contact.client.code}."
        )
    return redirect("attachment:unmatched_inbox")


@login_required
@require_POST
def unmatched_discard(
    request: AuthenticatedHttpRequest, message_id: int
) -> HttpResponse:
    message = access.message_for_acting(request.user, message_id)
    try:
        services.unmatched_discard(
            actor=request.user, message=message, now=timezone.now()
        )
    except ValidationError as error:
        show_refusal(error, request=request)
    else:
        messages.success(request, "The message is discarded.")
    return redirect("attachment:unmatched_inbox")
