"""Importing a bundle: the round trip between two clinics, all or nothing,
``item N: reason`` problems, and a second import that changes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from attachment.fhir.export import bundle_chunks
from attachment.fhir.importer import BundleRejected, fhir_import
from attachment.models import Contact, Flag, ImportedRecord, RescanRequest
from clinic.access_report.kinds import FHIR_IMPORT
from clinic.models import AuditEvent, Client
from notes import selectors as note_selectors
from notes.models import Addendum, ProcessNote, Reflection, SessionNote
from tests.attachment.fhir.conftest import SECRET_TEXTS, parsed

NOW = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
STRIPPED = {"id", "fullUrl", "reference", "meta", "timestamp"}


def export(client) -> bytes:
    data = b"".join(bundle_chunks(client, now=NOW))
    parsed(data)
    return data


def comparable(value, *, parent: str = ""):
    """The bundle without ids and references, and without the treating
    therapist's name on contacts (the client has a new one)."""
    if isinstance(value, dict):
        if parent in ("sender", "recipient") and value.get("type") == "Practitioner":
            return {"type": "Practitioner"}
        return {
            key: comparable(item, parent=key)
            for key, item in value.items()
            if key not in STRIPPED
        }
    if isinstance(value, list):
        return [comparable(item, parent=parent) for item in value]
    return value


@pytest.fixture
def moved(record, new_home):
    data = export(record)
    outcome = fhir_import(text=data, therapist=new_home.therapist, now=NOW)
    return data, outcome


def test_the_round_trip_keeps_every_record(moved):
    data, outcome = moved
    again = export(outcome.client)
    assert comparable(json.loads(again)) == comparable(json.loads(data))


def test_the_moved_client_belongs_to_the_new_therapist(moved, new_home):
    _, outcome = moved
    client = outcome.client
    assert (client.clinic, client.therapist, client.code) == (
        new_home.clinic,
        new_home.therapist,
        "RS-001",
    )
    assert client.preferred_name == ""
    assert Contact.objects.filter(client=client).count() == 12
    assert Contact.objects.filter(client=client, in_reply_to__isnull=False).count() == 6
    assert outcome.created["attachment.contact"] == 12


def test_imported_notes_pass_the_signature_checks(moved, new_home):
    _, outcome = moved
    notes = list(SessionNote.objects.filter(client=outcome.client))
    assert len(notes) == 2
    for note in notes:
        addenda = list(Addendum.objects.filter(note=note))
        assert note.signed_by == new_home.therapist
        assert note_selectors.note_hash_matches(note)
        assert note_selectors.note_integrity(note, addenda).ok


def test_the_source_signers_are_kept_as_origin(moved):
    data, outcome = moved
    origins = [
        row.origin
        for row in ImportedRecord.objects.filter(
            client=outcome.client, record_model="notes.sessionnote"
        ).order_by("pk")
    ]
    assert origins[0]["signed_by"] == "Tess Therapist"
    assert origins[0]["cosigned_by"] == "Sue Supervisor"
    assert "cosigned_by" not in origins[1]


def test_nothing_private_arrives(moved):
    _, outcome = moved
    assert not ProcessNote.objects.filter(client=outcome.client).exists()
    assert not Reflection.objects.filter(client=outcome.client).exists()
    for text in SECRET_TEXTS:
        assert text.encode() not in export(outcome.client)


def test_the_import_is_audited_once(moved):
    _, outcome = moved
    events = AuditEvent.objects.filter(client_id=outcome.client.pk)
    assert [(e.object_type, e.action, e.actor_id) for e in events] == [
        (FHIR_IMPORT, "create", None)
    ]


def test_a_second_import_changes_nothing_and_says_so(moved, new_home):
    data, outcome = moved
    rows = ImportedRecord.objects.count()
    events = AuditEvent.objects.count()
    again = fhir_import(text=data, therapist=new_home.therapist, now=NOW)
    assert again.changed_nothing
    assert again.already_imported == rows
    assert again.client == outcome.client
    assert ImportedRecord.objects.count() == rows
    assert AuditEvent.objects.count() == events


def test_the_import_asks_for_a_rescan(
    record, new_home, django_capture_on_commit_callbacks
):
    data = export(record)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = fhir_import(text=data, therapist=new_home.therapist, now=NOW)
    assert RescanRequest.objects.filter(client_id=outcome.client.pk).exists()


def _mutated(data: bytes, change) -> bytes:
    bundle = json.loads(data)
    change(bundle["entry"])
    return json.dumps(bundle).encode()


def _nothing_written(new_home) -> None:
    assert not Client.objects.filter(clinic=new_home.clinic).exists()
    assert not ImportedRecord.objects.exists()
    assert not Flag.objects.filter(client__clinic=new_home.clinic).exists()


