"""The staff page and its actions, and the welcome link.

The staff pages are the clinic admin's (anyone else signed in: 403; a person
or a proposal of another clinic: 404), thin as the other Administration
pages: access, form, one service call, and a refusal shown through
:func:`clinic.refusals.show_refusal`.

The welcome link is for the person it was sent to: it opens for a browser
that is signed out, or signed in as that person; for anyone else, and for a
token that is forged, expired, used or superseded, it answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.administration.staff import enrolment
from clinic.administration.staff import selectors as staff_selectors
from clinic.administration.staff import services as staff_services
from clinic.administration.staff.forms import (
    ClientMoveForm,
    RoleGrantForm,
    RoleRevokeForm,
    StaffInviteForm,
    WelcomePasswordForm,
)
from clinic.models import Clinic, StaffProposal, User
from clinic.refusals import Refused, show_refusal

PROPOSED = "Proposed: it takes effect once a second clinic admin approves it."


def _person(user: User, clinic: Clinic, user_id: int) -> User:
    person = staff_selectors.staff_member(clinic=clinic, user_id=user_id)
    if person is None:
        raise access.not_found(user, "staff-member", user_id)
    return person


def _proposal(user: User, clinic: Clinic, proposal_id: int) -> StaffProposal:
    proposal = staff_selectors.proposal_of_clinic(
        clinic=clinic, proposal_id=proposal_id
    )
    if proposal is None:
        raise access.not_found(user, "staff-proposal", proposal_id)
    return proposal


def _back_to_staff(
    request: AuthenticatedHttpRequest, act: Callable[[], object], done: str
) -> HttpResponse:
    """Run one service call of a button on the staff page and go back to it,
    with what happened or why nothing did."""
    try:
        act()
    except (Refused, ValidationError) as refusal:
        show_refusal(refusal, request=request)
    else:
        messages.success(request, done)
    return redirect("clinic:staff_list")


@login_required
def staff_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    return render(
        request,
        "clinic/administration/staff_list.html",
        {
            "clinic": clinic,
            "rows": staff_selectors.staff_rows(clinic=clinic),
            "proposals": list(staff_selectors.pending_proposals(clinic=clinic)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff_services.staff_invite(
                actor=request.user,
                clinic=clinic,
                now=timezone.now(),
                **form.cleaned_data,
            )
        except (Refused, ValidationError) as refusal:
            show_refusal(refusal, form=form)
        else:
            messages.success(request, f"The invitation is proposed. {PROPOSED}")
            return redirect("clinic:staff_list")
    return render(
        request,
        "clinic/admin/form_page.html",
        {"form": form, "title": "Invite someone"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_roles(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """Propose roles for a person of the clinic."""
    clinic = access.admin_clinic(request.user)
    person = _person(request.user, clinic, user_id)
    held = staff_selectors.roles_held(clinic=clinic, user=person)
    form = RoleGrantForm(request.POST or None, held=held)
    if request.method == "POST" and form.is_valid():
        try:
            staff_services.role_grant_propose(
                actor=request.user,
                clinic=clinic,
                person=person,
                roles=form.cleaned_data["roles"],
                now=timezone.now(),
            )
        except (Refused, ValidationError) as refusal:
            show_refusal(refusal, form=form)
        else:
            messages.success(request, f"The roles are proposed. {PROPOSED}")
            return redirect("clinic:staff_list")
    return render(
        request,
        "clinic/admin/form_page.html",
        {"form": form, "title": f"Grant roles to {person}"},
    )


@login_required
@require_POST
def staff_role_revoke(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    person = _person(request.user, clinic, user_id)
    form = RoleRevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role to remove; nothing was changed.")
        return redirect("clinic:staff_list")
    return _back_to_staff(
        request,
        lambda: staff_services.role_revoke(
            actor=request.user,
            clinic=clinic,
            person=person,
            role=form.cleaned_data["role"],
            now=timezone.now(),
        ),
        f"The role is removed from {person}.",
    )


@login_required
@require_POST
def staff_deactivate(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    person = _person(request.user, clinic, user_id)
    return _back_to_staff(
        request,
        lambda: staff_services.account_deactivate(
            actor=request.user, clinic=clinic, person=person, now=timezone.now()
        ),
        f"{person}'s account is deactivated.",
    )


@login_required
@require_POST
def clinical_lead_set(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    person = _person(request.user, clinic, user_id)
    return _back_to_staff(
        request,
        lambda: staff_services.clinical_lead_set(
            actor=request.user, clinic=clinic, person=person, now=timezone.now()
        ),
        f"{person} is the clinic's clinical lead.",
    )


@login_required
@require_POST
def clinical_lead_clear(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    return _back_to_staff(
        request,
        lambda: staff_services.clinical_lead_clear(
            actor=request.user, clinic=clinic, now=timezone.now()
        ),
        "The clinic has no clinical lead now; nobody can change the "
        "detectors' thresholds until one is named.",
    )


@login_required
@require_POST
def staff_reactivate(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    person = _person(request.user, clinic, user_id)
    return _back_to_staff(
        request,
        lambda: staff_services.reactivation_propose(
            actor=request.user, clinic=clinic, person=person, now=timezone.now()
        ),
        f"The reactivation of {person}'s account is proposed. {PROPOSED}",
    )


@login_required
@require_POST
def staff_authenticator_reset(
    request: AuthenticatedHttpRequest, user_id: int
) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    person = _person(request.user, clinic, user_id)
    return _back_to_staff(
        request,
        lambda: staff_services.authenticator_reset(
            actor=request.user, clinic=clinic, person=person, now=timezone.now()
        ),
        f"A new one-time enrolment link is sent to {person}.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_move_propose(
    request: AuthenticatedHttpRequest, client_id: int
) -> HttpResponse:
    """Propose that another therapist takes a client (from the clients page)."""
    clinic = access.admin_clinic(request.user)
    client = clinic.clients.select_related("therapist").filter(pk=client_id).first()
    if client is None:
        raise access.not_found(request.user, "client", client_id)
    therapists = [
        person
        for person in staff_selectors.active_therapists(clinic=clinic)
        if person.pk != client.therapist_id
    ]
    form = ClientMoveForm(request.POST or None, therapists=therapists)
    if request.method == "POST" and form.is_valid():
        try:
            staff_services.client_move_propose(
                actor=request.user,
                clinic=clinic,
                client_id=client.pk,
                therapist_id=form.cleaned_data["therapist"],
                now=timezone.now(),
            )
        except (Refused, ValidationError) as refusal:
            show_refusal(refusal, form=form)
        else:
            messages.success(request, f"The move is proposed. {PROPOSED}")
            return redirect("clinic:manage_clients")
    return render(
        request,
        "clinic/admin/form_page.html",
        {
            "form": form,
            "title": f"Move {client.code} from {client.therapist} to another therapist",
        },
    )


@login_required
@require_POST
def staff_proposal_approve(
    request: AuthenticatedHttpRequest, proposal_id: int
) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    proposal = _proposal(request.user, clinic, proposal_id)
    return _back_to_staff(
        request,
        lambda: staff_services.staff_proposal_approve(
            actor=request.user, proposal=proposal, now=timezone.now()
        ),
        "Approved: the change is in force.",
    )


@login_required
@require_POST
def staff_proposal_decline(
    request: AuthenticatedHttpRequest, proposal_id: int
) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    proposal = _proposal(request.user, clinic, proposal_id)
    return _back_to_staff(
        request,
        lambda: staff_services.staff_proposal_decline(
            actor=request.user, proposal=proposal, now=timezone.now()
        ),
        "Declined: nothing was changed.",
    )


@login_required
@require_POST
def staff_proposal_withdraw(
    request: AuthenticatedHttpRequest, proposal_id: int
) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    proposal = _proposal(request.user, clinic, proposal_id)
    return _back_to_staff(
        request,
        lambda: staff_services.staff_proposal_withdraw(
            actor=request.user, proposal=proposal, now=timezone.now()
        ),
        "Withdrawn: nothing was changed.",
    )


# --- the person's side --------------------------------------------------------


def _no_link(request: HttpRequest) -> Http404:
    """The same answer for every link that does not open: nothing about why,
    and no token in the log."""
    return access.not_found(cast(User, request.user), "enrolment-link", None)


@never_cache
@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest, token: str) -> HttpResponse:
    """Set the first password (a new person), then go on to sign in and set
    up the authenticator; the session is marked as come through the link."""
    now = timezone.now()
    link = staff_selectors.enrolment_link_for_token(token=token, now=now)
    signed_in = request.user.is_authenticated
    if link is None or (signed_in and request.user.pk != link.user_id):
        raise _no_link(request)
    person = link.user
    form = None
    if not person.has_usable_password():
        form = WelcomePasswordForm(person, request.POST or None)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            staff_services.enrolment_link_use(
                link=link,
                password=form.cleaned_data["new_password1"] if form else None,
                now=now,
            )
        except Refused as refusal:
            raise _no_link(request) from refusal
        enrolment.session_allow(request, link)
        if signed_in:
            return redirect("mfa_activate_totp")
        messages.success(
            request,
            "Sign in with your e-mail address and password; you will then set "
            "up your authenticator.",
        )
        return redirect("account_login")
    response = render(
        request,
        "clinic/welcome.html",
        {"person": person, "clinic": link.clinic, "form": form},
    )
    # The address holds the token: it must not travel on to another site.
    # (Not "no-referrer": a browser then sends the page's own form with
    # ``Origin: null``, which the CSRF check refuses.)
    response["Referrer-Policy"] = "same-origin"
    return response


@login_required
def enrolment_link_needed(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Shown to someone signed in who must enrol an authenticator but did not
    come through their link: no enrolment form, only what to do."""
    return render(request, "clinic/welcome_link_needed.html")
