"""What the unmatched inbox adds to the lower apps' pages, registered from
``AttachmentConfig.ready``: a navigation link for the clinic's therapists
and its admin, and a link in the Administration section.  ``waiting_count``
can become the link's badge; it costs two queries on every page."""

from __future__ import annotations

from attachment.models import UnmatchedMessage
from attachment.unmatched.access import INBOX_ROLES
from clinic import access
from clinic.extensions import NavLink, register_admin_link, register_nav_link
from clinic.models import Role, User


def waiting_count(user: User) -> int:
    """Messages waiting in the inbox of ``user``'s clinics."""
    return UnmatchedMessage.objects.filter(
        clinic_id__in=access.clinic_ids_with_role(user, *INBOX_ROLES), resolution=""
    ).count()


def register_unmatched_integrations() -> None:
    register_nav_link(
        NavLink(
            key="unmatched_inbox",
            order=45,
            label="Unmatched",
            url_name="attachment:unmatched_inbox",
            visible=lambda roles: bool(roles & set(INBOX_ROLES)),
        )
    )
    register_admin_link(
        NavLink(
            key="unmatched_inbox",
            order=66,
            label="Unmatched messages",
            url_name="attachment:unmatched_inbox",
            visible=lambda roles: Role.ADMIN in roles,
        )
    )
