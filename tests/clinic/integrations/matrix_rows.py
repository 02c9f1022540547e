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
    """An integration of the world's clinic."""
    from django.utils import timezone

    from clinic.integrations.services import integration_create

    world.integration, _ = integration_create(
        actor=world.people[ADMIN],
        clinic=world.client.clinic,
        name="Practice system",
        kind="practice_system",
        scopes=["clients:read"],
        now=timezone.now(),
    )


def _integration(w):
    return [w.integration.pk]


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
