"""What the fhir package adds to the lower apps' pages (client panel, navigation)."""


def register_fhir_integrations() -> None:
    """Called from AttachmentConfig.ready."""
