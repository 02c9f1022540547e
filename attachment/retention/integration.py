"""What the retention package adds to the lower apps' pages (client panel, navigation)."""


def register_retention_integrations() -> None:
    """Called from AttachmentConfig.ready."""
