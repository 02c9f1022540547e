from django.http import HttpRequest

from . import access
from .extensions import nav_links
from .models import Role


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
        "nav_links": links,
    }
