"""The contact import: all rows or none, line-numbered reasons, idempotent."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attachment.models import Contact
from attachment.records.imports import HEADER, ImportRejected, contacts_import, decode
from clinic.models import AuditEvent
from clinic.refusals import Refused
from tests.attachment.factories import AgreementFactory
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

HEAD = ",".join(HEADER)
ROWS = [
    "RS-001,2026-03-09T10:00:00+00:00,text,from_client,scheduling,Can we move Thursday?,"
    "2026-03-09T10:20:00+00:00",
    "RS-001,2026-03-09T10:25:00+00:00,text,from_therapist,scheduling,,",
    'RS-001,2026-03-10T21:40:00+01:00,voicemail,from_client,distress,"Upset, tearful",',
]


def csv_text(*rows: str) -> str:
    return "\n".join([HEAD, *rows]) + "\n"


def run(clinic, now, text: str):
    return contacts_import(clinic=clinic, text=text, now=now)


def test_a_clean_file_imports_every_row_with_its_facts(clinic, client, policy, now):
    result = run(clinic, now, csv_text(*ROWS))
    assert result.created == 3
    assert result.clients == {client.pk}
    answered = Contact.objects.get(channel="text", direction="from_client")
    assert answered.response_minutes == 20
    assert answered.source == "import"
    late = Contact.objects.get(channel="voicemail")
    assert late.summary == "Upset, tearful"
    # Late in the evening, but a client in distress is never in breach.
    assert not late.after_hours


def test_an_imported_contact_is_judged_by_the_agreement_of_its_time(
    clinic, client, policy, now
):
    AgreementFactory(
        client=client,
        effective_from=dt.datetime(2026, 3, 10, tzinfo=dt.UTC),
        allowed_channels=["email"],
    )
    run(
        clinic,
        now,
        csv_text(
            "RS-001,2026-03-09T10:00:00+00:00,text,from_client,scheduling,,",
            "RS-001,2026-03-11T10:00:00+00:00,text,from_client,scheduling,,",
        ),
    )
    before, after = Contact.objects.filter(client=client).order_by("occurred_at")
    assert not before.outside_agreement
    assert after.outside_agreement
    assert (
        AuditEvent.objects.filter(
            object_type="attachment.contact", client_id=client.pk, action="create"
        ).count()
        == 1
    )


def test_importing_the_same_file_twice_adds_nothing(clinic, client, policy, now):
    run(clinic, now, csv_text(*ROWS))
    again = run(clinic, now, csv_text(*ROWS))
    assert (again.created, again.already_recorded) == (0, 3)
    assert Contact.objects.count() == 3


def test_a_file_overlapping_an_earlier_one_adds_only_the_new_rows(
    clinic, client, policy, now
):
    run(clinic, now, csv_text(*ROWS[:2]))
    result = run(clinic, now, csv_text(*ROWS))
    assert (result.created, result.already_recorded) == (1, 2)


def test_one_bad_row_imports_nothing_and_every_bad_row_is_named(
    clinic, client, policy, now
):
    text = csv_text(
        ROWS[0],
        "RS-999,2026-03-09T10:00:00+00:00,text,from_client,scheduling,,",
        "RS-001,2026-03-09 10:00,sms,sideways,gossip,,",
        ROWS[1],
        "RS-001,2026-03-09T10:00:00+00:00,text,from_client,scheduling,,"
        "2026-03-09T09:00:00+00:00",
        "RS-001,2027-03-09T10:00:00+00:00,text,from_client,scheduling,,",
        "RS-001,2026-03-09T10:00:00+00:00,text,from_therapist,scheduling,,"
        "2026-03-09T11:00:00+00:00",
        "RS-001,too,few",
    )
    with pytest.raises(ImportRejected) as rejected:
        run(clinic, now, text)
    errors = rejected.value.errors
    assert "line 3: unknown client code" in errors
    assert "line 4: occurred_at has no UTC offset" in errors
    assert any(
        e.startswith("line 4: unknown channel (use one of: text,") for e in errors
    )
    assert any(e.startswith("line 4: unknown direction") for e in errors)
    assert any(e.startswith("line 4: unknown purpose") for e in errors)
    assert "line 6: responded_at is before occurred_at" in errors
    assert "line 7: occurred_at is more than a day in the future" in errors
    assert "line 8: responded_at is only for contacts from the client" in errors
    assert "line 9: expected 7 columns, found 3" in errors
    assert not any(e.startswith(("line 2:", "line 5:")) for e in errors)
    assert Contact.objects.count() == 0


def test_reasons_never_repeat_the_cells(clinic, client, policy, now):
    secret = "Told me about the affair"
    with pytest.raises(ImportRejected) as rejected:
        run(clinic, now, csv_text(f"{secret},{secret},{secret},{secret},{secret},,"))
    assert not any(secret in error for error in rejected.value.errors)


def test_a_wrong_header_is_refused(clinic, client, now):
    with pytest.raises(ImportRejected) as rejected:
        run(clinic, now, "code,when\n" + ROWS[0])
    assert rejected.value.errors[0].startswith(
        "line 1: the header must be client_code,"
    )


def test_line_numbers_count_lines_inside_quoted_fields(clinic, client, policy, now):
    text = csv_text(
        'RS-001,2026-03-09T10:00:00+00:00,text,from_client,sharing,"two\nlines",',
        "RS-001,not-a-time,text,from_client,sharing,,",
    )
    with pytest.raises(ImportRejected) as rejected:
        run(clinic, now, text)
    assert rejected.value.errors == ["line 4: occurred_at is not an ISO 8601 time"]


def test_a_file_that_is_not_utf8_is_refused_with_its_line():
    with pytest.raises(ImportRejected) as rejected:
        decode(HEAD.encode() + b"\nRS-001,\xff\xfe,text\n")
    assert rejected.value.errors == ["line 2: not valid UTF-8"]
    # A refusal like any other: its message counts rows and names no cell.
    assert isinstance(rejected.value, Refused)
    assert rejected.value.message == "1 bad rows; nothing imported"


def test_the_import_pushes_contacts_over_the_weekly_limit(clinic, client, policy, now):
    rows = [
        f"RS-001,2026-03-0{day}T10:00:00+00:00,text,from_client,reassurance,,"
        for day in (2, 3, 4, 5)
    ]
    run(clinic, now, csv_text(*rows))
    flags = list(
        Contact.objects.order_by("occurred_at").values_list(
            "over_weekly_limit", flat=True
        )
    )
    assert flags == [False, False, False, True]


def test_imported_contacts_push_stored_ones_over_the_limit(
    clinic, client, therapist, policy, now
):
    run(
        clinic,
        now,
        csv_text(
            *[
                f"RS-001,2026-03-0{day}T10:00:00+00:00,text,from_client,reassurance,,"
                for day in (3, 4, 5)
            ]
        ),
    )
    run(
        clinic,
        now,
        csv_text("RS-001,2026-03-02T10:00:00+00:00,text,from_client,other,,"),
    )
    latest = Contact.objects.order_by("-occurred_at").first()
    assert latest.over_weekly_limit


def test_codes_of_another_clinic_are_unknown(clinic, client, other_clinic, policy, now):
    ClientFactory(clinic=other_clinic, code="HT-001", started_on=dt.date(2025, 1, 1))
    with pytest.raises(ImportRejected):
        run(
            clinic,
            now,
            csv_text("HT-001,2026-03-09T10:00:00+00:00,text,from_client,scheduling,,"),
        )


def test_the_command_reports_every_problem_and_imports_nothing(
    clinic, client, policy, tmp_path, capsys
):
    path = tmp_path / "contacts.csv"
    path.write_text(csv_text(ROWS[0], "RS-001,yesterday,text,from_client,other,,"))
    with pytest.raises(CommandError, match="1 problems found; nothing was imported"):
        call_command("import_contacts", str(path), "--clinic", "riverside")
    assert "line 3: occurred_at is not an ISO 8601 time" in capsys.readouterr().err
    assert Contact.objects.count() == 0


def test_the_command_imports_and_says_how_many(
    clinic, client, policy, tmp_path, capsys
):
    path = tmp_path / "contacts.csv"
    path.write_text(csv_text(*ROWS))
    call_command("import_contacts", str(path), "--no-progress")
    call_command("import_contacts", str(path), "--no-progress")
    out = capsys.readouterr().out
    assert "Imported 3 contacts for 1 clients; 0 rows were already recorded" in out
    assert "Imported 0 contacts for 0 clients; 3 rows were already recorded" in out


cells = st.one_of(
    st.sampled_from(
        [
            "RS-001",
            "2026-03-09T10:00:00+00:00",
            "2026-03-09T10:30:00+00:00",
            "text",
            "from_client",
            "from_therapist",
            "scheduling",
            "",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
        ]
    ),
    st.text(alphabet=string.printable + "\x00\u00e9\u2028\"'", max_size=12),
)
rows = st.lists(cells, min_size=0, max_size=9).map(
    lambda row: ",".join(f'"{cell}"' if "," in cell else cell for cell in row)
)
files = st.lists(rows, max_size=6).map(lambda lines: HEAD + "\n" + "\n".join(lines))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.one_of(files, st.text(max_size=200)))
def test_arbitrary_csv_never_crashes_and_never_imports_partially(
    clinic, client, policy, now, text
):
    before = Contact.objects.count()
    try:
        result = run(clinic, now, text)
    except ImportRejected as rejected:
        assert rejected.errors
        assert Contact.objects.count() == before
    else:
        assert Contact.objects.count() == before + result.created


def test_imported_contacts_have_their_history_too(clinic, client, policy, now):
    from django.apps import apps

    run(clinic, now, csv_text(*ROWS))
    events = apps.get_model("attachment", "ContactEvent").objects.filter(
        pgh_label="insert", client_id=client.pk
    )
    assert events.count() == 3
