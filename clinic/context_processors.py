from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from clinic import access
from clinic.extensions import NavLink, admin_links, caseload_columns_in_order, nav_links
from clinic.models import Role


def _is_admin(roles: set[str]) -> bool:
    return Role.ADMIN in roles


# The Administration section's own pages; higher apps add theirs through
# clinic.extensions.register_admin_link.
ADMIN_PAGES = (
    NavLink("clients", 10, "Clients", "clinic:manage_clients", _is_admin),
    NavLink("policy", 20, "Contact frame", "clinic:policy_default", _is_admin),
    NavLink("agreements", 30, "Agreements", "clinic:agreement_status", _is_admin),
    NavLink("absences", 40, "Absences", "clinic:absence_list", _is_admin),
    NavLink("supervision", 50, "Supervision", "clinic:supervision_list", _is_admin),
    NavLink("staff", 55, "Staff", "clinic:staff_list", _is_admin),
    NavLink("integrations", 60, "Integrations", "integrations:list", _is_admin),
    NavLink("dates", 90, "Dates", "clinic:date_format", _is_admin),
)


def _admin_navigation(request: HttpRequest) -> list[dict]:
    """The Administration sub-navigation; the page whose address is the
    longest prefix of this one is marked current."""
    links = sorted([*ADMIN_PAGES, *admin_links.values()], key=lambda link: link.order)
    shown: list[dict[str, Any]] = [
        {"label": link.label, "url": reverse(link.url_name)} for link in links
    ]
    matching = [item for item in shown if request.path.startswith(item["url"])]
    current = max(matching, key=lambda item: len(item["url"]), default=None)
    for item in shown:
        item["current"] = item is current
    return shown


def navigation(request: HttpRequest) -> dict:
    """Roles of the signed-in user and the links they may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": set(), "nav_links": []}
    roles = access.roles_of(user)
    links = sorted(
        (link for link in nav_links.values() if link.visible(roles)),
        key=lambda link: link.order,
    )
    return {
        "user_roles": roles,
        "is_clinician": bool(roles & {Role.THERAPIST, Role.SUPERVISOR}),
        "is_clinic_admin": Role.ADMIN in roles,
        "nav_links": [
            {
                "label": link.label,
                "url_name": link.url_name,
                "badge": link.badge(user) if link.badge else 0,
            }
            for link in links
        ],
        "caseload_columns": caseload_columns_in_order(),
        "admin_nav": _admin_navigation(request) if Role.ADMIN in roles else [],
    }
