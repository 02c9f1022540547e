"""What the oversight pages add to other apps' pages (panels, navigation links,
caseload columns, demo data), registered from ``AttachmentConfig.ready``."""

from clinic import extensions
from clinic.models import Role


def register_oversight_integrations() -> None:
    """Register this area's panels and links with the lower apps' registries."""
    from attachment.records.boundary_refresh import boundary_refresh

    extensions.register_nav_link(
        extensions.NavLink(
            key="overview",
            order=40,
            label="Overview",
            url_name="attachment:overview",
            visible=lambda roles: Role.SUPERVISOR in roles,
        )
    )
    extensions.register_nav_link(
        extensions.NavLink(
            key="clinic_overview",
            order=41,
            label="Clinic overview",
            url_name="attachment:clinic_overview",
            visible=lambda roles: Role.ADMIN in roles,
        )
    )
    extensions.register_nav_link(
        extensions.NavLink(
            key="administration",
            order=90,
            label="Administration",
            url_name="clinic:manage_clients",
            visible=lambda roles: Role.ADMIN in roles,
        )
    )
    extensions.register_admin_link(
        extensions.NavLink(
            key="detector_settings",
            order=60,
            label="Detector settings",
            url_name="attachment:detector_settings",
            visible=lambda roles: Role.ADMIN in roles,
        )
    )
    extensions.register_boundary_listener("contact_facts", boundary_refresh)
