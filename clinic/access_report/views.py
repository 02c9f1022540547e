"""Pages of the access report: one client's trail (and its CSV), and the
clinic admin's month of accesses with the audit chain's last check.

The client's report answers 404 to anyone but its treating therapist and a
clinic admin of its clinic; the month is the admin's alone (403 to others,
as the other Administration pages).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone

from clinic import access
from clinic.access import AuthenticatedHttpRequest
from clinic.access_report import exports, selectors, services
from clinic.access_report.filters import AccessReportFilter
from clinic.access_report.forms import ReportClientForm
from clinic.models import Client

REPORT_PAGE_SIZE = 50


def _filters(request: AuthenticatedHttpRequest, client: Client) -> AccessReportFilter:
    return AccessReportFilter(
        request.GET,
        queryset=selectors.client_trail(client=client),
        people=list(selectors.people_on_trail(client=client)),
        zone=client.clinic.zone,
    )


@login_required
def access_report(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    now = timezone.now()
    client = selectors.client_for_access_report(request.user, client_id)
    services.access_report_read_record(
        actor=request.user, client=client, now=now, request=request
    )
    filters = _filters(request, client)
    page = Paginator(filters.qs, REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    zone = client.clinic.zone
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clinic/access_report/report.html",
        {
            "client": client,
            "filters": filters,
            "page": page,
            "rows": [selectors.access_row(event, zone=zone) for event in page],
            "query": query.urlencode() + "&" if query else "",
            "csv_query": query.urlencode(),
        },
    )


@login_required
def access_report_csv(
    request: AuthenticatedHttpRequest, client_id: int
) -> HttpResponseBase:
    """The rows the same filters select, every page of them."""
    client = selectors.client_for_access_report(request.user, client_id)
    filters = _filters(request, client)
    services.access_report_export_record(
        actor=request.user, client=client, now=timezone.now(), request=request
    )
    return exports.csv_response(filters.qs, client=client)


@login_required
def access_overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    clinic = access.admin_clinic(request.user)
    form = ReportClientForm(
        request.GET if "client" in request.GET else None, clinic=clinic
    )
    if form.is_valid():
        return redirect("clinic:access_report", form.cleaned_data["client"].pk)
    return render(
        request,
        "clinic/access_report/overview.html",
        {
            "clinic": clinic,
            "form": form,
            "month": selectors.clinic_month(clinic=clinic, now=timezone.now()),
            "verification": selectors.chain_verification(),
        },
    )
