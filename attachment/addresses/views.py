"""The contact-address pages: the treating therapist's page of one client,
and the clinic admin's page of every current client's addresses.

An address names a person, so every page that shows addresses writes a
read event: the client page's list as one read of the client, the admin's
list as one read per address shown (each on its client's trail)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from attachment.addresses import selectors, services
from attachment.addresses.forms import AddressForm, AdminAddressForm
from attachment.models import ClientAddress
from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.audit import audit_record, audit_records
from clinic.models import AuditAction, Client, Clinic, User
from clinic.refusals import show_refusal

# The audit event type of a read of one client's address list.
ADDRESS_LIST = "attachment.clientaddress_list"


def _client_address(user: User, client: Client, address_id: int) -> ClientAddress:
    found = selectors.address_in_use(
        addresses=selectors.addresses_in_use_of(client=client), address_id=address_id
    )
    if found is None:
        raise access.not_found(user, "client-address", address_id)
    return found


def _clinic_address(user: User, clinic: Clinic, address_id: int) -> ClientAddress:
    found = selectors.address_in_use(
        addresses=selectors.addresses_of_current_clients(clinic=clinic),
        address_id=address_id,
    )
    if found is None:
        raise access.not_found(user, "client-address", address_id)
    return found


def _client_page(
    request: AuthenticatedHttpRequest,
    client: Client,
    form: AddressForm,
    now: dt.datetime,
) -> HttpResponse:
    addresses = list(selectors.addresses_in_use_of(client=client))
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        obj=client,
        object_type=ADDRESS_LIST,
        client_id=client.pk,
        at=now,
        request=request,
    )
    return render(
        request,
        "attachment/addresses/client_addresses.html",
        {"client": client, "can_write": True, "addresses": addresses, "form": form},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def client_addresses(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    now = timezone.now()
    client = access.client_for_writing(request.user, client_id, on=now.date())
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.address_add(
                actor=request.user,
                client=client,
                raw=form.cleaned_data["address"],
                now=now,
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(request, "The address is added.")
            return redirect("attachment:client_addresses", client.pk)
    return _client_page(request, client, form, now)


@login_required
@require_POST
def client_address_remove(
    request: AuthenticatedHttpRequest, client_id: int, address_id: int
) -> HttpResponse:
    now = timezone.now()
    client = access.client_for_writing(request.user, client_id, on=now.date())
    address = _client_address(request.user, client, address_id)
    try:
        services.address_remove(actor=request.user, address=address, now=now)
    except ValidationError as error:
        show_refusal(error, request=request)
    else:
        messages.success(request, "The address is removed.")
    return redirect("attachment:client_addresses", client.pk)


def _admin_page(
    request: AuthenticatedHttpRequest,
    clinic: Clinic,
    form: AdminAddressForm,
    now: dt.datetime,
) -> HttpResponse:
    addresses = list(selectors.addresses_of_current_clients(clinic=clinic))
    audit_records(
        actor=request.user,
        action=AuditAction.READ,
        objs=addresses,
        at=now,
        clinic_id=clinic.pk,
        request=request,
    )
    return render(
        request,
        "attachment/addresses/address_admin.html",
        {"clinic": clinic, "addresses": addresses, "form": form},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def address_admin(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    clinic = access.admin_clinic(request.user)
    form = AdminAddressForm(
        request.POST or None, clients=selectors.current_clients_of(clinic=clinic)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.address_add(
                actor=request.user,
                client=form.cleaned_data["client"],
                raw=form.cleaned_data["address"],
                now=now,
            )
        except ValidationError as error:
            show_refusal(error, form=form)
        else:
            messages.success(request, "The address is added.")
            return redirect("attachment:address_admin")
    return _admin_page(request, clinic, form, now)


@login_required
@require_POST
def address_admin_remove(
    request: AuthenticatedHttpRequest, address_id: int
) -> HttpResponse:
    now = timezone.now()
    clinic = access.admin_clinic(request.user)
    address = _clinic_address(request.user, clinic, address_id)
    try:
        services.address_remove(actor=request.user, address=address, now=now)
    except ValidationError as error:
        show_refusal(error, request=request)
    else:
        messages.success(request, "The address is removed.")
    return redirect("attachment:address_admin")
