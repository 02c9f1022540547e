"""This app's part of the demo's ingestion: the demo clients' phone numbers
and e-mail addresses, and an integration whose token is published, so that
the README's ``curl`` line can post a text from DM-002's number.

The numbers are from Ofcom's range kept for drama (07700 900000 to 900999)
and the addresses from ``example.org``: they reach nobody.  The published
token is made only with ``DEBUG`` on, as the published demo password is;
each run sets it again, so it always works on a demo database.
"""

from __future__ import annotations

from django.conf import settings

from attachment.models import AddressKind, ClientAddress
from clinic.extensions import DemoContext
from clinic.integrations.models import Integration, IntegrationKind, Scope
from clinic.integrations.selectors import token_digest

DEMO_INTEGRATION_NAME = "Practice phone system (demo)"
DEMO_API_TOKEN = "btw_demo-token-published-in-the-readme"  # noqa: S105 (demo only)


def demo_phone(code: str) -> str:
    """DM-002 -> +447700900002."""
    return f"+447700900{int(code.split('-')[1]):03d}"


def _addresses_ensure(demo: DemoContext) -> None:
    held = set(
        ClientAddress.objects.filter(clinic=demo.clinic).values_list("value", flat=True)
    )
    rows = []
    for client in demo.clients:
        phone = demo_phone(client.code)
        email = f"{client.code.lower()}@example.org"
        for kind, value in ((AddressKind.PHONE, phone), (AddressKind.EMAIL, email)):
            if value not in held:
                rows.append(
                    ClientAddress(
                        clinic=demo.clinic,
                        client=client,
                        kind=kind,
                        value=value,
                        created_at=demo.now,
                    )
                )
    ClientAddress.objects.bulk_create(rows)


def _integration_ensure(demo: DemoContext) -> None:
    digest = token_digest(DEMO_API_TOKEN)
    integration = Integration.objects.filter(
        clinic=demo.clinic, name=DEMO_INTEGRATION_NAME
    ).first()
    if integration is None:
        Integration.objects.create(
            clinic=demo.clinic,
            name=DEMO_INTEGRATION_NAME,
            kind=IntegrationKind.TELEPHONY,
            scopes=[Scope.CLIENTS_READ, Scope.CONTACTS_WRITE],
            token_sha256=digest,
            created_at=demo.now,
        )
    elif integration.token_sha256 != digest or integration.revoked_at is not None:
        Integration.objects.filter(pk=integration.pk).update(
            token_sha256=digest, revoked_at=None
        )


def seed(demo: DemoContext) -> None:
    _addresses_ensure(demo)
    if settings.DEBUG:
        _integration_ensure(demo)
