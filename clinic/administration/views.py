"""The clinic admin's Administration pages: the clinic's frame and where each
client's agreement stands against it, absences with cover, supervision links (the staff page is :mod:`clinic.administration.staff`).

Only a clinic admin may use them (anyone else signed in: 403); a record of
another clinic answers 404.  Views are thin: access, form, one service call;
a service's ``ValidationError`` reaches the page through
:func:`clinic.refusals.show_refusal`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic import access, selectors, services
from clinic.access import AuthenticatedHttpRequest
from clinic.administration import selectors as admin_selectors
from clinic.administration import services as admin_services
from clinic.administration.forms import (
    AbsenceForm,
    ContactPolicyForm,
    SupervisionEndForm,
    SupervisionLinkForm,
)
from clinic.models import (
    Absence,
    Clinic,
    Supervision,
    User,
)
from clinic.policies import clinic_default_policy
from clinic.refusals import show_refusal


def _absence(user: User, clinic: Clinic, absence_id: int) -> Absence:
    absence = admin_selectors.absence_of_clinic(clinic=clinic, absence_id=absence_id)
    if absence is None:
        raise access.not_found(user, "absence", absence_id)
    return absence


def _link(user: User, clinic: Clinic, link_id: int) -> Supervision:
    link = admin_selectors.supervision_link(clinic=clinic, link_id=link_id)
    if link is None:
        raise access.not_found(user, "supervision", link_id)
    return link


@login_required
def absence_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    today = timezone.now().astimezone(clinic.zone).date()
    return render(
        request,
        "clinic/admin/absence_list.html",
        {
            "clinic": clinic,
            "absences": admin_selectors.absences_of_clinic(clinic=clinic),
            "today": today,
        },
    )


def _absence_form_page(
    request: AuthenticatedHttpRequest, clinic: Clinic, absence: Absence | None
) -> HttpResponse:
    form = AbsenceForm(request.POST or None, clinic=clinic, absence=absence)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            admin_services.absence_save(
                actor=request.user,
                clinic=clinic,
                absence=absence,
                therapist=data["therapist"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                covering_therapist=data["covering_therapist"],
                note=data["note"],
                now=timezone.now(),
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(request, "The absence is saved.")
            return redirect("clinic:absence_list")
    today = timezone.now().astimezone(clinic.zone).date()
    return render(
        request,
        "clinic/admin/absence_form.html",
        {
            "form": form,
            "absence": absence,
            "can_delete": absence is not None and absence.starts_on > today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def absence_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    return _absence_form_page(request, clinic, None)


@login_required
@require_http_methods(["GET", "POST"])
def absence_edit(request: AuthenticatedHttpRequest, absence_id: int) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    return _absence_form_page(
        request, clinic, _absence(request.user, clinic, absence_id)
    )


@login_required
@require_POST
def absence_delete(request: AuthenticatedHttpRequest, absence_id: int) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    absence = _absence(request.user, clinic, absence_id)
    try:
        admin_services.absence_delete(
            actor=request.user, absence=absence, now=timezone.now()
        )
    except admin_services.AbsenceAlreadyBegun as refusal:
        show_refusal(refusal, request=request)
    else:
        messages.success(request, "The absence is deleted.")
    return redirect("clinic:absence_list")


@login_required
def supervision_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    return render(
        request,
        "clinic/admin/supervision_list.html",
        {
            "clinic": clinic,
            "links": admin_selectors.supervision_links(clinic=clinic),
            "approvable": admin_selectors.supervision_links_approvable(
                clinic=clinic, actor=request.user
            ),
            "today": timezone.now().astimezone(clinic.zone).date(),
        },
    )


@login_required
@require_POST
def supervision_approve(
    request: AuthenticatedHttpRequest, link_id: int
) -> HttpResponse:
    """A second clinic admin approves a proposed link for the supervisee."""
    clinic = access.admin_clinic(request.user)
    link = _link(request.user, clinic, link_id)
    try:
        admin_services.supervision_link_approve(
            actor=request.user, link=link, now=timezone.now()
        )
    except admin_services.LinkApprovalRefused as refusal:
        show_refusal(refusal, request=request)
    else:
        messages.success(
            request,
            f"The link is approved and in force; {link.supervisee} is told by e-mail.",
        )
    return redirect("clinic:supervision_list")


@login_required
@require_http_methods(["GET", "POST"])
def supervision_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    form = SupervisionLinkForm(request.POST or None, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            admin_services.supervision_link_create(
                actor=request.user,
                clinic=clinic,
                now=timezone.now(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(request, "The supervision link is created.")
            return redirect("clinic:supervision_list")
    return render(
        request,
        "clinic/admin/form_page.html",
        {"form": form, "title": "New supervision link"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def supervision_end(request: AuthenticatedHttpRequest, link_id: int) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    link = _link(request.user, clinic, link_id)
    form = SupervisionEndForm(
        request.POST or None,
        started_on=link.started_on,
        initial={"ended_on": timezone.now().astimezone(clinic.zone).date()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            admin_services.supervision_link_end(
                actor=request.user,
                link=link,
                ended_on=form.cleaned_data["ended_on"],
                now=timezone.now(),
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(request, "The supervision link is ended.")
            return redirect("clinic:supervision_list")
    return render(
        request,
        "clinic/admin/form_page.html",
        {"form": form, "title": f"End the link: {link}", "link": link},
    )


@login_required
@require_POST
def supervision_cosign(request: AuthenticatedHttpRequest, link_id: int) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    link = _link(request.user, clinic, link_id)
    required = request.POST.get("required") == "on"
    admin_services.supervision_cosign_set(
        actor=request.user, link=link, required=required, now=timezone.now()
    )
    messages.success(
        request,
        f"Co-signature {'required' if required else 'no longer required'} "
        f"for {link.supervisee}'s notes.",
    )
    return redirect("clinic:supervision_list")


# --- clients, the clinic's frame and where agreements stand ------------------


@login_required
def manage_clients(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Clinic admin: clients per therapist by status, and each client's code,
    therapist and agreement status (never its text)."""
    clinic = access.admin_clinic(request.user)
    return render(
        request,
        "clinic/manage_clients.html",
        {
            "clinic": clinic,
            "counts": selectors.clinic_client_counts(clinic=clinic),
            "rows": admin_selectors.clients_with_agreements(
                actor=request.user, clinic=clinic, now=timezone.now()
            ),
        },
    )


@login_required
def agreement_status(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Per client: whether an agreement exists, the date of the version in
    force, where it stands against the frame and whether the client
    acknowledged it.  What was agreed is the therapist's and the client's."""
    clinic = access.admin_clinic(request.user)
    return render(
        request,
        "clinic/admin/agreement_status.html",
        {
            "clinic": clinic,
            "rows": admin_selectors.clients_with_agreements(
                actor=request.user, clinic=clinic, now=timezone.now()
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy_default(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The clinic's frame: its contact policy and its crisis lines."""
    clinic = access.admin_clinic(request.user)
    policy = clinic_default_policy(clinic=clinic)
    form = ContactPolicyForm(
        request.POST or None, initial=ContactPolicyForm.initial_from(policy)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_policy_save_default(
                actor=request.user,
                clinic=clinic,
                values=form.policy_values(),
                crisis_lines=form.crisis_lines_value(),
                now=timezone.now(),
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(
                request, "The clinic's frame is saved; it applies from now on."
            )
            return redirect("clinic:policy_default")
    return render(
        request,
        "clinic/policy_form.html",
        {
            "form": form,
            "clinic": clinic,
            "title": "Contact boundaries: the clinic's frame",
        },
    )
