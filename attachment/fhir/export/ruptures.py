"""Ruptures and repair attempts as FHIR Observations (Between's own kinds,
:data:`attachment.fhir.profile.RUPTURE_COMPONENTS`); a repair attempt names
its rupture in ``derivedFrom``."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.observation import Observation

from attachment.fhir import profile
from attachment.fhir.export.common import BundleIds, coded
from attachment.models import RepairAttempt, Rupture

RUPTURE = "attachment.rupture"


def _component(kind: str, system: str, code: str) -> dict[str, Any]:
    return {
        "code": coded(profile.OBSERVATION_SYSTEM, kind),
        "valueCodeableConcept": coded(system, code),
    }


def _base(
    resource_id: str, kind: str, ids: BundleIds, at: Any, text: str
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": resource_id,
        "status": "final",
        "code": coded(profile.OBSERVATION_SYSTEM, kind),
        "subject": ids.patient,
        "effectiveDateTime": at,
    }
    if text:
        fields["note"] = [{"text": text}]
    return fields


def rupture_resource(rupture: Rupture, *, ids: BundleIds) -> Observation:
    systems = profile.RUPTURE_COMPONENTS
    components = [_component("setting", systems["setting"], rupture.setting)]
    if rupture.channel:
        components.append(_component("channel", systems["channel"], rupture.channel))
    components += [
        _component("marker", systems["marker"], marker) for marker in rupture.markers
    ]
    components.append(_component("status", systems["status"], rupture.status))
    components += [
        {
            "code": coded(profile.OBSERVATION_SYSTEM, name),
            "valueInteger": getattr(rupture, name),
        }
        for name in profile.RUPTURE_NUMBERS
    ]
    fields = _base(
        ids.of(RUPTURE, rupture.pk),
        profile.RUPTURE,
        ids,
        rupture.noticed_at,
        rupture.description,
    )
    fields["valueCodeableConcept"] = coded(profile.RUPTURE_KIND_SYSTEM, rupture.kind)
    fields["component"] = components
    return Observation.model_validate(fields)


def repair_resource(repair: RepairAttempt, *, ids: BundleIds) -> Observation:
    fields = _base(
        ids.of("attachment.repairattempt", repair.pk),
        profile.REPAIR_ATTEMPT,
        ids,
        repair.attempted_at,
        repair.client_response,
    )
    fields["derivedFrom"] = [ids.reference(RUPTURE, repair.rupture_id)]
    fields["component"] = [
        _component(name, system, getattr(repair, name))
        for name, system in profile.REPAIR_COMPONENTS.items()
    ]
    return Observation.model_validate(fields)
