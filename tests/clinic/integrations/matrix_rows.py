"""Permission-matrix rows of the integrations pages and the ingestion API
(see :mod:`tests.matrix`).

The integrations pages are the clinic admin's; another clinic's integration
answers 404.

The API answers integration tokens only: every person, signed in or not, is
asked to authenticate (401), whatever the method.  The schema and its
reference page describe the API and hold nothing of any clinic: anyone's.
What a token may do is tested through the API itself
(tests/clinic/integrations/test_tokens.py, tests/attachment/ingestion/).
"""

from tests.matrix import ADMIN, ADMIN_ONLY, OUTSIDER, ROLES, Row, expect

CLINIC_WIDE = expect(ADMIN_ONLY, **{OUTSIDER: 200})

TOKEN_ONLY = {role: 401 for role in ROLES}
PUBLIC = {role: 200 for role in ROLES}

ROWS = [
    Row("api:contacts", method="POST", expected=TOKEN_ONLY),
    Row("api:contacts", expected=TOKEN_ONLY),
    Row("api:clients", expected=TOKEN_ONLY),
    Row("api:schema", expected=PUBLIC),
    Row("api:reference", expected=PUBLIC),
]


def build(world):
    """Integrations of the world's clinic: a practice system, a signed
    webhook and a practice mailbox."""
    from django.utils import timezone

    from clinic.integrations.services import integration_create

    made = {}
    for name, kind, extra in [
        ("Practice system", "practice_system", {}),
        ("Signed hook", "signed_webhook", {}),
        (
            "Mailbox",
            "mailbox",
            {
                "mailbox": {
                    "host": "imap.example.test",
                    "port": 993,
                    "use_tls": True,
                    "folder": "INBOX",
                    "username_env": "MAIL_USER",
                    "password_env": "MAIL_PASSWORD",
                    "practice_addresses": "desk@example.test",
                }
            },
        ),
    ]:
        made[kind], _ = integration_create(
            actor=world.people[ADMIN],
            clinic=world.client.clinic,
            name=name,
            kind=kind,
            scopes=["clients:read"],
            now=timezone.now(),
            **extra,
        )
    world.integration = made["practice_system"]
    world.signed_integration = made["signed_webhook"]
    world.mailbox_integration = made["mailbox"]


def _integration(w):
    return [w.integration.pk]


def _signed(w):
    return [w.signed_integration.pk]


def _mailbox(w):
    return [w.mailbox_integration.pk]


ROWS += [
    Row("integrations:list", expected=CLINIC_WIDE),
    Row("integrations:new", expected=CLINIC_WIDE),
    Row("integrations:new", method="POST", expected=CLINIC_WIDE),
    Row("integrations:rotate", _integration, method="POST", expected=ADMIN_ONLY),
    Row(
        "integrations:revoke",
        _integration,
        method="POST",
        expected=expect(ADMIN_ONLY, **{ADMIN: 302}),
    ),
]

# The integration's page and its forms (posted empty: the form comes back).
ROWS += [
    Row("integrations:detail", _integration, expected=ADMIN_ONLY),
    Row("integrations:rate", _integration, method="POST", expected=ADMIN_ONLY),
    Row("integrations:mailbox", _mailbox, method="POST", expected=ADMIN_ONLY),
    Row("integrations:secret", _signed, method="POST", expected=ADMIN_ONLY),
    Row("integrations:settings", method="POST", expected=CLINIC_WIDE),
]
