"""What the alerts package adds to the lower apps' pages (panels, columns, links)."""


def register_alerts_integrations() -> None:
    """Called from ``AttachmentConfig.ready``."""
