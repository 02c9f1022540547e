"""Pages of the flag review: the queue, one flag, and the POST-only steps.

The queue serves supervisors (their current supervisees' flags, once they
have reached them) and therapists (their own clients' flags, at once) alike,
one row per client (the client's sequence card of the matching flags);
archived flags leave it but keep their page.  A clinic admin, who never reads
flags or their evidence, is refused.  A flag is scoped like its client: 404
out of scope (and for a supervisor before it reaches them), 403 for the
admin.  Each step is a POST of its own form; a
refused step (a closed flag, say) comes back as a message on the flag page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from attachment.models import Flag, FlagStatus
from attachment.review import selectors, services, steps
from attachment.review.charts import flag_series_chart
from attachment.review.evidence import evidence_rows, flag_gauge
from attachment.review.filters import FlagQueueFilter
from attachment.review.forms import FlagCloseForm, FlagResponseForm, FlagStepForm
from attachment.review.steps import Relation, Step
from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.audit import audit_record
from clinic.models import AuditAction
from clinic.refusals import Refused, show_refusal

# Clients per page of the queue, each with all of its matching flags.
QUEUE_PAGE_SIZE = 25


@login_required
def flag_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One row per client: the client's sequence card made of the flags that
    match the filters."""
    access.require_clinical_role(request.user)
    now = timezone.now()
    filters = FlagQueueFilter(
        request.GET,
        queryset=selectors.flag_queue_readable(user=request.user, now=now),
        reviewers=selectors.queue_reviewers(user=request.user, on=now.date()),
    )
    flags = filters.qs
    page = Paginator(
        selectors.flag_queue_clients(flags=flags), QUEUE_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    cards = selectors.flag_queue_cards(
        flags=flags, client_ids=[row["client_id"] for row in page.object_list]
    )
    query = request.GET.copy()
    query.pop("page", None)
    response = render(
        request,
        "attachment/review/queue.html",
        {
            "filters": filters,
            "page": page,
            "cards": cards,
            "counts": selectors.queue_client_counts(flags=flags),
            "query": query.urlencode() + "&" if query else "",
        },
    )
    # Last: the audit chain's lock is held from here to the commit.
    services.flags_read_record(
        actor=request.user,
        flags=[flag for card in cards for flag in card.flags],
        now=now,
        request=request,
    )
    return response


def _relation(
    request: AuthenticatedHttpRequest, flag: Flag, now: dt.datetime
) -> Relation:
    return selectors.flag_relation(actor=request.user, flag=flag, on=now.date())


def _step_forms(flag: Flag, relation: Relation) -> dict[str, Form]:
    """One form per step the flag allows the user now: what the services
    accept, and nothing else."""
    allowed = steps.allowed_steps(status=FlagStatus(flag.status), relation=relation)
    forms: dict[str, Form] = {}
    if Step.ACKNOWLEDGE in allowed:
        forms["acknowledge_form"] = FlagStepForm(
            flag_id=flag.pk, action="attachment:flag_acknowledge", submit="Acknowledge"
        )
    if Step.TO_SUPERVISION in allowed:
        forms["supervision_form"] = FlagStepForm(
            flag_id=flag.pk,
            action="attachment:flag_to_supervision",
            submit="Add to the next supervision",
        )
    if Step.CLOSE in allowed:
        forms["close_form"] = FlagCloseForm(
            flag_id=flag.pk, by_therapist=relation == Relation.TREATING
        )
    if Step.RESPOND in allowed:
        forms["response_form"] = FlagResponseForm(flag_id=flag.pk)
    return forms


def _flag_page(
    request: AuthenticatedHttpRequest, flag: Flag, now: dt.datetime, **forms: Form
) -> HttpResponse:
    """The flag page, with any bound form that came back with errors."""
    user = request.user
    step = _step_forms(flag, _relation(request, flag, now))
    step.update(forms)
    with timezone.override(flag.client.clinic.zone):
        response = render(
            request,
            "attachment/review/flag_detail.html",
            {
                "flag": flag,
                "client": flag.client,
                "rows": evidence_rows(
                    flag.evidence,
                    window_start=flag.window_start,
                    window_end=flag.window_end,
                ),
                "chart": flag_series_chart(flag=flag),
                "gauge": flag_gauge(flag=flag),
                "records": selectors.records_behind(flag=flag),
                "unclassified": selectors.unclassified_in_window(flag=flag),
                "history": selectors.status_history(flag=flag),
                "responses": selectors.responses_to(flag=flag),
                "now": now,
                "inactive_since": _inactive_since(flag),
                **step,
            },
        )
    # Last: the audit chain's lock is held from here to the commit.
    audit_record(
        actor=user,
        action=AuditAction.READ,
        obj=flag,
        client_id=flag.client_id,
        clinic_id=flag.client.clinic_id,
        at=now,
        request=request,
    )
    return response


def _inactive_since(flag: Flag) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(flag.evidence.get("no_longer_active_since")))
    except ValueError:
        return None


