"""What the safety package adds to the lower apps' pages (panels, columns, links)."""


def register_safety_integrations() -> None:
    """Called from ``AttachmentConfig.ready``."""
