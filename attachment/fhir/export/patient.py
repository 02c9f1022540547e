"""The client as a FHIR Patient: the code as identifier, nothing else that
could name them."""

from __future__ import annotations

from fhir.resources.R4B.patient import Patient

from attachment.fhir import profile
from attachment.fhir.export.common import BundleIds, extension
from clinic.models import Client, ClientStatus


def patient_resource(client: Client, *, ids: BundleIds) -> Patient:
    episode = {"start": client.started_on.isoformat()}
    if client.ended_on:
        episode["end"] = client.ended_on.isoformat()
    return Patient.model_validate(
        dict(
            id=ids.patient_id,
            identifier=[{"system": profile.CLIENT_CODE_SYSTEM, "value": client.code}],
            active=client.status != ClientStatus.ENDED,
            extension=[
                extension(profile.CLIENT_STATUS_EXT, valueCode=client.status),
                extension(profile.CLIENT_EPISODE_EXT, valuePeriod=episode),
            ],
        )
    )
