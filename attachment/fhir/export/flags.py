"""Flags as FHIR DetectedIssues: severity from the tier, ``detail`` the
explanation sentence the product shows, ``evidence`` the numbers (one entry
per evidence key, its value as JSON in the text), ``mitigation`` the review
steps.  Responses and supervision discussions stay behind."""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B.detectedissue import DetectedIssue

from attachment.fhir import profile
from attachment.fhir.export.common import BundleIds, coded, extension, person
from attachment.models import Flag, FlagKind, FlagStatus


def _evidence(evidence: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "code": [
                {
                    "coding": [{"system": profile.FLAG_EVIDENCE_SYSTEM, "code": key}],
                    "text": json.dumps(value, sort_keys=True),
                }
            ]
        }
        for key, value in sorted(evidence.items())
    ]


def _mitigation(step: dict[str, Any], origin: dict[str, Any]) -> dict[str, Any]:
    status = step["to_status"]
    action = coded(profile.FLAG_REVIEW_SYSTEM, status, FlagStatus(status).label)
    if step.get("reason"):
        action["text"] = step["reason"]
    item: dict[str, Any] = {"action": action, "date": step["changed_at"]}
    name = origin.get("by") or step.get("by")
    if name:
        item["author"] = person(name)
    usefulness = origin.get("usefulness") or step.get("usefulness")
    if usefulness:
        item["extension"] = [
            extension(profile.FLAG_USEFULNESS_EXT, valueCode=usefulness)
        ]
    return item


def detected_issue_resource(flag: Flag, *, ids: BundleIds) -> DetectedIssue:
    """``flag.steps`` (annotated) holds the review steps in order; an imported
    flag's ``origin`` keeps its source's reviewers by step."""
    origin_steps = (getattr(flag, "origin", None) or {}).get("steps", [])
    steps = getattr(flag, "steps", None) or []
    mitigation = [
        _mitigation(step, origin_steps[index] if index < len(origin_steps) else {})
        for index, step in enumerate(steps)
    ]
    fields: dict[str, Any] = {
        "id": ids.of("attachment.flag", flag.pk),
        "status": "final",
        "code": coded(profile.FLAG_KIND_SYSTEM, flag.kind, FlagKind(flag.kind).label),
        "severity": profile.TIER_SEVERITY[flag.tier],
        "patient": ids.patient,
        "identifiedPeriod": {
            "start": flag.window_start.isoformat(),
            "end": flag.window_end.isoformat(),
        },
        "detail": flag.explanation,
        "evidence": _evidence(flag.evidence or {}),
        "mitigation": mitigation,
        "extension": [
            extension(profile.FLAG_STATUS_EXT, valueCode=flag.status),
            extension(profile.FLAG_ACTIVE_EXT, valueBoolean=flag.active),
            extension(profile.FLAG_SCORE_EXT, valueDecimal=flag.score),
            extension(profile.FLAG_DETECTED_EXT, valueDateTime=flag.detected_at),
        ],
    }
    return DetectedIssue.model_validate(
        {key: value for key, value in fields.items() if value != []}
    )
