"""The demo's DM-002, downloaded from the client page by its therapist,
moved to another clinic and exported again: the same records.

The boundary facts are left out of the comparison: they are derived again
under the receiving clinic's frame (the demo's agreements and absences stay
with the demo clinic), as they are for any import.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from attachment.fhir import profile
from attachment.fhir.export import bundle_chunks
from attachment.fhir.importer import fhir_import
from clinic.models import Client
from notes import selectors as note_selectors
from notes.models import SessionNote
from tests.attachment.fhir.conftest import parsed
from tests.attachment.fhir.test_import import comparable
from tests.matrix import response_body

DERIVED = {
    *profile.BOUNDARY_FACT_EXTENSIONS.values(),
    profile.RESPONSE_MINUTES_EXT,
}
NOW = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)


def without_derived_facts(bundle: dict) -> dict:
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Communication":
            resource["extension"] = [
                ext for ext in resource["extension"] if ext["url"] not in DERIVED
            ]
    return bundle


@pytest.fixture
def demo_client(db, settings):
    settings.DEBUG = True  # the demo seeds only in development
    call_command("seed_demo", verbosity=0)
    return Client.objects.select_related("clinic", "therapist").get(
        clinic__slug="demo", code="DM-002"
    )


def test_dm_002_moves_to_another_clinic_with_its_records(demo_client, new_home, login):
    response = login(demo_client.therapist).get(
        reverse("attachment:client_fhir_bundle", args=[demo_client.pk])
    )
    assert response.status_code == 200
    data = response_body(response).encode()
    bundle = parsed(data)
    assert len(bundle.entry or []) > 50
    outcome = fhir_import(text=data, therapist=new_home.therapist, now=NOW)
    for note in SessionNote.objects.filter(client=outcome.client):
        assert note_selectors.note_hash_matches(note)
    again = b"".join(bundle_chunks(outcome.client, now=NOW))
    parsed(again)
    assert comparable(without_derived_facts(json.loads(again))) == comparable(
        without_derived_facts(json.loads(data))
    )
