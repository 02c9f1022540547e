"""A client's record for the copy: one of every kind of record inside March
2026, and the same before and after it, each with text naming where it
lies (``INSIDE-contact``, ``BEFORE-rupture`` …); and the private records
(process note, reflection, supervision notes) with text of their own.

All times are UTC noons, well inside their days in Europe/London.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse

from attachment.models import DiscussedFlag
from clinic.models import Client, User
from notes.models import Addendum, NoteStatus, SessionNote
from notes.signature_hashes import addendum_digest, note_digest
from tests.attachment.factories import (
    ActionItemFactory,
    ContactFactory,
    CopingPlanFactory,
    FlagFactory,
    FlagResponseFactory,
    MeasureFactory,
    ObservationFactory,
    RepairAttemptFactory,
    RuptureFactory,
    SupervisionSessionFactory,
)
from tests.notes.factories import (
    ProcessNoteFactory,
    ReflectionFactory,
    SessionNoteFactory,
)

STARTS_ON = dt.date(2026, 3, 1)
ENDS_ON = dt.date(2026, 3, 31)
PERIOD = {"starts_on": STARTS_ON.isoformat(), "ends_on": ENDS_ON.isoformat()}
MOMENTS = {
    "BEFORE": dt.datetime(2026, 2, 10, 12, 0, tzinfo=dt.UTC),
    "INSIDE": dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC),
    "AFTER": dt.datetime(2026, 4, 20, 12, 0, tzinfo=dt.UTC),
}
# A distinctive score for each place; the copy prints scores as they are.
SCORES = {"BEFORE": "1.11", "INSIDE": "5.55", "AFTER": "2.22"}
KINDS = (
    "note",
    "addendum",
    "contact",
    "rupture",
    "repair",
    "plan",
    "observation",
    "flag",
)
PRIVATE_TEXTS = {
    "process note": "PRIVATE-PROCESS-NOTE-TEXT",
    "reflection": "PRIVATE-REFLECTION-TEXT",
    "supervision notes": "PRIVATE-SUPERVISION-TEXT",
    "supervision action item": "PRIVATE-ACTION-ITEM-TEXT",
    "response to a flag": "PRIVATE-FLAG-RESPONSE-TEXT",
}


def copy_url(client: Client) -> str:
    return reverse("attachment:client_copy", args=[client.pk])


def signed_note(
    client: Client,
    *,
    at: dt.datetime,
    text: str,
    cosigned_by: User | None = None,
    awaiting: bool = False,
    **fields,
) -> SessionNote:
    """A note signed the day of its session (and co-signed the day after, or
    ``awaiting`` its co-signature)."""
    note = SessionNoteFactory.build(
        client=client,
        session_at=at,
        subjective=text,
        signed_at=at + dt.timedelta(hours=3),
        signed_by=client.therapist,
        status=(
            NoteStatus.COSIGNED
            if cosigned_by
            else NoteStatus.AWAITING_COSIGN
            if awaiting
            else NoteStatus.SIGNED
        ),
        cosigned_by=cosigned_by,
        cosigned_at=at + dt.timedelta(days=1) if cosigned_by else None,
        **fields,
    )
    note.content_sha256 = note_digest(note)
    note.save()
    return note


def addendum(note: SessionNote, *, text: str) -> Addendum:
    added = Addendum(
        note=note,
        author=note.author,
        written_at=note.session_at + dt.timedelta(days=2),
        text=text,
    )
    added.content_sha256 = addendum_digest(added, note_sha256=note.content_sha256)
    added.save()
    return added


def one_of_each(client: Client, *, place: str, plan_version: int) -> None:
    """Every kind of record the copy holds, at ``place``'s moment."""
    at = MOMENTS[place]
    note = signed_note(client, at=at, text=f"{place}-note")
    addendum(note, text=f"{place}-addendum")
    ContactFactory(client=client, occurred_at=at, summary=f"{place}-contact")
    rupture = RuptureFactory(
        client=client, noticed_at=at, description=f"{place}-rupture"
    )
    RepairAttemptFactory(
        rupture=rupture,
        attempted_at=at + dt.timedelta(hours=1),
        client_response=f"{place}-repair",
    )
    CopingPlanFactory(
        client=client, version=plan_version, written_at=at, supports=f"{place}-plan"
    )
    MeasureFactory(client=client, measured_on=at.date(), secure=Decimal(SCORES[place]))
    ObservationFactory(client=client, observed_at=at, note=f"{place}-observation")
    FlagFactory(
        client=client,
        window_start=at.date() - dt.timedelta(days=6),
        window_end=at.date(),
        explanation=f"{place}-flag: contacts rose to about 3 a week.",
    )


@dataclass(frozen=True)
class Record:
    client: Client
    draft: SessionNote


@pytest.fixture
def record(client, supervisor) -> Record:
    """The client's record: every kind before, inside and after the period;
    a draft inside it; and the private records, inside it too."""
    client.clinic.keep_message_preview = True
    client.clinic.save(update_fields=["keep_message_preview"])
    for version, place in enumerate(("BEFORE", "INSIDE", "AFTER"), start=2):
        one_of_each(client, place=place, plan_version=version)
    # An older plan, replaced before the period began.
    CopingPlanFactory(
        client=client,
        version=1,
        written_at=MOMENTS["BEFORE"] - dt.timedelta(days=20),
        supports="OLDEST-plan",
    )
    inside = MOMENTS["INSIDE"]
    draft = SessionNoteFactory(
        client=client, session_at=inside, subjective="DRAFT-NOTE-TEXT"
    )
    ProcessNoteFactory(
        client=client, written_at=inside, text=PRIVATE_TEXTS["process note"]
    )
    ReflectionFactory(
        client=client, written_at=inside, text=PRIVATE_TEXTS["reflection"]
    )
    session = SupervisionSessionFactory(
        clinic=client.clinic,
        supervisor=supervisor,
        supervisee=client.therapist,
        held_at=inside,
        notes=PRIVATE_TEXTS["supervision notes"],
    )
    discussed = client.flags.get(explanation__startswith="INSIDE")
    DiscussedFlag.objects.create(session=session, flag=discussed)
    ActionItemFactory(
        session=session,
        client=client,
        text=PRIVATE_TEXTS["supervision action item"],
        set_on=inside.date(),
    )
    FlagResponseFactory(
        flag=discussed, written_at=inside, text=PRIVATE_TEXTS["response to a flag"]
    )
    return Record(client=client, draft=draft)
