"""A client with one of everything a FHIR bundle carries, and the texts that
must never leave with it.  All data is synthetic."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from fhir.resources.R4B.bundle import Bundle

from attachment.models import Contact, FlagStatusChange
from attachment.records.contact_columns import contact_columns_update
from attachment.records.imports import NewContact, contacts_bulk_create
from clinic.models import Role, Supervision
from notes import services as note_services
from tests.attachment.factories import (
    CopingPlanFactory,
    FlagFactory,
    MeasureFactory,
    ObservationFactory,
    RepairAttemptFactory,
    RuptureFactory,
    SupervisionSessionFactory,
)
from tests.factories import (
    ClientFactory,
    ContactPolicyFactory,
    MembershipFactory,
    UserFactory,
)
from tests.notes.factories import (
    ProcessNoteFactory,
    ReflectionFactory,
    SessionNoteFactory,
)

PROCESS_TEXT = "PROCESS-NOTE-ONLY countertransference musing"
REFLECTION_TEXT = "REFLECTION-ONLY wondering about the holiday gap"
SUPERVISION_TEXT = "SUPERVISION-ONLY talked through my own fatigue"
SECRET_TEXTS = (PROCESS_TEXT, REFLECTION_TEXT, SUPERVISION_TEXT)

START = dt.datetime(2026, 2, 2, 10, 0, tzinfo=dt.UTC)  # a Monday


def same_frame(clinic):
    """The contact policy both clinics of a round trip share, so that the
    derived facts come out the same."""
    return ContactPolicyFactory(
        clinic=clinic,
        updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        allowed_channels=["text", "email", "phone"],
        contact_hours={str(day): ["09:00", "17:00"] for day in range(5)},
        weekly_limit=3,
    )


def parsed(data: bytes) -> Bundle:
    """Every export the tests make is validated against the R4B models."""
    return Bundle.model_validate_json(data)


def resources_of(data: bytes, resource_type: str) -> list[dict]:
    bundle = json.loads(data)
    return [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == resource_type
    ]


def add_contacts(client, count: int, *, start: dt.datetime = START) -> None:
    """``count`` client contacts two hours apart (some after hours), each
    answered by a therapist reply; written as an import writes them."""
    rows = []
    for n in range(count):
        occurred = start + dt.timedelta(hours=7 * n)
        rows.append(
            NewContact(
                client_id=client.pk,
                occurred_at=occurred,
                channel=["text", "email", "phone", "portal"][n % 4],
                direction="from_client",
                purpose=["scheduling", "reassurance", "distress", ""][n % 4],
                summary=f"Synthetic summary {n}",
                responded_at=occurred + dt.timedelta(minutes=30),
                row_hash=f"c{n}",
            )
        )
        rows.append(
            NewContact(
                client_id=client.pk,
                occurred_at=occurred + dt.timedelta(minutes=30),
                channel="text",
                direction="from_therapist",
                purpose="scheduling",
                row_hash=f"r{n}",
                duration_minutes=None,
            )
        )
    contacts_bulk_create(clinic=client.clinic, contacts=rows)
    ids = dict(Contact.objects.filter(client=client).values_list("row_hash", "pk"))
    contact_columns_update(
        [(ids[f"r{n}"], ids[f"c{n}"]) for n in range(count)], ("in_reply_to_id",)
    )


def add_records(client, *, scale: int = 1) -> None:
    """Measures, observations, coping plans and flags, ``scale`` times."""
    for n in range(scale):
        MeasureFactory(
            client=client,
            measured_on=dt.date(2026, 1, 5) + dt.timedelta(days=7 * n),
            secure=Decimal("4.25"),
        )
        ObservationFactory(
            client=client,
            observed_at=START + dt.timedelta(days=n),
            markers=["longing", "panic"],
            triggers=["session_ending"],
            intensity=3,
            note="Synthetic observation note.",
        )
        CopingPlanFactory(
            client=client,
            version=n + 1,
            strategies=["journal", "grounding"],
            triggers=["therapist_absence"],
            supports="A friend, by phone.",
            crisis_steps="Call the crisis line.",
            written_at=START + dt.timedelta(days=n),
            review_on=dt.date(2026, 4, 1),
        )
        FlagFactory(
            client=client, window_start=dt.date(2026, 2, 2) + dt.timedelta(days=n)
        )


@pytest.fixture
def trainee_link(supervisor, therapist):
    Supervision.objects.filter(supervisor=supervisor, supervisee=therapist).update(
        cosign_required=True
    )


def sign_notes(client, *, therapist, supervisor, password):
    """A co-signed SOAP note with an addendum, a signed DAP note with a risk
    above none, and a draft (which stays behind)."""
    now = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
    first = note_services.note_sign(
        actor=therapist,
        note=SessionNoteFactory(client=client),
        password=password,
        now=now,
    )
    first = note_services.note_cosign(
        actor=supervisor, note=first, password=password, now=now + dt.timedelta(hours=1)
    )
    note_services.addendum_add(
        actor=therapist,
        note=first,
        text="Late entry: the client phoned after the session.",
        password=password,
        now=now + dt.timedelta(hours=2),
    )
    Supervision.objects.filter(supervisee=therapist).update(cosign_required=False)
    second = SessionNoteFactory(
        client=client,
        session_at=now + dt.timedelta(days=7),
        format="dap",
        subjective="",
        objective="",
        assessment="Alliance strained after the cancellation.",
        plan="Name the gap next time.",
        data="Spoke of the weekend alone.",
        risk_level="moderate",
        risk_summary="Passing thoughts, no plan.",
    )
    note_services.note_sign(
        actor=therapist, note=second, password=password, now=now + dt.timedelta(days=7)
    )
    SessionNoteFactory(client=client, session_at=now + dt.timedelta(days=14))


def add_secrets(client, *, therapist, supervisor) -> None:
    ProcessNoteFactory(client=client, text=PROCESS_TEXT)
    ReflectionFactory(client=client, text=REFLECTION_TEXT)
    SupervisionSessionFactory(
        clinic=client.clinic,
        supervisor=supervisor,
        supervisee=therapist,
        notes=SUPERVISION_TEXT,
    )


@pytest.fixture
def record(client, therapist, supervisor, trainee_link, password, policy):
    """The world's client with a full record: contacts and replies, a
    rupture, measures, observations, two coping-plan versions, a co-signed
    note with an addendum, a signed note, a draft, flags with review steps,
    and a process note, a reflection and a supervision session."""
    add_contacts(client, 6)
    rupture = RuptureFactory(
        client=client,
        noticed_at=START,
        setting="between_sessions",
        channel="text",
        kind="confrontation",
        markers=["complaint_parameters"],
        severity=2,
        description="Synthetic: the late reply landed as a rebuff.",
    )
    RepairAttemptFactory(rupture=rupture, client_response="Synthetic: relieved.")
    RuptureFactory(client=client, noticed_at=START + dt.timedelta(days=3))
    add_records(client, scale=2)
    sign_notes(client, therapist=therapist, supervisor=supervisor, password=password)
    flag = client.flags.order_by("pk").first()
    FlagStatusChange.objects.create(
        flag=flag,
        from_status="open",
        to_status="acknowledged",
        changed_by=therapist,
        changed_at=START + dt.timedelta(days=20),
    )
    FlagStatusChange.objects.create(
        flag=flag,
        from_status="acknowledged",
        to_status="resolved",
        changed_by=supervisor,
        changed_at=START + dt.timedelta(days=30),
        reason="Talked through in supervision.",
        usefulness="useful",
    )
    flag.status = "resolved"
    flag.save()
    add_secrets(client, therapist=therapist, supervisor=supervisor)
    return client


@pytest.fixture
def new_home(other_clinic):
    """A second clinic with the same frame, and the therapist who takes the
    client over there."""
    same_frame(other_clinic)
    person = UserFactory(email="newhome@example.test", full_name="Nia Newhome")
    MembershipFactory(user=person, clinic=other_clinic, role=Role.THERAPIST)
    return SimpleNamespace(clinic=other_clinic, therapist=person)


def small_client(clinic, therapist, *, code: str, scale: int, password: str):
    """A client whose every kind of record grows with ``scale``."""
    client = ClientFactory(clinic=clinic, therapist=therapist, code=code)
    add_contacts(client, 4 * scale)
    add_records(client, scale=scale)
    for n in range(scale):
        rupture = RuptureFactory(client=client, noticed_at=START + dt.timedelta(days=n))
        RepairAttemptFactory(rupture=rupture)
        when = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC) + dt.timedelta(days=n)
        note = note_services.note_sign(
            actor=therapist,
            note=SessionNoteFactory(client=client, session_at=when),
            password=password,
            now=when,
        )
        note_services.addendum_add(
            actor=therapist,
            note=note,
            text="Synthetic addendum.",
            password=password,
            now=when,
        )
    return client
