"""What the agreements package adds to the lower apps' pages (panels, columns, links)."""


def register_agreements_integrations() -> None:
    """Called from ``AttachmentConfig.ready``."""
