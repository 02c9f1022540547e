"""Permission-matrix rows of the between-sessions agreement (see
:mod:`tests.matrix`).

The world's client has one version, wider than the clinic's frame and
awaiting approval.  The treating therapist writes (an empty POST shows the
form again, 200) and records the acknowledgement; the current supervisor
reads and approves (the approval redirects to the version, 302; the therapist
who wrote it is refused, 403); everyone else who knows the client (the clinic
admin) gets 403 and whoever does not, 404.  The list of versions awaiting
approval is for supervisors; the clinic's notice to clients, with no client
in it, for anyone who holds a role in a clinic.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from attachment.models import ContactAgreement
from tests.matrix import (
    ADMIN,
    ANON,
    CLINICAL_READ,
    CLINICAL_WRITE,
    CLINICIANS,
    FORMER_STAFF,
    FORMER_SUPERVISOR,
    OPERATOR,
    OTHER,
    OUTSIDER,
    OWN,
    SUPERVISOR,
    SUPERVISORS,
    TRAINEE,
    UNRELATED,
    Row,
    expect,
)


def build_records(world: SimpleNamespace) -> None:
    """A version of ``world.client``'s agreement awaiting approval."""
    written_at = timezone.now() - dt.timedelta(hours=1)
    world.agreement = ContactAgreement.objects.create(
        client=world.client,
        version=1,
        effective_from=written_at,
        written_at=written_at,
        author=world.client.therapist,
        allowed_channels=["text", "social"],
        wider_than_frame=True,
        crisis_route="Call the crisis team on the number in the safety plan.",
    )


def _client(w: SimpleNamespace) -> list[int]:
    return [w.client.pk]


def _version(w: SimpleNamespace) -> list[int]:
    return [w.client.pk, w.agreement.version]


APPROVE = {
    OWN: 403,
    OTHER: 404,
    SUPERVISOR: 302,
    UNRELATED: 404,
    ADMIN: 403,
    OUTSIDER: 404,
    ANON: 302,
    FORMER_STAFF: 404,
    TRAINEE: 404,
    FORMER_SUPERVISOR: 404,
    OPERATOR: 404,
}

ROWS: list[Row] = [
    Row("attachment:agreement", _client, expected=CLINICAL_READ),
    Row("attachment:agreement_version", _version, expected=CLINICAL_READ),
    Row("attachment:agreement_copy", _version, expected=CLINICAL_READ),
    Row("attachment:agreement_new", _client, expected=CLINICAL_WRITE),
    Row("attachment:agreement_new", _client, method="POST", expected=CLINICAL_WRITE),
    Row(
        "attachment:agreement_acknowledge",
        _version,
        method="POST",
        expected=CLINICAL_WRITE,
    ),
    Row("attachment:agreement_approve", _version, method="POST", expected=APPROVE),
    Row("attachment:agreement_approvals", expected=SUPERVISORS),
    Row("attachment:client_notice", expected=expect(CLINICIANS, **{ADMIN: 200})),
]