def test_a_bad_entry_is_named_by_its_index_and_nothing_is_written(record, new_home):
    def spoil(entries):
        entries[3]["resource"]["sent"] = "Synthetic secret words"

    with pytest.raises(BundleRejected) as rejected:
        fhir_import(
            text=_mutated(export(record), spoil), therapist=new_home.therapist, now=NOW
        )
    assert rejected.value.errors == ["item 3: sent is not valid"]
    assert "secret" not in " ".join(rejected.value.errors)
    _nothing_written(new_home)


def test_every_problem_is_listed_and_the_good_entries_are_not_written(record, new_home):
    data = export(record)
    entries = json.loads(data)["entry"]
    issue = next(
        n
        for n, e in enumerate(entries)
        if e["resource"]["resourceType"] == "DetectedIssue"
    )
    plan = next(
        n for n, e in enumerate(entries) if e["resource"]["resourceType"] == "CarePlan"
    )

    def spoil(entries):
        entries[issue]["resource"]["severity"] = "low"
        entries[plan]["resource"]["activity"][0]["detail"]["code"]["coding"][0][
            "code"
        ] = "Synthetic words"

    with pytest.raises(BundleRejected) as rejected:
        fhir_import(text=_mutated(data, spoil), therapist=new_home.therapist, now=NOW)
    assert sorted(rejected.value.errors) == sorted(
        [
            f"item {issue}: the severity is not one Between uses",
            f"item {plan}: a strategy is not a known code",
        ]
    )
    _nothing_written(new_home)


def test_a_code_already_in_the_clinic_is_refused(record, new_home):
    Client.objects.create(
        clinic=new_home.clinic,
        therapist=new_home.therapist,
        code="RS-001",
        started_on=dt.date(2025, 1, 1),
    )
    with pytest.raises(BundleRejected) as rejected:
        fhir_import(text=export(record), therapist=new_home.therapist, now=NOW)
    assert rejected.value.errors == [
        "item 0: the clinic already has a client with this code"
    ]
    assert not ImportedRecord.objects.exists()


def test_text_that_is_no_json_is_refused(new_home):
    with pytest.raises(BundleRejected) as rejected:
        fhir_import(text=b"{not json", therapist=new_home.therapist, now=NOW)
    assert rejected.value.errors == ["bundle: not valid JSON"]


def test_someone_who_is_no_therapist_cannot_receive(record, admin):
    with pytest.raises(BundleRejected, match="problems"):
        fhir_import(text=export(record), therapist=admin, now=NOW)


def test_an_unknown_field_is_named_without_repeating_its_name(record, new_home):
    def spoil(entries):
        entries[3]["resource"]["Synthetic secret words"] = 1

    with pytest.raises(BundleRejected) as rejected:
        fhir_import(
            text=_mutated(export(record), spoil), therapist=new_home.therapist, now=NOW
        )
    assert rejected.value.errors == ["item 3: ? is not valid"]
    _nothing_written(new_home)


def _index(entries, resource_type: str) -> int:
    return next(
        n
        for n, entry in enumerate(entries)
        if entry["resource"]["resourceType"] == resource_type
    )


def test_a_record_twice_in_one_bundle_is_refused(record, new_home):
    def doubled(entries):
        issue = json.loads(json.dumps(entries[_index(entries, "DetectedIssue")]))
        issue["fullUrl"] = "urn:uuid:00000000-0000-4000-8000-000000000001"
        entries.append(issue)

    data = _mutated(export(record), doubled)
    last = len(json.loads(data)["entry"]) - 1
    with pytest.raises(BundleRejected) as rejected:
        fhir_import(text=data, therapist=new_home.therapist, now=NOW)
    assert rejected.value.errors == [f"item {last}: the same flag is recorded twice"]
    _nothing_written(new_home)


def test_two_entries_of_one_identity_are_refused(record, new_home):
    def same_url(entries):
        entries[2]["fullUrl"] = entries[1]["fullUrl"]

    with pytest.raises(BundleRejected) as rejected:
        fhir_import(
            text=_mutated(export(record), same_url),
            therapist=new_home.therapist,
            now=NOW,
        )
    assert rejected.value.errors == ["item 2: another entry has the same identity"]


def test_an_addendum_without_its_note_is_refused(record, new_home):
    def orphaned(entries):
        del entries[_index(entries, "DocumentReference")]

    data = _mutated(export(record), orphaned)
    entries = json.loads(data)["entry"]
    addendum = next(n for n, e in enumerate(entries) if e["resource"].get("relatesTo"))
    with pytest.raises(BundleRejected) as rejected:
        fhir_import(text=data, therapist=new_home.therapist, now=NOW)
    assert rejected.value.errors == [f"item {addendum}: the note it amends is missing"]
    _nothing_written(new_home)
