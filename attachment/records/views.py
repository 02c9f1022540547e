"""Pages for between-session records.

Each view fetches the client through :mod:`clinic.access` (404 out of scope,
403 for a supervisor or admin on a write page), then does one form, one
service or selector call, and renders, with the clinic's time zone active so
that times are entered and shown as the clinic lives them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from attachment.models import Rupture
from attachment.records import selectors, services
from attachment.records.charts import weekly_chart
from attachment.records.forms import (
    ContactForm,
    CopingPlanForm,
    MeasureForm,
    ObservationForm,
    QuickContactForm,
    RepairForm,
    RuptureForm,
    reply_preselected,
)
from attachment.records.timeline import (
    timeline_kinds,
    timeline_kinds_chosen,
    timeline_page,
)
from clinic.access import AuthenticatedHttpRequest
from clinic.audit import audit_client_read
from clinic.models import Client
from clinic.refusals import show_refusal

LIST_PAGE_SIZE = 50
FORM_TEMPLATE = "attachment/records/form_page.html"


def _saved(request: HttpRequest, form: Form, save: Callable[[], Any]) -> bool:
    """Validate and save; a service's refusal lands on the form."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        save()
    except ValidationError as error:
        show_refusal(error, form=form)
        return False
    return True


def _form_page(
    request: HttpRequest, client: Client, form: Form, title: str, **extra: Any
) -> HttpResponse:
    return render(
        request,
        FORM_TEMPLATE,
        {"client": client, "form": form, "title": title, "can_write": True, **extra},
    )


def _local_now(client: Client, now: dt.datetime) -> str:
    return timezone.localtime(now, client.clinic.zone).strftime("%Y-%m-%dT%H:%M")


