"""The other bulk writers under a real database failure half-way through:
the ``UPDATE … FROM unnest()`` writer, the boundary refresh after a policy or
absence change (in batches, then the weekly limits), the refresh of a chunk
of clients after a change of the clinic's default, the scan's flag upsert
and the demo seeding.  Each writes all of its rows or none."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction

from attachment.engine.services import clinic_scan
from attachment.models import Contact, ContactAgreement, Flag
from attachment.records import boundary_refresh
from attachment.records.contact_columns import contact_columns_update
from attachment.records.imports import NewContact, contacts_bulk_create
from clinic import services
from clinic.administration import services as admin_services
from clinic.models import ContactPolicy
from tests.attachment.factories import AgreementFactory
from tests.factories import ClientFactory
from tests.faults import (
    DATABASE_ERRORS,
    fault,
    row_count_changes,
    row_counts,
    rows_when_it_failed,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Monday 9 March 2026, 10:00 in London: inside the policy's contact hours.
MONDAY = dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)


def contacts(client, count: int, **values) -> None:
    """``count`` e-mails a second apart from Monday morning, facts derived."""
    values = {"channel": "email", "direction": "from_therapist", **values}
    contacts_bulk_create(
        clinic=client.clinic,
        contacts=[
            NewContact(
                client_id=client.pk,
                occurred_at=MONDAY + dt.timedelta(seconds=n),
                **values,
            )
            for n in range(count)
        ],
    )


def facts() -> list[tuple]:
    return list(
        Contact.objects.order_by("pk").values_list(
            "pk",
            "after_hours",
            "outside_agreement",
            "over_weekly_limit",
            "during_absence",
            "response_minutes",
        )
    )


def policy_values(policy, **changes) -> dict:
    return {
        **{name: getattr(policy, name) for name in services.POLICY_FIELDS},
        **changes,
    }


def test_one_update_from_unnest_changes_every_row_or_none(client, policy):
    """A database error on a late row, or a late row that breaks a constraint
    (a response time for a contact nobody responded to), stops the whole
    statement; the writer has no transaction of its own to rely on."""
    contacts(client, 30)
    ids = [pk for pk, *_ in facts()]
    before = facts()

    with (
        fault(
            "attachment_contact",
            event="UPDATE",
            after_rows=25,
            watch="attachment_contact WHERE after_hours",
        ),
        pytest.raises(DATABASE_ERRORS) as failure,
    ):
        contact_columns_update([(pk, True) for pk in ids], ("after_hours",))

    assert rows_when_it_failed(failure.value)[0] == 25
    assert facts() == before

    rows = [(pk, True, None) for pk in ids[:-1]] + [(ids[-1], True, 5)]
    with pytest.raises(DATABASE_ERRORS, match="contact_response_minutes_needs"):
        contact_columns_update(rows, ("after_hours", "response_minutes"))

    assert facts() == before


def _new_version(client, **terms) -> None:
    """A version of the client's agreement in force before every contact of
    these tests, and the refresh that applies it, in one transaction (as the
    agreement service writes them)."""
    with transaction.atomic():
        AgreementFactory(
            client=client,
            effective_from=MONDAY - dt.timedelta(days=1),
            allowed_channels=["text"],
            **terms,
        )
        boundary_refresh.contact_facts_refresh(
            client_ids=[client.pk], since=MONDAY - dt.timedelta(days=1)
        )


def test_an_agreement_whose_second_refresh_batch_fails_changes_nothing(client, policy):
    contacts(client, boundary_refresh.BATCH + 1, direction="from_client")
    counts, before = row_counts(), facts()

    with (
        fault(
            "attachment_contact",
            event="UPDATE",
            when="NEW.outside_agreement AND NOT OLD.outside_agreement",
            after_rows=boundary_refresh.BATCH,
            watch="attachment_contact WHERE outside_agreement",
        ),
        pytest.raises(DATABASE_ERRORS) as failure,
    ):
        _new_version(client)

    assert rows_when_it_failed(failure.value)[0] == boundary_refresh.BATCH
    assert row_count_changes(counts) == {}
    assert facts() == before
    assert not ContactAgreement.objects.filter(client=client).exists()


def test_a_failure_in_the_weekly_limits_undoes_the_facts_written_before(client, policy):
    """Four client e-mails in a week: the agreement takes e-mail away (written
    first) and lowers the weekly limit to two (written next, and failing)."""
    contacts(client, 4, direction="from_client")
    counts, before = row_counts(), facts()

    with (
        fault(
            "attachment_contact",
            event="UPDATE",
            when="NEW.over_weekly_limit AND NOT OLD.over_weekly_limit",
            watch="attachment_contact WHERE outside_agreement",
        ),
        pytest.raises(DATABASE_ERRORS) as failure,
    ):
        _new_version(client, weekly_limit=2)

    assert rows_when_it_failed(failure.value)[0] == 4
    assert row_count_changes(counts) == {}
    assert facts() == before


def test_an_absence_whose_refresh_fails_is_not_saved(
    admin, client, policy, therapist, other_therapist, now
):
    contacts(client, 5)
    counts, before = row_counts(), facts()

    with (
        fault(
            "attachment_contact",
            event="UPDATE",
            when="NEW.during_absence",
            watch="clinic_absence",
        ),
        pytest.raises(DATABASE_ERRORS) as failure,
    ):
        admin_services.absence_save(
            actor=admin,
            clinic=client.clinic,
            therapist=therapist,
            starts_on=MONDAY.date(),
            ends_on=MONDAY.date() + dt.timedelta(days=4),
            covering_therapist=other_therapist,
            now=now,
        )

    assert rows_when_it_failed(failure.value)[0] == 1
    assert row_count_changes(counts) == {}
    assert facts() == before


def test_a_chunk_of_the_default_policy_refresh_is_written_whole_or_not_at_all(
    clinic, client, policy, now
):
    """The clinic's default changed (committed); refreshing a chunk of its
    clients fails at the weekly limits, after the channel facts."""
    contacts(client, 4, direction="from_client")
    ContactPolicy.objects.filter(pk=policy.pk).update(
        allowed_channels=["text"], weekly_limit=2
    )
    counts, before = row_counts(), facts()

    with (
        fault(
            "attachment_contact",
            event="UPDATE",
            when="NEW.over_weekly_limit AND NOT OLD.over_weekly_limit",
            watch="attachment_contact WHERE outside_agreement",
        ),
        pytest.raises(DATABASE_ERRORS) as failure,
    ):
        boundary_refresh.default_policy_refresh_chunk(
            clinic_id=clinic.pk, first_id=client.pk, last_id=client.pk, now=now
        )

    assert rows_when_it_failed(failure.value)[0] == 4
    assert row_count_changes(counts) == {}
    assert facts() == before


def outside_policy(client, moments) -> None:
    Contact.objects.bulk_create(
        Contact(
            client=client,
            occurred_at=moment,
            channel="text",
            direction="from_client",
            after_hours=True,
        )
        for moment in moments
    )


def test_a_scan_that_fails_after_its_upsert_leaves_the_flags_as_they_were(
    clinic, client, therapist, now
):
    """The first client's policy flag has run its course and is to be marked
    no longer active; the second client's is new.  The upsert writes the new
    flag, then marking the old one fails."""
    later = now + 5 * WEEK
    outside_policy(client, [now - dt.timedelta(days=d) for d in (3, 8, 12, 15)])
    clinic_scan(clinic=clinic, now=now)
    second = ClientFactory(clinic=clinic, therapist=therapist)
    outside_policy(second, [later - dt.timedelta(days=d) for d in (2, 5, 9, 13)])
    counts = row_counts()
    flags = list(Flag.objects.values_list("pk", "client_id", "active", "updated_at"))
    assert [client_id for _, client_id, _, _ in flags] == [client.pk]

    with (
        fault(
            "attachment_flag",
            event="UPDATE",
            when="OLD.active AND NOT NEW.active",
        ),
        pytest.raises(DATABASE_ERRORS) as failure,
    ):
        clinic_scan(clinic=clinic, now=later)

    assert rows_when_it_failed(failure.value)[0] == 2
    assert row_count_changes(counts) == {}
    assert (
        list(Flag.objects.values_list("pk", "client_id", "active", "updated_at"))
        == flags
    )


def test_the_demo_seed_leaves_nothing_when_its_last_step_fails(settings):
    """Everything but the supervision sessions is written when the fault
    strikes: clinic, people, clients, notes, contacts and flags."""
    settings.DEBUG = True  # the demo seeds only in development
    counts = row_counts()

    with (
        fault("attachment_actionitem", watch="attachment_contact"),
        pytest.raises(DATABASE_ERRORS) as failure,
    ):
        call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())

    assert rows_when_it_failed(failure.value)[0] > 100
    assert row_count_changes(counts) == {}
