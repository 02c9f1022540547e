"""The demo's client past retention: one client who ended more than eight
years ago, with a few dated observations, listed by the nightly listing so
that the clinic admin's retention page has a row.  Synthetic data only."""

from __future__ import annotations

import datetime as dt

from attachment.models import DependencyMarker, DependencyObservation
from attachment.retention import services
from clinic import access
from clinic.models import Client, ClientStatus, Clinic, Role, User

DEMO_CODE = "DM-R01"


def seed_retention_demo(clinic: Clinic, now: dt.datetime) -> Client | None:
    """Add the client past retention to ``clinic`` (nothing if it is there
    already, or the clinic has no therapist) and list the clients due."""
    if Client.objects.filter(clinic=clinic, code=DEMO_CODE).exists():
        return None
    therapist = User.objects.filter(
        memberships__clinic=clinic, memberships__role=Role.THERAPIST
    ).first()
    if therapist is None:
        return None
    today = access.clinic_today(clinic, now)
    ended_on = today.replace(year=today.year - 9, day=1)
    client = Client.objects.create(
        clinic=clinic,
        therapist=therapist,
        code=DEMO_CODE,
        status=ClientStatus.ENDED,
        started_on=ended_on.replace(year=ended_on.year - 2),
        ended_on=ended_on,
    )
    ended_at = dt.datetime.combine(ended_on, dt.time(12), tzinfo=dt.UTC)
    DependencyObservation.objects.bulk_create(
        DependencyObservation(
            client=client,
            observed_at=ended_at - dt.timedelta(weeks=weeks),
            markers=[DependencyMarker.LONGING],
            intensity=intensity,
        )
        for weeks, intensity in ((30, 3), (20, 2), (8, 1))
    )
    services.retention_list_due(now=now)
    return client
