"""Attachment measures (subscale scores) and dependency observations as FHIR
Observations, coded in Between's local code systems (no LOINC codes exist
for these instruments)."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.observation import Observation

from attachment.fhir import profile
from attachment.fhir.export.common import BundleIds, coded
from attachment.models import (
    AttachmentMeasure,
    DependencyMarker,
    DependencyObservation,
    DependencyTrigger,
)


def measure_resource(measure: AttachmentMeasure, *, ids: BundleIds) -> Observation:
    return Observation.model_validate(
        dict(
            id=ids.of("attachment.attachmentmeasure", measure.pk),
            status="final",
            code=coded(profile.INSTRUMENT_SYSTEM, profile.ATTACHMENT_MEASURE),
            subject=ids.patient,
            effectiveDateTime=measure.measured_on.isoformat(),
            component=[
                {
                    "code": coded(profile.SUBSCALE_SYSTEM, name),
                    "valueQuantity": {"value": getattr(measure, name), "unit": "score"},
                }
                for name in profile.SUBSCALES
            ],
        )
    )


def _coded_component(kind: str, system: str, code: str, label: str) -> dict[str, Any]:
    return {
        "code": coded(profile.OBSERVATION_SYSTEM, kind),
        "valueCodeableConcept": coded(system, code, label),
    }


def observation_resource(
    observation: DependencyObservation, *, ids: BundleIds
) -> Observation:
    markers = dict(DependencyMarker.choices)
    triggers = dict(DependencyTrigger.choices)
    components = [
        _coded_component(
            profile.MARKER_COMPONENT, profile.MARKER_SYSTEM, code, markers[code]
        )
        for code in observation.markers
    ] + [
        _coded_component(
            profile.TRIGGER_COMPONENT, profile.TRIGGER_SYSTEM, code, triggers[code]
        )
        for code in observation.triggers
    ]
    fields: dict[str, Any] = {
        "id": ids.of("attachment.dependencyobservation", observation.pk),
        "status": "final",
        "code": coded(profile.OBSERVATION_SYSTEM, profile.DEPENDENCY_OBSERVATION),
        "subject": ids.patient,
        "effectiveDateTime": observation.observed_at,
        "valueInteger": observation.intensity,
        "component": components,
    }
    if observation.note:
        fields["note"] = [{"text": observation.note}]
    return Observation.model_validate(fields)
