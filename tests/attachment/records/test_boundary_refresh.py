"""A boundary change re-derives the stored contact facts and re-scans: the
admin changes a boundary and sees the effect on the next scan."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from attachment.engine.services import clinic_scan
from attachment.models import Contact, Flag, FlagKind, RescanRequest
from attachment.records import boundary_refresh
from attachment.records import tasks as records_tasks
from attachment.records.boundary_refresh import contact_facts_refresh
from clinic import services
from clinic.administration import services as admin_services
from clinic.policies import clinic_default_policy
from tests.attachment.factories import AgreementFactory, ContactFactory
from tests.clinic.test_publishing import broker_refusing
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

# Tuesday 10 March 2026, 10:00 in London: inside weekday contact hours.
MONDAY = dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC)


def _texts(client, count: int, start: dt.datetime = MONDAY) -> list[Contact]:
    """``count`` client texts, one a day at 10:00 on weekdays from ``start``."""
    contacts = []
    day = start
    while len(contacts) < count:
        if day.weekday() < 5:
            contacts.append(ContactFactory(client=client, occurred_at=day))
        day += dt.timedelta(days=1)
    return contacts


def _values(policy, **changes):
    """The terms of ``policy`` with ``changes``, as the policy services take them."""
    return {
        **{field: getattr(policy, field) for field in services.POLICY_FIELDS},
        **changes,
    }


def _policy_flags(client):
    return Flag.objects.filter(client=client, kind=FlagKind.POLICY_PATTERN)


def test_a_new_agreement_version_applies_from_its_moment_and_flags_on_the_next_scan(
    client, policy, now
):
    AgreementFactory(
        client=client, effective_from=dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    )
    (friday,) = _texts(client, 1, start=dt.datetime(2026, 3, 13, 10, 0, tzinfo=dt.UTC))
    later = [
        ContactFactory(
            client=client, occurred_at=dt.datetime(2026, 3, day, hour, tzinfo=dt.UTC)
        )
        for day in (16, 17)
        for hour in (10, 14)
    ]
    contact_facts_refresh(client_ids=[client.pk])
    clinic_scan(clinic=client.clinic, now=now)
    assert not _policy_flags(client).exists()

    version_2 = AgreementFactory(
        client=client,
        effective_from=dt.datetime(2026, 3, 15, tzinfo=dt.UTC),
        allowed_channels=["email"],
    )
    contact_facts_refresh(client_ids=[client.pk], since=version_2.effective_from)

    for contact in later:
        contact.refresh_from_db()
        assert contact.outside_agreement
    friday.refresh_from_db()
    assert not friday.outside_agreement  # made under version 1
    clinic_scan(clinic=client.clinic, now=now)
    assert _policy_flags(client).get().evidence["outside_agreement"] == 4


def test_refreshing_everything_again_keeps_each_contact_judged_at_its_time(
    client, policy
):
    AgreementFactory(
        client=client,
        effective_from=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
        allowed_channels=["text"],
    )
    AgreementFactory(
        client=client,
        effective_from=dt.datetime(2026, 3, 11, tzinfo=dt.UTC),
        allowed_channels=["email"],
    )
    before, after = (
        _texts(client, 1),
        _texts(client, 1, start=dt.datetime(2026, 3, 12, 10, 0, tzinfo=dt.UTC)),
    )
    contact_facts_refresh(client_ids=[client.pk])
    before[0].refresh_from_db()
    after[0].refresh_from_db()
    assert not before[0].outside_agreement
    assert after[0].outside_agreement


def test_a_frame_change_applies_from_its_moment_on(
    admin, client, policy, now, django_capture_on_commit_callbacks
):
    earlier = _texts(client, 1)[0]
    later = ContactFactory(client=client, occurred_at=now + dt.timedelta(hours=1))
    contact_facts_refresh(client_ids=[client.pk])

    with django_capture_on_commit_callbacks(execute=True):
        services.contact_policy_save_default(
            actor=admin,
            clinic=client.clinic,
            values=_values(policy, allowed_channels=["phone"]),
            now=now,
        )

    earlier.refresh_from_db()
    later.refresh_from_db()
    assert not earlier.outside_agreement  # judged by the frame of its time
    assert later.outside_agreement
    # Deriving everything again changes nothing: the history keeps both.
    assert contact_facts_refresh(client_ids=[client.pk]) == 0


def test_a_frame_change_leaves_clients_with_an_agreement_in_force_alone(
    admin, client, policy, therapist, now, django_capture_on_commit_callbacks
):
    own_terms = ClientFactory(clinic=client.clinic, therapist=therapist)
    AgreementFactory(
        client=own_terms,
        effective_from=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
        allowed_channels=["text"],
    )
    at = now + dt.timedelta(hours=1)
    following = ContactFactory(client=client, occurred_at=at)
    kept = ContactFactory(client=own_terms, occurred_at=at)

    with django_capture_on_commit_callbacks(execute=True):
        services.contact_policy_save_default(
            actor=admin,
            clinic=client.clinic,
            values=_values(policy, allowed_channels=["phone"]),
            now=now,
        )

    following.refresh_from_db()
    kept.refresh_from_db()
    assert following.outside_agreement
    assert not kept.outside_agreement


def test_a_default_change_is_refreshed_in_chunks_of_client_ids(
    admin, clinic, therapist, policy, now, monkeypatch
):
    clients = [ClientFactory(clinic=clinic, therapist=therapist) for _ in range(5)]
    for each in clients:
        _texts(each, 1)
    clinic_default_policy(clinic=clinic)
    chunks = boundary_refresh.default_policy_chunks(clinic_id=clinic.pk, size=2)
    assert chunks == [
        (clients[0].pk, clients[1].pk),
        (clients[2].pk, clients[3].pk),
        (clients[4].pk, clients[4].pk),
    ]
    policy.allowed_channels = ["email"]
    policy.save()
    assert (
        records_tasks.default_policy_refresh_task(clinic_id=clinic.pk, chunk_clients=2)
        == 3
    )
    assert Contact.objects.filter(outside_agreement=True).count() == 5


def test_an_absence_marks_the_contacts_in_its_dates_and_rescans(
    admin,
    client,
    policy,
    therapist,
    other_therapist,
    now,
    django_capture_on_commit_callbacks,
):
    before, during, after = (
        ContactFactory(client=client, occurred_at=MONDAY + dt.timedelta(days=d))
        for d in (0, 2, 4)
    )
    with django_capture_on_commit_callbacks(execute=True):
        absence = admin_services.absence_save(
            actor=admin,
            clinic=client.clinic,
            therapist=therapist,
            starts_on=dt.date(2026, 3, 10),
            ends_on=dt.date(2026, 3, 12),
            covering_therapist=other_therapist,
            now=now,
        )
    for contact, expected in ((before, False), (during, True), (after, False)):
        contact.refresh_from_db()
        assert contact.during_absence is expected
    assert RescanRequest.objects.filter(client=client).exists()

    admin_services.absence_save(
        actor=admin,
        clinic=client.clinic,
        absence=absence,
        therapist=therapist,
        starts_on=dt.date(2026, 3, 13),
        ends_on=dt.date(2026, 3, 14),
        now=now,
    )
    for contact, expected in ((before, False), (during, False), (after, True)):
        contact.refresh_from_db()
        assert contact.during_absence is expected


def test_deleting_a_future_absence_clears_its_contacts_fact(
    admin, client, policy, therapist, now
):
    later = now + dt.timedelta(days=30)
    absence = admin_services.absence_save(
        actor=admin,
        clinic=client.clinic,
        therapist=therapist,
        starts_on=later.date(),
        ends_on=later.date() + dt.timedelta(days=3),
        now=now,
    )
    # A contact logged ahead of time (an imported schedule, say) in its dates.
    contact = ContactFactory(client=client, occurred_at=later)
    contact_facts_refresh(client_ids=[client.pk])
    contact.refresh_from_db()
    assert contact.during_absence

    admin_services.absence_delete(actor=admin, absence=absence, now=now)

    contact.refresh_from_db()
    assert not contact.during_absence


def test_the_refresh_writes_only_contacts_whose_facts_change(client, policy):
    _texts(client, 4)
    assert contact_facts_refresh(client_ids=[client.pk]) > 0
    assert contact_facts_refresh(client_ids=[client.pk]) == 0


def test_an_absence_at_the_ends_of_the_calendar_is_refreshed_without_error(
    admin, client, therapist, now
):
    admin_services.absence_save(
        actor=admin,
        clinic=client.clinic,
        therapist=therapist,
        starts_on=dt.date.min,
        ends_on=dt.date.max,
        now=now,
    )
    (contact,) = _texts(client, 1)
    contact_facts_refresh(client_ids=[client.pk])
    contact.refresh_from_db()
    assert contact.during_absence


def test_with_the_broker_down_a_default_change_is_refreshed_at_once(
    admin, client, policy, now, caplog, django_capture_on_commit_callbacks
):
    text = ContactFactory(client=client, occurred_at=now + dt.timedelta(hours=1))
    caplog.set_level(logging.WARNING, logger="between.publishing")

    with broker_refusing(), django_capture_on_commit_callbacks(execute=True):
        services.contact_policy_save_default(
            actor=admin,
            clinic=client.clinic,
            values=_values(policy, allowed_channels=["phone"]),
            now=now,
        )

    text.refresh_from_db()
    assert text.outside_agreement
    assert (
        f"default policy refresh not queued clinic_id={client.clinic_id}: "
        "broker unavailable"
    ) in caplog.messages
