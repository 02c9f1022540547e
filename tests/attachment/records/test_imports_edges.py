"""The contact import at its edges: the row hash that makes a second import of
the same file add nothing, the progress bar, and the counts it reports."""

from __future__ import annotations

import hashlib

import pytest
from django.test import override_settings

from attachment.models import Contact
from attachment.records.imports import HEADER, ImportRejected, contacts_import

pytestmark = pytest.mark.django_db

HEAD = ",".join(HEADER)
ANSWERED = (
    "RS-001,2026-03-09T11:00:00+01:00,text,from_client,scheduling,"
    "Can we move Thursday?,2026-03-09T10:20:00+00:00"
)
UNANSWERED = "RS-001,2026-03-09T10:25:00+00:00,email,from_therapist,other,,"


def csv_text(*rows: str) -> str:
    return "\n".join([HEAD, *rows]) + "\n"


def sha256(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def test_the_row_hash_is_the_utc_content_joined_by_unit_separators(
    clinic, client, policy, now
):
    """Stored hashes are compared with every later import, so the recipe
    must never drift: times in UTC, blank for no reply, in column order."""
    contacts_import(clinic=clinic, text=csv_text(ANSWERED, UNANSWERED), now=now)
    hashes = dict(Contact.objects.values_list("channel", "row_hash"))
    assert hashes == {
        "text": sha256(
            "2026-03-09T10:00:00+00:00",
            "text",
            "from_client",
            "scheduling",
            "Can we move Thursday?",
            "2026-03-09T10:20:00+00:00",
        ),
        "email": sha256(
            "2026-03-09T10:25:00+00:00", "email", "from_therapist", "other", "", ""
        ),
    }


@override_settings(TIME_ZONE="Europe/Berlin")
def test_the_row_hash_does_not_depend_on_the_servers_time_zone(
    clinic, client, policy, now
):
    contacts_import(clinic=clinic, text=csv_text(ANSWERED), now=now)
    assert Contact.objects.get().row_hash == sha256(
        "2026-03-09T10:00:00+00:00",
        "text",
        "from_client",
        "scheduling",
        "Can we move Thursday?",
        "2026-03-09T10:20:00+00:00",
    )


def test_rows_that_differ_only_in_the_reply_time_are_two_contacts(
    clinic, client, policy, now
):
    base = "RS-001,2026-03-09T10:00:00+00:00,text,from_client,scheduling,Hello,"
    result = contacts_import(
        clinic=clinic,
        text=csv_text(base, base + "2026-03-09T10:20:00+00:00"),
        now=now,
    )
    assert (result.created, result.already_recorded) == (2, 0)
    assert Contact.objects.count() == 2


def test_a_repeated_row_in_one_file_is_counted_once_as_already_recorded(
    clinic, client, policy, now
):
    result = contacts_import(
        clinic=clinic, text=csv_text(ANSWERED, ANSWERED, UNANSWERED), now=now
    )
    assert (result.created, result.already_recorded) == (2, 1)
    assert Contact.objects.count() == 2


def test_the_progress_bar_shows_only_when_asked_for(
    clinic, client, policy, now, capsys
):
    contacts_import(clinic=clinic, text=csv_text(ANSWERED), now=now)
    assert "contacts" not in capsys.readouterr().err
    contacts_import(clinic=clinic, text=csv_text(UNANSWERED), now=now, progress=True)
    assert "contacts: 100%" in capsys.readouterr().err


def test_a_rejected_file_says_how_many_rows_are_bad_and_that_nothing_was_imported(
    clinic, client, policy, now
):
    with pytest.raises(ImportRejected) as rejected:
        contacts_import(
            clinic=clinic,
            text=csv_text(ANSWERED, "RS-001,never,text,from_client,other,,", "x"),
            now=now,
        )
    assert str(rejected.value) == "2 bad rows; nothing imported"
    assert len(rejected.value.errors) == 2
    assert not Contact.objects.exists()