def _flag(request: AuthenticatedHttpRequest, flag_id: int, now: dt.datetime) -> Flag:
    return selectors.flag_for_reading(user=request.user, flag_id=flag_id, now=now)


@login_required
def flag_detail(request: AuthenticatedHttpRequest, flag_id: int) -> HttpResponse:
    now = timezone.now()
    return _flag_page(request, _flag(request, flag_id, now), now)


def _require_step(
    request: AuthenticatedHttpRequest,
    flag: Flag,
    now: dt.datetime,
    step: Step,
    what: str,
) -> None:
    """403 before a step's form is read when the step is never the user's."""
    if step not in steps.steps_open_to(relation=_relation(request, flag, now)):
        raise access.forbidden(request.user, what, flag.pk)


def _stepped(
    request: HttpRequest, flag: Flag, step: Callable[[], object], done: str
) -> HttpResponse:
    try:
        step()
    except Refused as refused:
        show_refusal(refused, request=request)
    else:
        messages.success(request, done)
    return redirect("attachment:flag_detail", flag.pk)


@login_required
@require_POST
def flag_acknowledge(request: AuthenticatedHttpRequest, flag_id: int) -> HttpResponse:
    now = timezone.now()
    flag = _flag(request, flag_id, now)
    return _stepped(
        request,
        flag,
        lambda: services.flag_acknowledge(actor=request.user, flag=flag, now=now),
        "Flag acknowledged.",
    )


@login_required
@require_POST
def flag_to_supervision(
    request: AuthenticatedHttpRequest, flag_id: int
) -> HttpResponse:
    now = timezone.now()
    flag = _flag(request, flag_id, now)
    return _stepped(
        request,
        flag,
        lambda: services.flag_to_supervision(actor=request.user, flag=flag, now=now),
        "Flag added to the next supervision session.",
    )


@login_required
@require_POST
def flag_close(request: AuthenticatedHttpRequest, flag_id: int) -> HttpResponse:
    now = timezone.now()
    flag = _flag(request, flag_id, now)
    _require_step(request, flag, now, Step.CLOSE, "flag-review")
    form = FlagCloseForm(request.POST, flag_id=flag.pk)
    if form.is_valid():
        try:
            return _stepped(
                request,
                flag,
                lambda: services.flag_close(
                    actor=request.user,
                    flag=flag,
                    outcome=form.cleaned_data["outcome"],
                    reason=form.cleaned_data["reason"],
                    usefulness=form.cleaned_data["usefulness"],
                    now=now,
                ),
                "Flag closed.",
            )
        except ValidationError as error:
            show_refusal(error, form=form)
    return _flag_page(request, flag, now, close_form=form)


@login_required
@require_POST
def flag_respond(request: AuthenticatedHttpRequest, flag_id: int) -> HttpResponse:
    now = timezone.now()
    flag = _flag(request, flag_id, now)
    _require_step(request, flag, now, Step.RESPOND, "flag-response")
    form = FlagResponseForm(request.POST, flag_id=flag.pk)
    if form.is_valid():
        try:
            services.flag_respond(
                actor=request.user, flag=flag, text=form.cleaned_data["text"], now=now
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(request, "Response added.")
            return redirect("attachment:flag_detail", flag.pk)
    return _flag_page(request, flag, now, response_form=form)
