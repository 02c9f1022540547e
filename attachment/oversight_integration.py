"""What the oversight pages add to other apps' pages (panels, navigation links,
caseload columns, demo data), registered from ``AttachmentConfig.ready``."""


def register_oversight_integrations() -> None:
    """Register this area's panels and links with the lower apps' registries."""
