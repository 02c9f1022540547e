"""Permission-matrix rows of the unmatched inbox (see :mod:`tests.matrix`).

The inbox is the clinic's: its admin and every therapist of the clinic see
its waiting messages (metadata only), and each may act on them; a therapist
assigns to their own clients only, which the service checks
(tests/attachment/unmatched/).  Another clinic's people see their own inbox
(200) and not this clinic's messages (404); without the admin or the
therapist role anywhere, the inbox is refused before anything is looked up
(403).  The posts carry no data: an assignment without a client goes back
to the inbox (302), and a discard is done (302, rolled back after each
role).
"""

from tests.matrix import ADMIN, CLINICIANS, OUTSIDER, Row, expect

INBOX = expect(CLINICIANS, **{ADMIN: 200})
ACTED = expect(
    {role: 302 if status == 200 else status for role, status in INBOX.items()},
    **{OUTSIDER: 404},
)


def build(world):
    """A message from an unknown number, waiting in the world's clinic."""
    import datetime as dt

    from django.utils import timezone

    from attachment.models import UnmatchedMessage
    from clinic.integrations.models import Integration

    now = timezone.now()
    integration = Integration.objects.create(
        clinic=world.client.clinic,
        name="Practice phones",
        kind="other",
        scopes=["contacts:write"],
        token_sha256="2" * 64,
        created_at=now,
    )
    world.unmatched = UnmatchedMessage.objects.create(
        clinic=world.client.clinic,
        integration=integration,
        external_id="matrix-1",
        address="+447700900999",
        channel="text",
        direction="from_client",
        occurred_at=now - dt.timedelta(hours=1),
        received_at=now - dt.timedelta(hours=1),
    )


def _message(w):
    return [w.unmatched.pk]


ROWS = [
    Row("attachment:unmatched_inbox", expected=INBOX),
    Row("attachment:unmatched_assign", _message, method="POST", expected=ACTED),
    Row("attachment:unmatched_discard", _message, method="POST", expected=ACTED),
]
