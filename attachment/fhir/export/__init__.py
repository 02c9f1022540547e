"""One client's record as a FHIR R4 Bundle (type ``collection``), streamed.

:func:`bundle_chunks` yields the bundle's JSON in pieces: the header, one
entry at a time, the footer.  Each resource is built as a fhir.resources
R4B model, which validates it, and is serialised on its own, so a client with
tens of thousands of contacts is never held in memory whole.  The reads are
:mod:`.records`' (a fixed number of queries).

Process notes, reflections and supervision notes are never read here.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from fhir.resources.R4B.resource import Resource

from attachment.fhir import profile
from attachment.fhir.export import records
from attachment.fhir.export.common import BundleIds
from attachment.fhir.export.contacts import communication_resource
from attachment.fhir.export.flags import detected_issue_resource
from attachment.fhir.export.notes import (
    addendum_resource,
    addendum_signature,
    note_resource,
    note_signatures,
)
from attachment.fhir.export.observations import measure_resource, observation_resource
from attachment.fhir.export.patient import patient_resource
from attachment.fhir.export.plans import care_plan_resource
from attachment.fhir.export.ruptures import repair_resource, rupture_resource
from clinic.models import Client


def resources(client: Client) -> Iterator[Resource]:
    """Every resource of the client's bundle, in a stable order."""
    ids = BundleIds(clinic_slug=client.clinic.slug, client_id=client.pk)
    yield patient_resource(client, ids=ids)
    therapist_name = client.therapist.full_name
    keep_summary = client.clinic.keep_message_preview
    for contact in records.contacts_of(client):
        yield communication_resource(
            contact, ids=ids, therapist_name=therapist_name, keep_summary=keep_summary
        )
    for note in records.signed_notes_of(client):
        yield note_resource(note, ids=ids)
        yield from note_signatures(note, ids=ids)
    for addendum in records.addenda_of(client):
        yield addendum_resource(addendum, ids=ids)
        yield addendum_signature(addendum, ids=ids)
    for measure in records.measures_of(client):
        yield measure_resource(measure, ids=ids)
    for observation in records.observations_of(client):
        yield observation_resource(observation, ids=ids)
    for rupture in records.ruptures_of(client):
        yield rupture_resource(rupture, ids=ids)
    for repair in records.repairs_of(client):
        yield repair_resource(repair, ids=ids)
    plans = list(records.coping_plans_of(client))
    for index, plan in enumerate(plans):
        yield care_plan_resource(
            plan,
            ids=ids,
            current=index == len(plans) - 1,
            replaces_pk=plans[index - 1].pk if index else None,
        )
    for flag in records.flags_of(client):
        yield detected_issue_resource(flag, ids=ids)


def _entry(resource: Resource) -> bytes:
    resource_json = resource.model_dump_json(exclude_none=True)
    full_url = json.dumps(profile.full_url(str(resource.id)))
    return f'{{"fullUrl":{full_url},"resource":{resource_json}}}'.encode()


def bundle_chunks(client: Client, *, now: dt.datetime) -> Iterator[bytes]:
    """The bundle's JSON, piece by piece."""
    header = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": now.astimezone(dt.UTC).isoformat(),
    }
    yield json.dumps(header)[:-1].encode() + b', "entry": ['
    with _one_snapshot():
        for index, resource in enumerate(resources(client)):
            yield (b"," if index else b"") + _entry(resource)
    yield b"]}"


@contextmanager
def _one_snapshot() -> Iterator[None]:
    """Every read of the bundle sees the same moment, so that an addendum
    written while a long bundle streams cannot name a note the bundle lacks.
    A view's response streams after its request's transaction has ended;
    inside a transaction already open, that one's reads are kept."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield
