"""The contact import row by row: the exact reason for every bad cell, the
edges of what each column accepts, how the file is read, and the weekly-limit
fact of new and stored contacts around the file's dates."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from attachment.models import Contact, Direction, RescanRequest
from attachment.records.boundary_refresh import contact_facts_refresh
from attachment.records.imports import (
    HEADER,
    ImportRejected,
    NewContact,
    contacts_bulk_create,
    contacts_import,
)
from clinic.models import AuditEvent
from tests.attachment.factories import AgreementFactory, ContactFactory
from tests.factories import AbsenceFactory, ClientFactory

pytestmark = pytest.mark.django_db

HEAD = ",".join(HEADER)
UNREADABLE = "or soon after: unreadable CSV (check the quoting)"


def csv_text(*rows: str) -> str:
    return "\n".join([HEAD, *rows]) + "\n"


def row(
    occurred: str = "2026-03-09T10:00:00+00:00",
    *,
    code: str = "RS-001",
    channel: str = "text",
    direction: str = "from_client",
    purpose: str = "scheduling",
    summary: str = "",
    responded: str = "",
) -> str:
    return ",".join([code, occurred, channel, direction, purpose, summary, responded])


def at(day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def rejected_errors(clinic, now, text: str) -> list[str]:
    with pytest.raises(ImportRejected) as rejected:
        contacts_import(clinic=clinic, text=text, now=now)
    assert not Contact.objects.exists()
    return rejected.value.errors


def flags_by_time(client) -> list[tuple[dt.datetime, bool]]:
    return list(
        Contact.objects.filter(client=client)
        .order_by("occurred_at", "pk")
        .values_list("occurred_at", "over_weekly_limit")
    )


# Reasons, one cell at a time ------------------------------------------------

DIRECTIONS = ", ".join(Direction.values)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (row(summary="x" * 281), "summary is longer than 280 characters"),
        (row(summary="before\x00after"), "summary contains a NUL character"),
        (row(responded="soon"), "responded_at is not an ISO 8601 time"),
        (row(responded="2026-03-09T10:20:00"), "responded_at has no UTC offset"),
        (
            row(responded="2026-03-30T10:20:00+00:00"),
            "responded_at is more than a day in the future",
        ),
        (row("0001-01-01T00:30:00+01:00"), "occurred_at is out of range"),
        (row(code="RS\x00001"), "unknown client code"),
        (row(code="R" * 33), "unknown client code"),
        (row(code=""), "unknown client code"),
        # An unknown direction is the only reason: it does not also make the
        # reply time look misplaced.
        (
            row(direction="sideways", responded="2026-03-09T10:20:00+00:00"),
            f"unknown direction (use one of: {DIRECTIONS})",
        ),
    ],
    ids=[
        "long-summary",
        "nul-in-summary",
        "reply-not-a-time",
        "reply-without-offset",
        "reply-in-future",
        "before-year-one-in-utc",
        "nul-in-code",
        "code-too-long",
        "blank-code",
        "unknown-direction-with-reply",
    ],
)
def test_each_bad_cell_has_exactly_one_reason_on_its_line(
    clinic, client, policy, now, line, reason
):
    assert rejected_errors(clinic, now, csv_text(line)) == [f"line 2: {reason}"]


def test_a_blank_code_cell_is_unknown_even_if_a_client_has_a_blank_code(
    clinic, client, therapist, policy, now
):
    ClientFactory(clinic=clinic, therapist=therapist, code="")
    assert rejected_errors(clinic, now, csv_text(row(code=" "))) == [
        "line 2: unknown client code"
    ]


def test_a_client_code_of_the_longest_length_is_found(clinic, therapist, policy, now):
    longest = ClientFactory(clinic=clinic, therapist=therapist, code="R" * 32)
    contacts_import(clinic=clinic, text=csv_text(row(code="R" * 32)), now=now)
    assert Contact.objects.get().client == longest


# What each column accepts ---------------------------------------------------


def test_every_column_is_stored_as_written(clinic, client, policy, now):
    contacts_import(
        clinic=clinic,
        text=csv_text(
            row(
                "2026-03-09T11:00:00+01:00",
                channel=" email ",
                purpose="reassurance",
                summary="Checking in",
                responded="2026-03-09T10:30:00+00:00",
            )
        ),
        now=now,
    )
    stored = Contact.objects.values(
        "client_id",
        "occurred_at",
        "channel",
        "direction",
        "purpose",
        "summary",
        "responded_at",
        "response_minutes",
        "source",
    ).get()
    assert stored == {
        "client_id": client.pk,
        "occurred_at": at(9),
        "channel": "email",
        "direction": "from_client",
        "purpose": "reassurance",
        "summary": "Checking in",
        "responded_at": at(9, 10, 30),
        "response_minutes": 30,
        "source": "import",
    }


def test_a_summary_of_exactly_the_longest_length_is_accepted(
    clinic, client, policy, now
):
    contacts_import(clinic=clinic, text=csv_text(row(summary="x" * 280)), now=now)
    assert len(Contact.objects.get().summary) == 280


def test_a_reply_at_the_very_moment_of_the_contact_is_accepted(
    clinic, client, policy, now
):
    moment = "2026-03-09T10:00:00+00:00"
    contacts_import(
        clinic=clinic, text=csv_text(row(moment, responded=moment)), now=now
    )
    assert Contact.objects.get().response_minutes == 0


def test_a_moment_exactly_a_day_ahead_is_accepted_and_a_second_more_is_not(
    clinic, client, policy, now
):
    day_ahead = now + dt.timedelta(days=1)
    assert rejected_errors(
        clinic, now, csv_text(row(iso(day_ahead + dt.timedelta(seconds=1))))
    ) == ["line 2: occurred_at is more than a day in the future"]
    contacts_import(
        clinic=clinic, text=csv_text(row(iso(now)), row(iso(day_ahead))), now=now
    )
    assert sorted(Contact.objects.values_list("occurred_at", flat=True)) == [
        now,
        day_ahead,
    ]


@override_settings(TIME_ZONE="Europe/Berlin")
def test_the_last_representable_hour_is_judged_in_utc_not_in_the_servers_zone(
    clinic, client, policy, now
):
    """Late in year 9999 UTC is still a time, only a future one; in Berlin it
    would already be year 10000."""
    assert rejected_errors(clinic, now, csv_text(row("9999-12-31T23:30:00+00:00"))) == [
        "line 2: occurred_at is more than a day in the future"
    ]


# Reading the file -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        (
            csv_text(row(), row(summary="Second"), '"x"y,z'),
            [f"line 4 {UNREADABLE}"],
        ),
        (csv_text('"x"y,z'), [f"line 2 {UNREADABLE}"]),
        (
            '"x"y,z\n',
            [f"line 1: the header must be {HEAD}", f"line 1 {UNREADABLE}"],
        ),
    ],
    ids=["after-rows", "after-header", "first-line"],
)
def test_unreadable_quoting_names_the_line_after_the_last_readable_record(
    clinic, client, policy, now, text, errors
):
    assert rejected_errors(clinic, now, text) == errors


def test_a_line_of_empty_cells_is_skipped_but_still_counted(
    clinic, client, policy, now
):
    text = csv_text(",,,,,,", " , ,,,,,", row("never"))
    assert rejected_errors(clinic, now, text) == [
        "line 4: occurred_at is not an ISO 8601 time"
    ]


def test_windows_line_ends_are_kept_inside_a_quoted_summary(
    clinic, client, policy, now
):
    text = "\r\n".join([HEAD, row(summary='"two\r\nlines"')]) + "\r\n"
    contacts_import(clinic=clinic, text=text, now=now)
    assert Contact.objects.get().summary == "two\r\nlines"


def test_a_file_with_old_mac_line_ends_is_read(clinic, client, policy, now):
    text = "\r".join([HEAD, row(), row(summary="Second"), row("never")]) + "\r"
    assert rejected_errors(clinic, now, text) == [
        "line 4: occurred_at is not an ISO 8601 time"
    ]


# The weekly limit (three a week in the clinic policy) ------------------------


def stored(client, moment: dt.datetime, **fields) -> Contact:
    return ContactFactory(client=client, occurred_at=moment, **fields)


def import_at(clinic, now, *moments: dt.datetime, **fields) -> None:
    rows = [row(iso(moment), **fields) for moment in moments]
    contacts_import(clinic=clinic, text=csv_text(*rows), now=now)


def test_rows_out_of_time_order_reach_back_from_the_earliest_one(
    clinic, client, policy, now
):
    for day in (3, 4, 5):
        stored(client, at(day))
    import_at(clinic, now, at(2), at(6))
    assert flags_by_time(client) == [
        (at(2), False),
        (at(3), False),
        (at(4), False),
        (at(5), True),
        (at(6), True),
    ]


def test_stored_contacts_outside_the_files_reach_keep_their_flags(
    clinic, client, policy, now
):
    """Before the first imported contact, or more than a week after the last,
    nothing the file adds can change a count, so nothing is rewritten."""
    before = [stored(client, at(1, hour)) for hour in (10, 11, 12, 13)]
    after = [stored(client, at(10, hour)) for hour in (10, 11, 12, 13)]
    import_at(clinic, now, at(2))
    for contact in [*before, *after]:
        contact.refresh_from_db()
        assert not contact.over_weekly_limit
    assert Contact.objects.get(occurred_at=at(2)).over_weekly_limit


def test_a_stored_contact_at_the_instant_of_the_first_row_is_recomputed(
    clinic, client, policy, now
):
    for hour in (10, 11, 12):
        stored(client, at(1, hour))
    same_instant = stored(client, at(2), channel="phone")
    import_at(clinic, now, at(2))
    same_instant.refresh_from_db()
    assert same_instant.over_weekly_limit
    assert flags_by_time(client) == [
        (at(1, 10), False),
        (at(1, 11), False),
        (at(1, 12), False),
        (at(2), True),
        (at(2), True),
    ]


def test_of_two_stored_contacts_at_one_instant_the_later_recorded_tips_the_count(
    clinic, client, policy, now
):
    stored(client, at(1))
    first = stored(client, at(3))
    second = stored(client, at(3))
    # An update writes a new row version at the end of the table, so the
    # database hands the pair back in the opposite order of recording.
    Contact.objects.filter(pk=first.pk).update(summary="Edited")
    import_at(clinic, now, at(2))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.over_weekly_limit, second.over_weekly_limit) == (False, True)


def test_other_clients_contacts_are_neither_counted_nor_rewritten(
    clinic, client, therapist, policy, now
):
    neighbour = ClientFactory(clinic=clinic, therapist=therapist, code="RS-002")
    theirs = [stored(neighbour, at(3, hour)) for hour in (10, 11, 12, 13)]
    import_at(clinic, now, at(3, 14))
    assert flags_by_time(client) == [(at(3, 14), False)]
    for contact in theirs:
        contact.refresh_from_db()
        assert not contact.over_weekly_limit


def test_contacts_from_the_therapist_do_not_count_towards_the_limit(
    clinic, client, policy, now
):
    for day in (3, 4, 5):
        stored(client, at(day), direction="from_therapist")
    import_at(clinic, now, at(6))
    assert Contact.objects.get(occurred_at=at(6)).over_weekly_limit is False


def import_queries(clinic, now, rows: list[str]) -> int:
    with CaptureQueriesContext(connection) as queries:
        contacts_import(clinic=clinic, text=csv_text(*rows), now=now)
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_stored_contacts(
    clinic, client, policy, now
):
    for hour in (10, 11, 12):
        stored(client, at(4, hour))
    few = import_queries(clinic, now, [row(iso(at(3)))])
    for hour in (10, 11, 12, 13, 14, 15):
        stored(client, at(12, hour))
    many = import_queries(clinic, now, [row(iso(at(11)))])
    assert many == few
    assert flags_by_time(client)[-4:] == [
        (at(12, 12), True),
        (at(12, 13), True),
        (at(12, 14), True),
        (at(12, 15), True),
    ]


def test_the_number_of_queries_does_not_grow_with_clients(
    clinic, client, therapist, policy, now
):
    one = import_queries(clinic, now, [row(iso(at(2)))])
    codes = ["RS-002", "RS-003", "RS-004"]
    for code in codes:
        ClientFactory(clinic=clinic, therapist=therapist, code=code)
    three = import_queries(clinic, now, [row(iso(at(2)), code=code) for code in codes])
    assert three == one


# Facts, audit and rescans -------------------------------------------------


def test_a_contact_during_the_therapists_absence_says_so(
    clinic, client, therapist, policy, now
):
    AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        starts_on=dt.date(2026, 3, 9),
        ends_on=dt.date(2026, 3, 13),
    )
    import_at(clinic, now, at(10), at(16))
    assert dict(Contact.objects.values_list("occurred_at", "during_absence")) == {
        at(10): True,
        at(16): False,
    }


def test_the_bulk_writer_shows_no_progress_unless_asked(
    clinic, client, policy, now, capsys
):
    contact = NewContact(
        client_id=client.pk, occurred_at=at(9), channel="text", direction="from_client"
    )
    assert contacts_bulk_create(clinic=clinic, contacts=[contact]) == 1
    assert capsys.readouterr().err == ""
    assert Contact.objects.get().source == "import"


def test_the_progress_bar_counts_rows(clinic, client, policy, now, capsys):
    contacts_import(clinic=clinic, text=csv_text(row()), now=now, progress=True)
    assert re.search(r"1/1 \[.*(row/s|s/row)\]", capsys.readouterr().err)


def test_each_client_written_to_gets_an_audit_event_and_a_rescan(
    clinic, client, therapist, policy, now, django_capture_on_commit_callbacks
):
    neighbour = ClientFactory(clinic=clinic, therapist=therapist, code="RS-002")
    untouched = ClientFactory(clinic=clinic, therapist=therapist, code="RS-003")
    with django_capture_on_commit_callbacks(execute=True):
        contacts_import(
            clinic=clinic,
            text=csv_text(row(), row(code="RS-002"), row(summary="Again")),
            now=now,
        )
    events = AuditEvent.objects.filter(object_type="attachment.contact")
    assert sorted(events.values_list("client_id", "clinic_id", "action")) == [
        (client.pk, clinic.pk, "create"),
        (neighbour.pk, clinic.pk, "create"),
    ]
    assert set(RescanRequest.objects.values_list("client_id", flat=True)) == {
        client.pk,
        neighbour.pk,
    }
    assert not RescanRequest.objects.filter(client=untouched).exists()


# The writer: one COPY, facts derived as it goes ----------------------------


def a_varied_file(codes: list[str], rows: int) -> str:
    """Seeded rows of every kind, out of time order, with ties: several
    contacts of one client at one instant, replies, distress, channels and
    hours outside the terms, days of an absence."""
    generator = random.Random(19)
    lines = []
    for _ in range(rows):
        occurred = at(generator.randint(2, 17), generator.randint(6, 22))
        occurred += dt.timedelta(minutes=generator.choice([0, 0, 30]))
        direction = generator.choice(Direction.values)
        responded = ""
        if direction == "from_client" and generator.random() < 0.5:
            responded = iso(occurred + dt.timedelta(minutes=generator.randint(0, 900)))
        lines.append(
            row(
                iso(occurred),
                code=generator.choice(codes),
                channel=generator.choice(["text", "email", "phone", "voicemail"]),
                direction=direction,
                purpose=generator.choice(["scheduling", "distress", "other"]),
                summary=generator.choice(["", "Tab\there", "Back\\slash", "Line"]),
                responded=responded,
            )
        )
    return csv_text(*lines)


def test_the_copy_writes_the_facts_a_refresh_would_derive_again(
    clinic, client, therapist, policy, now
):
    """Facts derived row by row during the COPY, in (client, time) order,
    are the very facts the refresh derives from the stored rows (in id
    order, for the weekly limit): nothing changes when it runs."""
    neighbour = ClientFactory(clinic=clinic, therapist=therapist, code="RS-002")
    AgreementFactory(client=neighbour, effective_from=at(12), weekly_limit=2)
    AbsenceFactory(
        clinic=clinic,
        therapist=therapist,
        starts_on=dt.date(2026, 3, 16),
        ends_on=dt.date(2026, 3, 17),
    )
    import_at(clinic, now, at(9, 11), at(9, 12))  # stored before the file
    result = contacts_import(
        clinic=clinic, text=a_varied_file(["RS-001", "RS-002"], 300), now=now
    )
    assert result.created + result.already_recorded == 300
    before = list(Contact.objects.order_by("pk").values())
    assert any(contact["over_weekly_limit"] for contact in before)
    assert any(contact["during_absence"] for contact in before)
    assert any(contact["outside_agreement"] for contact in before)

    changed = contact_facts_refresh(client_ids=[client.pk, neighbour.pk])

    assert changed == 0
    assert list(Contact.objects.order_by("pk").values()) == before


def test_the_copy_numbers_the_rows_by_client_then_time_keeping_ties_in_file_order(
    clinic, client, therapist, policy, now
):
    ClientFactory(clinic=clinic, therapist=therapist, code="RS-002")
    contacts_import(
        clinic=clinic,
        text=csv_text(
            row(iso(at(10)), code="RS-002"),
            row(iso(at(10)), summary="first"),
            row(iso(at(9))),
            row(iso(at(10)), summary="second"),
        ),
        now=now,
    )
    assert list(
        Contact.objects.order_by("pk").values_list(
            "client__code", "occurred_at", "summary"
        )
    ) == [
        ("RS-001", at(9), ""),
        ("RS-001", at(10), "first"),
        ("RS-001", at(10), "second"),
        ("RS-002", at(10), ""),
    ]
