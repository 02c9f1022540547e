from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.utils import timezone

from clinic.models import Supervision
from notes import services
from notes.models import Addendum, NoteStatus, SessionNote, UnkeyedDigestRoll
from notes.signature_hashes import (
    DigestScheme,
    addendum_digest,
    note_digest,
    roll_mac,
)
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
def legacy_signed(client, now):
    """A note signed before keyed signatures: its digest is a plain SHA-256,
    as the migration to keyed signatures left every older one."""
    note = cast(SessionNote, SessionNoteFactory(client=client))
    note.signed_at, note.signed_by_id = now, note.author_id
    note.status = NoteStatus.SIGNED
    note.digest_scheme = DigestScheme.SHA256
    note.content_sha256 = note_digest(note)
    note.save()
    on_the_unkeyed_roll("note", note.pk)
    return note


@pytest.fixture
def legacy_addendum(legacy_signed, now):
    """An addendum signed before keyed signatures, under ``legacy_signed``."""
    addendum = Addendum(
        note=legacy_signed,
        author_id=legacy_signed.author_id,
        written_at=later(now, days=1),
        text="Late entry: the next date was confirmed by phone.",
        digest_scheme=DigestScheme.SHA256,
    )
    addendum.content_sha256 = addendum_digest(
        addendum, note_sha256=legacy_signed.content_sha256
    )
    addendum.save()
    on_the_unkeyed_roll("addendum", addendum.pk)
    return addendum


def on_the_unkeyed_roll(kind: str, pk: int) -> None:
    """List a row on a roll, as the migration to keyed signatures listed
    every row signed before it."""
    UnkeyedDigestRoll.objects.create(kind=kind, ids=[pk], mac=roll_mac(kind, [pk]))


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