def _record_list(
    request: AuthenticatedHttpRequest,
    client_id: int,
    *,
    rows: Callable[[Client], Any],
    template: str,
    extra: Callable[[Client], dict] = lambda client: {},
) -> HttpResponse:
    """A client's records of one kind, newest first, paginated; the read is
    audited and shown in the clinic's time zone."""
    now = timezone.now()
    client = selectors.client_for_reading(
        actor=request.user, client_id=client_id, now=now
    )
    audit_client_read(request, client, now)
    page = Paginator(rows(client), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    with timezone.override(client.clinic.zone):
        return render(
            request,
            template,
            {
                "client": client,
                "page": page,
                "can_write": client.therapist_id == request.user.pk,
                **extra(client),
            },
        )


# Client page panels -------------------------------------------------------


def records_panel(*, request: HttpRequest, client: Client, now: dt.datetime) -> dict:
    """The client page's quick contact form, recent contacts and open ruptures."""
    can_write = client.therapist_id == request.user.pk
    form = None
    if can_write:
        form = QuickContactForm(
            initial={
                "occurred_at": _local_now(client, now),
                "channel": selectors.last_channel_of(client=client),
                "return_to": "client",
                **reply_preselected(request.GET),
            },
            replies=selectors.unanswered_contacts_of(client=client),
        )
        form.helper.form_action = reverse("attachment:contact_new", args=[client.pk])
    return {
        "client": client,
        "zone": client.clinic.zone,
        "can_write": can_write,
        "form": form,
        "recent_contacts": list(selectors.contacts_of(client=client)[:5]),
        "open_ruptures": list(selectors.open_ruptures_of(client=client)[:5]),
    }


def plan_panel(*, request: HttpRequest, client: Client, now: dt.datetime) -> dict:
    plans = list(selectors.plans_of(client=client)[:2])
    return {
        "client": client,
        "zone": client.clinic.zone,
        "plan": plans[0] if plans else None,
        "has_older": len(plans) > 1,
        "can_write": client.therapist_id == request.user.pk,
    }


# Timeline -----------------------------------------------------------------


@login_required
def timeline(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    now = timezone.now()
    client = selectors.client_for_reading(
        actor=request.user, client_id=client_id, now=now
    )
    kinds = timeline_kinds_chosen(request.GET.getlist("type"))
    page, entries = timeline_page(
        client=client,
        kinds=kinds,
        page_number=request.GET.get("page"),
        viewer=request.user,
        now=now,
    )
    with timezone.override(client.clinic.zone):
        response = render(
            request,
            "attachment/records/timeline.html",
            {
                "client": client,
                "can_write": client.therapist_id == request.user.pk,
                "chart": weekly_chart(client=client, now=now),
                "page": page,
                "entries": entries,
                "kinds": timeline_kinds(),
                "chosen": kinds,
                "query": urlencode([("type", kind) for kind in kinds]) + "&"
                if kinds
                else "",
            },
        )
    # Last: the audit chain's lock is held from here to the commit.
    audit_client_read(request, client, now)
    return response


# Contacts -----------------------------------------------------------------


@login_required
def contact_list(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    return _record_list(
        request,
        client_id,
        rows=lambda client: selectors.contacts_of(client=client),
        template="attachment/records/contact_list.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_new(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """The contact form; from the caseload (``?from=caseload``) its short
    version, which goes back to the caseload once saved."""
    now = timezone.now()
    client = selectors.client_for_writing(
        actor=request.user, client_id=client_id, now=now
    )
    quick = request.GET.get("from") == "caseload"
    form_class = QuickContactForm if quick else ContactForm
    with timezone.override(client.clinic.zone):
        form = form_class(
            request.POST or None,
            initial={
                "occurred_at": _local_now(client, now),
                "channel": selectors.last_channel_of(client=client),
                **({"return_to": "home"} if quick else {}),
            },
            replies=selectors.unanswered_contacts_of(client=client),
        )
        if _saved(
            request,
            form,
            lambda: services.contact_log(
                actor=request.user, client=client, now=now, **form.values()
            ),
        ):
            messages.success(request, f"Contact with {client.display_name} logged.")
            return_to = request.POST.get("return_to")
            if return_to == "client":
                return redirect(client.get_absolute_url())
            if return_to == "home":
                return redirect("clinic:home")
            return redirect("attachment:contact_list", client.pk)
        return _form_page(request, client, form, "Log a contact")


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(
    request: AuthenticatedHttpRequest, client_id: int, contact_id: int
) -> HttpResponse:
    now = timezone.now()
    client = selectors.client_for_writing(
        actor=request.user, client_id=client_id, now=now
    )
    contact = selectors.contact_of(
        actor=request.user, client=client, contact_id=contact_id
    )
    audit_client_read(request, client, now, obj=contact)
    with timezone.override(client.clinic.zone):
        initial = {name: getattr(contact, name) for name in services.CONTACT_FIELDS}
        initial["in_reply_to"] = contact.in_reply_to_id
        form = ContactForm(
            request.POST or None,
            initial=initial,
            replies=selectors.unanswered_contacts_of(
                client=client, also=contact.in_reply_to_id
            ),
        )
        if _saved(
            request,
            form,
            lambda: services.contact_update(
                actor=request.user, contact=contact, now=now, **form.values()
            ),
        ):
            messages.success(request, "Contact saved.")
            return redirect("attachment:contact_list", client.pk)
        return _form_page(request, client, form, "Edit a contact", record=contact)


# Ruptures and repairs -----------------------------------------------------


@login_required
def rupture_list(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    return _record_list(
        request,
        client_id,
        rows=lambda client: selectors.ruptures_of(client=client),
        template="attachment/records/rupture_list.html",
    )


@login_required
def rupture_detail(
    request: AuthenticatedHttpRequest, client_id: int, rupture_id: int
) -> HttpResponse:
    now = timezone.now()
    client = selectors.client_for_reading(
        actor=request.user, client_id=client_id, now=now
    )
    rupture = selectors.rupture_of(
        actor=request.user, client=client, rupture_id=rupture_id
    )
    audit_client_read(request, client, now, obj=rupture)
    with timezone.override(client.clinic.zone):
        return render(
            request,
            "attachment/records/rupture_detail.html",
            {
                "client": client,
                "rupture": rupture,
                "attempts": list(rupture.attempts.all()),
                "can_write": client.therapist_id == request.user.pk,
            },
        )


@login_required
@require_http_methods(["GET", "POST"])
def rupture_new(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    now = timezone.now()
    client = selectors.client_for_writing(
        actor=request.user, client_id=client_id, now=now
    )
    with timezone.override(client.clinic.zone):
        form = RuptureForm(
            request.POST or None, initial={"noticed_at": _local_now(client, now)}
        )
        saved: list[Rupture] = []
        if _saved(
            request,
            form,
            lambda: saved.append(
                services.rupture_record(
                    actor=request.user, client=client, now=now, **form.values()
                )
            ),
        ):
            messages.success(request, "Rupture recorded.")
            return redirect(saved[0].get_absolute_url())
        return _form_page(request, client, form, "Record a rupture")


@login_required
@require_http_methods(["GET", "POST"])
def rupture_edit(
    request: AuthenticatedHttpRequest, client_id: int, rupture_id: int
) -> HttpResponse:
    now = timezone.now()
    client = selectors.client_for_writing(
        actor=request.user, client_id=client_id, now=now
    )
    rupture = selectors.rupture_of(
        actor=request.user, client=client, rupture_id=rupture_id
    )
    audit_client_read(request, client, now, obj=rupture)
    with timezone.override(client.clinic.zone):
        form = RuptureForm(
            request.POST or None,
            initial=RuptureForm.initial_from(rupture),
            editing=True,
        )
        if _saved(
            request,
            form,
            lambda: services.rupture_update(
                actor=request.user, rupture=rupture, now=now, **form.values()
            ),
        ):
            messages.success(request, "Rupture saved.")
            return redirect(rupture.get_absolute_url())
        return _form_page(request, client, form, "Edit a rupture", record=rupture)


@login_required
@require_http_methods(["GET", "POST"])
def repair_new(
    request: AuthenticatedHttpRequest, client_id: int, rupture_id: int
) -> HttpResponse:
    now = timezone.now()
    client = selectors.client_for_writing(
        actor=request.user, client_id=client_id, now=now
    )
    rupture = selectors.rupture_of(
        actor=request.user, client=client, rupture_id=rupture_id
    )
    with timezone.override(client.clinic.zone):
        form = RepairForm(
            request.POST or None,
            rupture=rupture,
            initial={"attempted_at": _local_now(client, now)},
        )
        if _saved(
            request,
            form,
            lambda: services.repair_record(
                actor=request.user, rupture=rupture, now=now, **form.values()
            ),
        ):
            messages.success(request, "Repair attempt recorded.")
            return redirect(rupture.get_absolute_url())
        return _form_page(
            request, client, form, "Record a repair attempt", record=rupture
        )


# Observations and measures ------------------------------------------------


@login_required
def observation_list(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    return _record_list(
        request,
        client_id,
        rows=lambda client: selectors.observations_of(client=client),
        template="attachment/records/observation_list.html",
        extra=lambda client: {
            "measures": list(selectors.measures_of(client=client)[:20])
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def observation_new(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    now = timezone.now()
    client = selectors.client_for_writing(
        actor=request.user, client_id=client_id, now=now
    )
    with timezone.override(client.clinic.zone):
        form = ObservationForm(
            request.POST or None, initial={"observed_at": _local_now(client, now)}
        )
        if _saved(
            request,
            form,
            lambda: services.observation_record(
                actor=request.user, client=client, now=now, **form.values()
            ),
        ):
            messages.success(request, "Observation saved.")
            return redirect("attachment:observation_list", client.pk)
        return _form_page(request, client, form, "Record a dependency observation")


@login_required
@require_http_methods(["GET", "POST"])
def measure_new(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    now = timezone.now()
    client = selectors.client_for_writing(
        actor=request.user, client_id=client_id, now=now
    )
    with timezone.override(client.clinic.zone):
        form = MeasureForm(
            request.POST or None, initial={"measured_on": timezone.localdate(now)}
        )
        if _saved(
            request,
            form,
            lambda: services.measure_record(
                actor=request.user, client=client, now=now, **form.values()
            ),
        ):
            messages.success(request, "Attachment measure saved.")
            return redirect("attachment:observation_list", client.pk)
        return _form_page(request, client, form, "Record attachment measure scores")


# Coping plans -------------------------------------------------------------


@login_required
def plan(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    now = timezone.now()
    client = selectors.client_for_reading(
        actor=request.user, client_id=client_id, now=now
    )
    plans = list(selectors.plans_of(client=client))
    audit_client_read(request, client, now, obj=plans[0] if plans else None)
    with timezone.override(client.clinic.zone):
        return render(
            request,
            "attachment/records/plan.html",
            {
                "client": client,
                "plan": plans[0] if plans else None,
                "versions": plans,
                "can_write": client.therapist_id == request.user.pk,
            },
        )


@login_required
def plan_version(
    request: AuthenticatedHttpRequest, client_id: int, version: int
) -> HttpResponse:
    now = timezone.now()
    client = selectors.client_for_reading(
        actor=request.user, client_id=client_id, now=now
    )
    shown = selectors.plan_version(actor=request.user, client=client, version=version)
    audit_client_read(request, client, now, obj=shown)
    current = selectors.current_plan(client=client)
    with timezone.override(client.clinic.zone):
        return render(
            request,
            "attachment/records/plan_version.html",
            {
                "client": client,
                "plan": shown,
                "is_current": current is not None and current.pk == shown.pk,
                "can_write": client.therapist_id == request.user.pk,
            },
        )


@login_required
@require_http_methods(["GET", "POST"])
def plan_revise(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    now = timezone.now()
    client = selectors.client_for_writing(
        actor=request.user, client_id=client_id, now=now
    )
    current = selectors.current_plan(client=client)
    audit_client_read(request, client, now, obj=current)
    initial = (
        {name: getattr(current, name) for name in CopingPlanForm.base_fields}
        if current
        else {}
    )
    with timezone.override(client.clinic.zone):
        form = CopingPlanForm(request.POST or None, initial=initial)
        if _saved(
            request,
            form,
            lambda: services.coping_plan_revise(
                actor=request.user, client=client, now=now, **form.values()
            ),
        ):
            messages.success(request, "Coping plan saved as a new version.")
            return redirect(reverse("attachment:plan", args=[client.pk]))
        title = (
            f"Revise the coping plan (v{current.version})"
            if current
            else ("Write a coping plan")
        )
        return _form_page(request, client, form, title)
