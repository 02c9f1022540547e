"""The bundle: valid R4B, one resource per record, nothing private."""

from __future__ import annotations

import base64
import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from attachment.fhir import profile
from attachment.fhir.export import bundle_chunks
from tests.attachment.fhir.conftest import (
    SECRET_TEXTS,
    parsed,
    resources_of,
    small_client,
)

NOW = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)


def export(client) -> bytes:
    return b"".join(bundle_chunks(client, now=NOW))


def test_the_bundle_is_a_valid_collection(record):
    bundle = parsed(export(record))
    assert bundle.type == "collection"
    kinds = [entry.resource.get_resource_type() for entry in bundle.entry]
    assert kinds.count("Patient") == 1
    assert kinds.count("Communication") == 12
    assert kinds.count("DocumentReference") == 3  # two signed notes, one addendum
    assert (
        kinds.count("Provenance") == 4
    )  # two signatures, a co-signature, the addendum
    assert kinds.count("Observation") == 7  # measures, observations, ruptures, repair
    assert kinds.count("CarePlan") == 2
    assert kinds.count("DetectedIssue") == 2
    assert len({entry.fullUrl for entry in bundle.entry}) == len(bundle.entry)


def test_the_patient_carries_the_code_and_no_name(record):
    data = export(record)
    (patient,) = resources_of(data, "Patient")
    assert patient["identifier"] == [
        {"system": profile.CLIENT_CODE_SYSTEM, "value": "RS-001"}
    ]
    assert "name" not in patient
    assert b"Robin" not in data


def test_process_notes_reflections_and_supervision_notes_never_leave(record):
    data = export(record)
    for text in SECRET_TEXTS:
        assert text.encode() not in data


def test_a_contact_carries_medium_direction_purpose_and_facts(record):
    communications = resources_of(export(record), "Communication")
    first, reply = communications[0], communications[1]
    assert first["medium"][0]["coding"][0] == {
        "system": profile.CHANNEL_SYSTEM,
        "code": "text",
        "display": "Text message",
    }
    assert first["sender"]["reference"].startswith("urn:uuid:")
    assert first["recipient"][0]["type"] == "Practitioner"
    assert first["reasonCode"][0]["coding"][0]["code"] == "scheduling"
    facts = {ext["url"]: ext for ext in first["extension"]}
    assert (
        facts[profile.BOUNDARY_FACT_EXTENSIONS["after_hours"]]["valueBoolean"] is False
    )
    assert facts[profile.RESPONSE_MINUTES_EXT]["valueInteger"] == 30
    assert reply["sender"]["type"] == "Practitioner"
    assert reply["inResponseTo"][0]["reference"].startswith("urn:uuid:")


def test_summaries_leave_only_when_the_clinic_keeps_them(record):
    assert b"Synthetic summary" not in export(record)
    record.clinic.keep_message_preview = True
    record.clinic.save()
    communications = resources_of(export(record), "Communication")
    assert communications[0]["payload"] == [{"contentString": "Synthetic summary 0"}]


def test_notes_are_progress_notes_with_sections_signatures_and_addenda(record):
    data = export(record)
    documents = resources_of(data, "DocumentReference")
    note, addendum = documents[0], documents[2]
    assert note["type"]["coding"][0]["code"] == "11506-3"
    sections = {
        content["format"]["code"]: base64.b64decode(
            content["attachment"]["data"]
        ).decode()
        for content in note["content"]
    }
    assert sections["subjective"] == "Reported a calmer week."
    assert addendum["relatesTo"][0]["code"] == "appends"
    provenances = resources_of(data, "Provenance")
    signers = [p["agent"][0]["who"]["display"] for p in provenances]
    assert signers.count("Sue Supervisor") == 1
    roles = [p["agent"][0]["type"]["coding"][0]["code"] for p in provenances]
    assert roles.count("verifier") == 1


def test_drafts_stay_behind(record):
    documents = resources_of(export(record), "DocumentReference")
    assert all(document["date"] for document in documents)
    assert len(documents) == 3


def test_measures_plans_and_flags(record):
    data = export(record)
    measure = resources_of(data, "Observation")[0]
    assert [c["valueQuantity"]["value"] for c in measure["component"]] == [
        4.25,
        2.5,
        3.0,
    ]
    plans = resources_of(data, "CarePlan")
    assert [plan["status"] for plan in plans] == ["revoked", "active"]
    assert plans[1]["replaces"][0]["reference"] == f"urn:uuid:{plans[0]['id']}"
    issue = resources_of(data, "DetectedIssue")[0]
    assert issue["severity"] == "moderate"
    assert issue["detail"].startswith("4 client contacts")
    assert [m["action"]["coding"][0]["code"] for m in issue["mitigation"]] == [
        "acknowledged",
        "resolved",
    ]
    evidence = {
        e["code"][0]["coding"][0]["code"]: e["code"][0]["text"]
        for e in issue["evidence"]
    }
    assert evidence["contacts_outside_policy"] == "4"


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        parsed(export(client))
    return len(queries)


def test_the_export_runs_a_fixed_number_of_queries(clinic, therapist, policy, password):
    small = small_client(clinic, therapist, code="Q-1", scale=1, password=password)
    large = small_client(clinic, therapist, code="Q-3", scale=3, password=password)
    assert _queries(small) == _queries(large) == 9  # one per kind of record
