"""Permission-matrix rows of the cover pages and of break-glass (see
:mod:`tests.matrix`).

The world's supervisor is also the cover named on an absence of the own
therapist that runs today, so the cover page of the world's client opens to
them (200) as the cover; the other therapist once broke glass for that
client, two days ago, and their twelve hours are over (404).  A client of the
other therapist, whose absence the supervisor covered until yesterday, shows
the day after: the former cover gets 404.  Whoever knows a client and has its
own page (its therapist, a current supervisor, the clinic admin) gets 403 on
a cover page that is not theirs; everyone else 404.

Break glass is for clinicians who are no trainee (the outsider may break
glass in their own clinic); the review is for clinic admins and supervisors,
and a grant is reviewed by its clinic's admin and by the current supervisor
of its client's therapist.  An empty POST shows the form again (200).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from clinic.models import BREAK_GLASS_DURATION, BreakGlassGrant, BreakGlassReason
from tests.factories import AbsenceFactory, ClientFactory
from tests.matrix import (
    ADMIN,
    ANON,
    CLINICIANS,
    FORMER_STAFF,
    FORMER_SUPERVISOR,
    OPERATOR,
    OTHER,
    OUTSIDER,
    OWN,
    SUPERVISOR,
    TRAINEE,
    UNRELATED,
    Row,
    expect,
)


def _today(world: SimpleNamespace) -> dt.date:
    return timezone.localdate(timezone.now(), world.client.clinic.zone)


def build(world: SimpleNamespace) -> None:
    clinic = world.client.clinic
    today = _today(world)
    world.cover_absence = AbsenceFactory(
        clinic=clinic,
        therapist=world.people[OWN],
        covering_therapist=world.people[SUPERVISOR],
        starts_on=today - dt.timedelta(days=2),
        ends_on=today + dt.timedelta(days=2),
    )
    world.covered_until_yesterday = ClientFactory(
        clinic=clinic, therapist=world.people[OTHER]
    )
    AbsenceFactory(
        clinic=clinic,
        therapist=world.people[OTHER],
        covering_therapist=world.people[SUPERVISOR],
        starts_on=today - dt.timedelta(days=5),
        ends_on=today - dt.timedelta(days=1),
    )
    granted_at = timezone.now() - dt.timedelta(days=2)
    world.grant = BreakGlassGrant.objects.create(
        clinic=clinic,
        client=world.client,
        grantee=world.people[OTHER],
        reason=BreakGlassReason.THERAPIST_UNREACHABLE,
        explanation="A crisis text arrived and the therapist was unreachable.",
        granted_at=granted_at,
        expires_at=granted_at + BREAK_GLASS_DURATION,
    )


# Nobody outside the clinic, nor anyone in it without a way in, learns of
# the client; whoever knows it is sent to its own page.
COVER_PAGE = {
    OWN: 403,
    OTHER: 404,
    SUPERVISOR: 200,
    UNRELATED: 404,
    ADMIN: 403,
    OUTSIDER: 404,
    ANON: 302,
    FORMER_STAFF: 404,
    TRAINEE: 404,
    FORMER_SUPERVISOR: 404,
    OPERATOR: 404,
}
# The other therapist's client, the day after its absence: its therapist and
# their current supervisor (the unrelated supervisor) know it.
DAY_AFTER = expect(
    COVER_PAGE, **{OWN: 404, OTHER: 403, SUPERVISOR: 404, UNRELATED: 403}
)
# The absence's page: its therapist and their current supervisor.
ABSENCE_PAGE = expect(COVER_PAGE, **{OWN: 200})
BREAK_GLASS = expect(CLINICIANS, **{TRAINEE: 403})
REVIEW_LIST = {
    OWN: 403,
    OTHER: 403,
    SUPERVISOR: 200,
    UNRELATED: 200,
    ADMIN: 200,
    OUTSIDER: 200,
    ANON: 302,
    FORMER_STAFF: 403,
    TRAINEE: 403,
    FORMER_SUPERVISOR: 200,
    OPERATOR: 403,
}
REVIEW_GRANT = expect(
    REVIEW_LIST, **{UNRELATED: 404, OUTSIDER: 404, FORMER_SUPERVISOR: 404}
)


def _client(w: SimpleNamespace) -> list[int]:
    return [w.client.pk]


def _day_after(w: SimpleNamespace) -> list[int]:
    return [w.covered_until_yesterday.pk]


def _absence(w: SimpleNamespace) -> list[int]:
    return [w.cover_absence.pk]


def _grant(w: SimpleNamespace) -> list[int]:
    return [w.grant.pk]


ROWS: list[Row] = [
    Row("attachment:cover_page", _client, expected=COVER_PAGE),
    Row("attachment:cover_page", _day_after, expected=DAY_AFTER),
    Row("attachment:cover_contact_new", _client, method="POST", expected=COVER_PAGE),
    Row("attachment:cover_absence", _absence, expected=ABSENCE_PAGE),
    Row("attachment:break_glass", expected=BREAK_GLASS),
    Row("attachment:break_glass", method="POST", expected=BREAK_GLASS),
    Row("attachment:break_glass_review", expected=REVIEW_LIST),
    Row("attachment:break_glass_review_grant", _grant, expected=REVIEW_GRANT),
    Row(
        "attachment:break_glass_review_grant",
        _grant,
        method="POST",
        expected=REVIEW_GRANT,
    ),
]
