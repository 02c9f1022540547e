"""The clinic's frame: its contact policy, created with safe defaults on first
use.  A client's own terms are the between-sessions agreement
(``attachment.agreements``), written inside this frame."""

from __future__ import annotations

from clinic.models import Channel, Clinic, ContactPolicy


def clinic_default_policy(*, clinic: Clinic) -> ContactPolicy:
    """The clinic's frame, created with safe defaults on first use."""
    policy, _ = ContactPolicy.objects.get_or_create(
        clinic=clinic, defaults={"allowed_channels": list(Channel.values)}
    )
    return policy
