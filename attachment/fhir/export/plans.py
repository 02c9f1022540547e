"""Coping plans as FHIR CarePlans: the current version active, each earlier
one revoked and replaced by the next (``replaces``)."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.careplan import CarePlan

from attachment.fhir import profile
from attachment.fhir.export.common import BundleIds, coded, extension, person
from attachment.models import CopingPlan, CopingStrategy, DependencyTrigger

PLAN = "attachment.copingplan"


def _texts(plan: CopingPlan) -> list[dict[str, Any]]:
    return [
        {
            "text": getattr(plan, part),
            "extension": [extension(profile.COPING_PART_EXT, valueCode=part)],
        }
        for part in profile.COPING_TEXT_PARTS
        if getattr(plan, part)
    ]


def care_plan_resource(
    plan: CopingPlan, *, ids: BundleIds, current: bool, replaces_pk: int | None
) -> CarePlan:
    origin = getattr(plan, "origin", None) or {}
    strategies = dict(CopingStrategy.choices)
    triggers = dict(DependencyTrigger.choices)
    extensions = [
        extension(
            profile.COPING_TRIGGER_EXT,
            valueCodeableConcept=coded(profile.TRIGGER_SYSTEM, code, triggers[code]),
        )
        for code in plan.triggers
    ]
    if plan.review_on:
        extensions.append(
            extension(profile.COPING_REVIEW_EXT, valueDate=plan.review_on.isoformat())
        )
    fields: dict[str, Any] = {
        "id": ids.of(PLAN, plan.pk),
        "identifier": [
            {"system": profile.COPING_PLAN_VERSION_SYSTEM, "value": str(plan.version)}
        ],
        "status": "active" if current else "revoked",
        "intent": "plan",
        "title": f"Coping plan, version {plan.version}",
        "subject": ids.patient,
        "created": plan.written_at,
        "author": person(origin.get("author") or plan.author.full_name),
        "activity": [
            {
                "detail": {
                    "status": "in-progress" if current else "stopped",
                    "code": coded(profile.STRATEGY_SYSTEM, code, strategies[code]),
                }
            }
            for code in plan.strategies
        ],
        "note": _texts(plan),
        "extension": extensions,
    }
    if replaces_pk is not None:
        fields["replaces"] = [ids.reference(PLAN, replaces_pk)]
    return CarePlan.model_validate(
        {key: value for key, value in fields.items() if value != []}
    )
