"""Permission-matrix rows of retention and destruction (see :mod:`tests.matrix`).

The pages are the clinic admin's: anyone else signed in is refused before
anything is looked up (403).  Another clinic's admin has a retention page of
their own (200) and no way to this clinic's client or hold (404).  The posts
carry no data: the period and the hold forms come back with their errors
(200), a lift without a reason goes back to the page (302), and the
destruction's confirmation comes back (200); nothing is destroyed.
"""

from tests.matrix import ADMIN_ONLY, OUTSIDER, Row, expect

OWN_PAGE = expect(ADMIN_ONLY, **{OUTSIDER: 200})


def build_records(world):
    """A legal hold in force on the world's client."""
    from django.utils import timezone

    from attachment.models import LegalHold
    from tests.matrix import ADMIN

    world.legal_hold = LegalHold.objects.create(
        client=world.client,
        reason="Matrix claim",
        placed_by=world.people[ADMIN],
        placed_at=timezone.now(),
    )


def _client(w):
    return [w.client.pk]


def _hold(w):
    return [w.legal_hold.pk]


ROWS = [
    Row("attachment:retention_page", expected=OWN_PAGE),
    Row("attachment:retention_settings", method="POST", expected=OWN_PAGE),
    Row("attachment:legal_hold_place", method="POST", expected=OWN_PAGE),
    Row(
        "attachment:legal_hold_lift",
        _hold,
        method="POST",
        expected=expect(ADMIN_ONLY, **{"admin": 302}),
    ),
    Row("attachment:client_destroy", _client, expected=ADMIN_ONLY),
    Row("attachment:client_destroy", _client, method="POST", expected=ADMIN_ONLY),
]
