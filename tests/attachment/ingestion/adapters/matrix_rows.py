"""Permission-matrix rows of the adapters' webhooks (see :mod:`tests.matrix`).

A webhook is authenticated by its signature alone: a person, signed in or
not, who posts to a live hook without one is refused (403), whatever their
role; the hook's other methods answer 405.  What a signature may do is
tested through the webhooks themselves
(tests/attachment/ingestion/test_webhook_*.py).
"""

from tests.matrix import ADMIN, ROLES, Row

SIGNATURE_ONLY = {role: 403 for role in ROLES}
# No sign-in comes first (the derived GET row of a POST-only URL expects a
# redirect to the login page): a webhook knows no sessions.
POST_ONLY = {role: 405 for role in ROLES}


def build(world):
    """A live webhook of each adapter in the world's clinic."""
    from django.utils import timezone

    from clinic.integrations.services import integration_create

    def hook(name, kind, **secret):
        integration, _ = integration_create(
            actor=world.people[ADMIN],
            clinic=world.client.clinic,
            name=name,
            kind=kind,
            scopes=["contacts:write"],
            now=timezone.now(),
            **secret,
        )
        return integration

    world.sms_voice_hook = hook(
        "Matrix SMS and voice hook",
        "sms_voice_webhook",
        signing_secret="matrix-auth-token",
    )
    world.signed_hook = hook("Matrix signed hook", "signed_webhook")


def _sms_voice_hook(w):
    return [w.sms_voice_hook.hook_id]


def _signed_hook(w):
    return [w.signed_hook.hook_id]


ROWS = [
    Row("api:hook_sms_voice", _sms_voice_hook, method="POST", expected=SIGNATURE_ONLY),
    Row("api:hook_sms_voice", _sms_voice_hook, expected=POST_ONLY),
    Row("api:hook_signed", _signed_hook, method="POST", expected=SIGNATURE_ONLY),
    Row("api:hook_signed", _signed_hook, expected=POST_ONLY),
]
