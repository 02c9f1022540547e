"""The effective contact policy: a client's override, else the clinic default."""

from __future__ import annotations

from clinic.models import Client, Clinic, ContactPolicy


def clinic_default_policy(*, clinic: Clinic) -> ContactPolicy:
    """The clinic's default policy, created with safe defaults on first use."""
    policy, _ = ContactPolicy.objects.get_or_create(
        clinic=clinic,
        client=None,
        defaults={
            "allowed_channels": ["text", "email", "phone", "voicemail", "portal"]
        },
    )
    return policy


def effective_policy(*, client: Client) -> ContactPolicy:
    override = ContactPolicy.objects.filter(client=client).first()
    if override is not None:
        return override
    return clinic_default_policy(clinic=client.clinic)


def effective_policies(
    *, clinic: Clinic, client_ids: list[int]
) -> dict[int, ContactPolicy]:
    """Effective policy of many clients in two queries (for imports and scans)."""
    default = clinic_default_policy(clinic=clinic)
    overrides = {
        policy.client_id: policy
        for policy in ContactPolicy.objects.filter(client_id__in=client_ids)
    }
    return {client_id: overrides.get(client_id, default) for client_id in client_ids}
