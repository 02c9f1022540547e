"""A client with a record of every kind, signed and historied, ended long
ago; and the same kinds for a second client, who must keep them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps

from attachment.models import (
    ClientAddress,
    ContactDelivery,
    FlagStatusChange,
    ImportedRecord,
    RescanRequest,
    SafetyAlert,
    UnmatchedMessage,
)
from clinic.integrations.models import Integration
from clinic.models import Client, ClientStatus
from notes import services as note_services
from notes.models import NoteReturn
from tests.attachment.factories import (
    AgreementFactory,
    ContactFactory,
    CopingPlanFactory,
    DiscussedFlagFactory,
    FlagFactory,
    FlagResponseFactory,
    MeasureFactory,
    NotificationFactory,
    ObservationFactory,
    RepairAttemptFactory,
    RuptureFactory,
    SupervisionSessionFactory,
)
from tests.attachment.safety.factories import SafetyPlanFactory
from tests.factories import ClientFactory
from tests.notes.factories import (
    ProcessNoteFactory,
    ReflectionFactory,
    SessionNoteFactory,
)

#: The ending that puts a client past a seven-year retention at NOW.
LONG_AGO = dt.date(2016, 6, 30)

#: Every kind of record a destruction removes, by model label.
RECORD_KINDS = (
    "notes.SessionNote",
    "notes.Addendum",
    "notes.NoteReturn",
    "notes.ProcessNote",
    "notes.Reflection",
    "attachment.Contact",
    "attachment.ContactDelivery",
    "attachment.UnmatchedMessage",
    "attachment.RescanRequest",
    "attachment.ClientAddress",
    "attachment.Rupture",
    "attachment.RepairAttempt",
    "attachment.DependencyObservation",
    "attachment.AttachmentMeasure",
    "attachment.CopingPlan",
    "attachment.SafetyPlan",
    "attachment.SafetyAlert",
    "attachment.ContactAgreement",
    "attachment.Flag",
    "attachment.FlagStatusChange",
    "attachment.FlagResponse",
    "attachment.DiscussedFlag",
    "attachment.ImportedRecord",
    "attachment.Notification",
)


def give_a_full_record(
    client: Client, *, supervisor, integration, password: str, now: dt.datetime
) -> None:
    """One or more records of every kind, written while the client is
    active; a signed note with an addendum goes through the notes services."""
    therapist = client.therapist
    note = note_services.note_sign(
        actor=therapist,
        note=SessionNoteFactory(client=client, author=therapist),
        password=password,
        now=now,
    )
    note_services.addendum_add(
        actor=therapist, note=note, text="Late entry.", password=password, now=now
    )
    NoteReturn.objects.create(
        note=SessionNoteFactory(client=client, author=therapist),
        returned_by=supervisor,
        returned_at=now,
        comment="Please add the plan.",
    )
    ProcessNoteFactory(client=client)
    ReflectionFactory(client=client, brought_in=note)
    asked = ContactFactory(client=client, discussed_in=note)
    reply = ContactFactory(
        client=client, direction="from_therapist", in_reply_to=asked, purpose=""
    )
    ContactDelivery.objects.create(
        integration=integration,
        contact=reply,
        external_id=f"d-{client.pk}",
        created_at=now,
    )
    UnmatchedMessage.objects.create(
        clinic=client.clinic,
        integration=integration,
        external_id=f"u-{client.pk}",
        address="+447700900999",
        channel="text",
        direction="from_client",
        occurred_at=asked.occurred_at,
        received_at=asked.occurred_at,
        resolution="assigned",
        resolved_at=now,
        resolved_by=therapist,
        contact=asked,
    )
    RescanRequest.objects.create(client=client, requested_at=now)
    ClientAddress.objects.create(
        clinic=client.clinic,
        client=client,
        kind="phone",
        value=f"+4477009{client.pk:05d}",
        created_at=now,
        created_by=therapist,
    )
    SafetyAlert.objects.create(
        contact=asked,
        client=client,
        due_at=now,
        raised_at=now,
        notified=therapist,
        escalate_at=now + dt.timedelta(hours=4),
    )
    rupture = RuptureFactory(client=client)
    RepairAttemptFactory(rupture=rupture)
    rupture.severity = 2
    rupture.save()  # a second history row
    ObservationFactory(client=client)
    MeasureFactory(client=client)
    CopingPlanFactory(client=client)
    SafetyPlanFactory(client=client)
    AgreementFactory(client=client)
    flag = FlagFactory(client=client)
    FlagStatusChange.objects.create(
        flag=flag,
        from_status="open",
        to_status="acknowledged",
        changed_by=therapist,
        changed_at=now,
    )
    FlagResponseFactory(flag=flag)
    session = SupervisionSessionFactory(supervisor=supervisor, supervisee=therapist)
    discussed = DiscussedFlagFactory(client=client)
    apps.get_model("attachment", "DiscussedFlag").objects.create(
        session=session, flag=discussed
    )
    ImportedRecord.objects.create(
        client=client,
        source_key=f"Patient/{client.pk}",
        resource_type="Patient",
        record_model="clinic.client",
        record_id=client.pk,
        imported_at=now,
    )
    NotificationFactory(recipient=therapist, url=f"/clients/{client.pk}/")


def end(client: Client, *, on: dt.date = LONG_AGO) -> Client:
    client.status = ClientStatus.ENDED
    client.started_on = min(client.started_on, on - dt.timedelta(days=400))
    client.ended_on = on
    client.save()
    return client


@pytest.fixture
def integration(clinic, now):
    return Integration.objects.create(
        clinic=clinic,
        name="Practice phones",
        kind="other",
        scopes=["contacts:write"],
        token_sha256="3" * 64,
        created_at=now,
    )


@pytest.fixture
def past_retention(client, supervisor, integration, password, now, policy):
    """The world's client, with a full record, ended in 2016."""
    give_a_full_record(
        client,
        supervisor=supervisor,
        integration=integration,
        password=password,
        now=now,
    )
    return end(client)


@pytest.fixture
def bystander(clinic, therapist, supervisor, integration, password, now, policy):
    """Another client of the same therapist with the same kinds of record,
    also ended in 2016: untouched by the first one's destruction."""
    other = ClientFactory(clinic=clinic, therapist=therapist, code="RS-002")
    give_a_full_record(
        other,
        supervisor=supervisor,
        integration=integration,
        password=password,
        now=now,
    )
    return end(other)
