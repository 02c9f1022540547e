"""What the retention package adds to the lower apps' pages: a link in the
clinic admin's Administration section."""

from __future__ import annotations

from attachment.retention.demo import seed_retention_demo
from clinic.extensions import (
    DemoContext,
    DemoSeeder,
    NavLink,
    register_admin_link,
    register_demo_seeder,
    register_writable_client_filter,
)
from clinic.models import Role


def register_retention_integrations() -> None:
    """Called from AttachmentConfig.ready."""
    register_admin_link(
        NavLink(
            key="retention",
            order=68,
            label="Retention and legal holds",
            url_name="attachment:retention_page",
            visible=lambda roles: Role.ADMIN in roles,
        )
    )
    register_demo_seeder(DemoSeeder(key="retention", order=50, seed=_demo))
    # Nobody writes to a destroyed client's ended shell again.
    register_writable_client_filter(
        "not_destroyed", lambda clients: clients.filter(destruction__isnull=True)
    )


def _demo(demo: DemoContext) -> None:
    """One ended client past retention, listed for the admin."""
    seed_retention_demo(demo.clinic, demo.now)
