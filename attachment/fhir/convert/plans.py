"""CarePlans back to coping-plan versions."""

from __future__ import annotations

from typing import Any

from attachment.fhir import profile
from attachment.fhir.convert.common import (
    ItemProblem,
    code,
    display,
    extension_value,
    extensions,
    known,
    moment,
    reference_of,
)
from attachment.models import CopingStrategy, DependencyTrigger


def plan_fields(plan: Any) -> dict[str, Any]:
    versions = [
        identifier.value
        for identifier in plan.identifier or []
        if identifier.system == profile.COPING_PLAN_VERSION_SYSTEM
    ]
    strategies = [
        known(
            code(activity.detail.code, profile.STRATEGY_SYSTEM),
            CopingStrategy,
            "a strategy",
        )
        for activity in plan.activity or []
        if activity.detail is not None
        and code(activity.detail.code, profile.STRATEGY_SYSTEM)
    ]
    triggers = [
        known(
            code(ext.valueCodeableConcept, profile.TRIGGER_SYSTEM),
            DependencyTrigger,
            "a trigger",
        )
        for ext in extensions(plan, profile.COPING_TRIGGER_EXT)
    ]
    texts: dict[str, str] = {}
    for note in plan.note or []:
        part = (
            extension_value(note, profile.COPING_PART_EXT, "valueCode")
            or "other_strategies"
        )
        if part not in profile.COPING_TEXT_PARTS:
            raise ItemProblem("a part of the plan is not a known part")
        texts[part] = "\n\n".join(filter(None, [texts.get(part, ""), note.text or ""]))
    review = extension_value(plan, profile.COPING_REVIEW_EXT, "valueDate")
    try:
        version = int(versions[0]) if versions else None
    except ValueError:
        raise ItemProblem("the plan's version is not a number") from None
    return {
        "version": version,
        "strategies": strategies,
        "triggers": triggers,
        "review_on": review,
        "written_at": moment(plan.created, "the time written"),
        "author_name": display(plan.author),
        "replaces": [reference_of(ref) for ref in plan.replaces or []],
        **{part: texts.get(part, "") for part in profile.COPING_TEXT_PARTS},
    }
