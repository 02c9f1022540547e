"""Observations back to attachment measures, dependency observations,
ruptures and repair attempts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from attachment.fhir import profile
from attachment.fhir.convert.common import (
    ItemProblem,
    code,
    day,
    known,
    moment,
    reference_of,
)
from attachment.models import (
    MEASURE_MAX,
    MEASURE_MIN,
    DependencyMarker,
    DependencyTrigger,
)
from attachment.models.ruptures import (
    MARKERS_OF_KIND,
    RepairOutcome,
    RepairStrategy,
    RuptureKind,
    RuptureSetting,
    RuptureStatus,
)
from clinic.models import Channel


def observation_kind(observation: Any) -> str | None:
    if code(observation.code, profile.INSTRUMENT_SYSTEM) == profile.ATTACHMENT_MEASURE:
        return "measure"
    kind = code(observation.code, profile.OBSERVATION_SYSTEM)
    return {
        profile.DEPENDENCY_OBSERVATION: "observation",
        profile.RUPTURE: "rupture",
        profile.REPAIR_ATTEMPT: "repair",
    }.get(kind or "")


def measure_fields(observation: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "measured_on": day(observation.effectiveDateTime, "the date measured")
    }
    for component in observation.component or []:
        name = code(component.code, profile.SUBSCALE_SYSTEM)
        quantity = component.valueQuantity
        if name in profile.SUBSCALES and quantity is not None:
            if quantity.value is None:
                raise ItemProblem("a subscale score is missing")
            score = Decimal(str(quantity.value))
            if not MEASURE_MIN <= score <= MEASURE_MAX:
                raise ItemProblem("a subscale score is out of range")
            fields[name] = score.quantize(Decimal("0.01"))
    if any(name not in fields for name in profile.SUBSCALES):
        raise ItemProblem("a subscale score is missing")
    return fields


def observation_fields(observation: Any) -> dict[str, Any]:
    markers: list[str] = []
    triggers: list[str] = []
    for component in observation.component or []:
        kind = code(component.code, profile.OBSERVATION_SYSTEM)
        if kind == profile.MARKER_COMPONENT:
            markers.append(
                known(
                    code(component.valueCodeableConcept, profile.MARKER_SYSTEM),
                    DependencyMarker,
                    "a marker",
                )
            )
        elif kind == profile.TRIGGER_COMPONENT:
            triggers.append(
                known(
                    code(component.valueCodeableConcept, profile.TRIGGER_SYSTEM),
                    DependencyTrigger,
                    "a trigger",
                )
            )
    intensity = observation.valueInteger
    if not markers:
        raise ItemProblem("an observation needs a marker")
    if intensity is None or not 0 <= intensity <= 4:
        raise ItemProblem("the intensity must be 0 to 4")
    return {
        "observed_at": moment(observation.effectiveDateTime, "the time observed"),
        "markers": markers,
        "triggers": triggers,
        "intensity": intensity,
        "note": "\n\n".join(note.text for note in observation.note or [] if note.text),
    }


def _components(observation: Any, systems: dict[str, str]) -> dict[str, list[str]]:
    """The coded components of ``observation`` by component kind."""
    found: dict[str, list[str]] = {}
    for component in observation.component or []:
        kind = code(component.code, profile.OBSERVATION_SYSTEM)
        if kind in systems:
            value = code(component.valueCodeableConcept, systems[kind])
            if value is None:
                raise ItemProblem(f"the {kind} is not coded")
            found.setdefault(kind, []).append(value)
    return found


def _numbers(observation: Any) -> dict[str, int]:
    numbers = {}
    for component in observation.component or []:
        kind = code(component.code, profile.OBSERVATION_SYSTEM)
        if kind in profile.RUPTURE_NUMBERS and component.valueInteger is not None:
            numbers[kind] = component.valueInteger
    return numbers


def _one(found: dict[str, list[str]], kind: str, choices: Any) -> str:
    values = found.get(kind, [])
    if len(values) != 1:
        raise ItemProblem(f"the {kind} is missing")
    return known(values[0], choices, f"the {kind}")


def _notes(observation: Any) -> str:
    return "\n\n".join(note.text for note in observation.note or [] if note.text)


def rupture_fields(observation: Any) -> dict[str, Any]:
    found = _components(observation, profile.RUPTURE_COMPONENTS)
    kind = known(
        code(observation.valueCodeableConcept, profile.RUPTURE_KIND_SYSTEM),
        RuptureKind,
        "the rupture kind",
    )
    setting = _one(found, "setting", RuptureSetting)
    channels = found.get("channel", [])
    if (setting == RuptureSetting.BETWEEN_SESSIONS) != bool(channels):
        raise ItemProblem("a channel goes with a rupture between sessions only")
    markers = found.get("marker", [])
    if not set(markers) <= set(MARKERS_OF_KIND[kind]):
        raise ItemProblem("a marker does not fit the rupture kind")
    numbers = _numbers(observation)
    for name in profile.RUPTURE_NUMBERS:
        if not 1 <= numbers.get(name, 0) <= 3:
            raise ItemProblem(f"the {name} must be 1 to 3")
    return {
        "noticed_at": moment(observation.effectiveDateTime, "the time noticed"),
        "setting": setting,
        "channel": known(channels[0], Channel, "the channel") if channels else "",
        "kind": kind,
        "markers": markers,
        "status": _one(found, "status", RuptureStatus),
        "description": _notes(observation),
        **numbers,
    }


def repair_fields(observation: Any) -> dict[str, Any]:
    found = _components(observation, profile.REPAIR_COMPONENTS)
    ruptures = [reference_of(ref) for ref in observation.derivedFrom or []]
    if len(ruptures) != 1 or ruptures[0] is None:
        raise ItemProblem("a repair attempt names one rupture")
    return {
        "rupture": ruptures[0],
        "attempted_at": moment(observation.effectiveDateTime, "the time attempted"),
        "setting": _one(found, "setting", RuptureSetting),
        "strategy": _one(found, "strategy", RepairStrategy),
        "outcome": _one(found, "outcome", RepairOutcome),
        "client_response": _notes(observation),
    }
