"""The cast of the cover tests: the conftest's clinic, with ``cover``, a
therapist named as cover on the therapist's absence (``absence``, from
yesterday to tomorrow in the clinic's time zone), and a clock the views read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from clinic.models import Absence, Role, User
from tests.factories import AbsenceFactory, MembershipFactory, UserFactory


@pytest.fixture
def cover(clinic) -> User:
    user = UserFactory(email="cover@example.test", full_name="Cora Cover")
    MembershipFactory(user=user, clinic=clinic, role=Role.THERAPIST)
    return user


@pytest.fixture
def today(clinic) -> dt.date:
    return timezone.localdate(timezone.now(), clinic.zone)


@pytest.fixture
def absence(clinic, therapist, cover, today) -> Absence:
    return AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        covering_therapist=cover,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
    )


@pytest.fixture
def clock(monkeypatch) -> Callable[[dt.datetime], None]:
    """Move the clock the views read (``timezone.now``) to a moment.  Sign in
    after moving it: a session older than the idle timeout is gone."""

    def move_to(moment: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return move_to


def local_noon(clinic, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), clinic.zone)
