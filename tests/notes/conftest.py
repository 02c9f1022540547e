from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clinic.models import Supervision
from notes import services
from tests.notes.factories import (
    ProcessNoteFactory,
    ReflectionFactory,
    SessionNoteFactory,
)


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def draft(client):
    return SessionNoteFactory(client=client)


@pytest.fixture
def signed(draft, therapist, password, now):
    return services.note_sign(actor=therapist, note=draft, password=password, now=now)


@pytest.fixture
def trainee_link(supervisor, therapist):
    """Make ``therapist`` a trainee of ``supervisor``: notes need co-signing."""
    Supervision.objects.filter(supervisor=supervisor, supervisee=therapist).update(
        cosign_required=True
    )
    return Supervision.objects.get(supervisor=supervisor, supervisee=therapist)


@pytest.fixture
def awaiting(trainee_link, draft, therapist, password, now):
    return services.note_sign(actor=therapist, note=draft, password=password, now=now)


@pytest.fixture
def reflection(client):
    return ReflectionFactory(client=client)


@pytest.fixture
def process_note(client):
    return ProcessNoteFactory(client=client)


@pytest.fixture
def superuser(db):
    from tests.factories import UserFactory

    return UserFactory(email="operator@example.test", is_staff=True, is_superuser=True)


def later(now, **delta) -> dt.datetime:
    return now + dt.timedelta(**delta)
