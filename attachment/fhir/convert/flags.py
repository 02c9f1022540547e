"""DetectedIssues back to flags and their review steps."""

from __future__ import annotations

import json
from typing import Any

from attachment.fhir import profile
from attachment.fhir.convert.common import (
    ItemProblem,
    code,
    day,
    display,
    extension_value,
    known,
    moment,
)
from attachment.models import FlagKind, FlagStatus, FlagStatusChange

REASON_MAX = FlagStatusChange._meta.get_field("reason").max_length or 500


def _evidence(issue: Any) -> dict[str, Any]:
    evidence: dict[str, Any] = {}
    for item in issue.evidence or []:
        for concept in item.code or []:
            key = code(concept, profile.FLAG_EVIDENCE_SYSTEM)
            if key is None:
                continue
            try:
                evidence[key] = json.loads(concept.text or "null")
            except ValueError:
                raise ItemProblem("an evidence value is not JSON") from None
    return evidence


def _steps(issue: Any) -> list[dict[str, Any]]:
    steps = []
    previous = FlagStatus.OPEN.value
    for mitigation in issue.mitigation or []:
        status = known(
            code(mitigation.action, profile.FLAG_REVIEW_SYSTEM),
            FlagStatus,
            "a review step",
        )
        if status == previous:
            raise ItemProblem("a review step does not change the status")
        if len(mitigation.action.text or "") > REASON_MAX:
            raise ItemProblem("a review step's reason is too long")
        steps.append(
            {
                "from_status": previous,
                "to_status": status,
                "changed_at": moment(mitigation.date, "a review step's date"),
                "reason": mitigation.action.text or "",
                "by": display(mitigation.author),
                "usefulness": extension_value(
                    mitigation, profile.FLAG_USEFULNESS_EXT, "valueCode"
                )
                or "",
            }
        )
        previous = status
    return steps


def flag_fields(issue: Any) -> dict[str, Any]:
    kind = known(code(issue.code, profile.FLAG_KIND_SYSTEM), FlagKind, "the flag kind")
    tier = profile.SEVERITY_TIER.get(issue.severity or "")
    if tier is None:
        raise ItemProblem("the severity is not one Between uses")
    period = issue.identifiedPeriod
    if period is None or not period.start or not period.end:
        raise ItemProblem("the window is missing")
    window_start, window_end = (
        day(period.start, "the window"),
        day(period.end, "the window"),
    )
    if window_end < window_start:
        raise ItemProblem("the window ends before it starts")
    if not issue.detail or len(issue.detail) > 400:
        raise ItemProblem("the explanation is missing or too long")
    status = extension_value(issue, profile.FLAG_STATUS_EXT, "valueCode")
    steps = _steps(issue)
    detected = extension_value(issue, profile.FLAG_DETECTED_EXT, "valueDateTime")
    active = extension_value(issue, profile.FLAG_ACTIVE_EXT, "valueBoolean")
    score = extension_value(issue, profile.FLAG_SCORE_EXT, "valueDecimal")
    return {
        "kind": kind,
        "tier": tier,
        "window_start": window_start,
        "window_end": window_end,
        "explanation": issue.detail,
        "evidence": _evidence(issue),
        "status": known(status, FlagStatus, "the review status")
        if status
        else (steps[-1]["to_status"] if steps else FlagStatus.OPEN),
        "active": True if active is None else active,
        "score": float(score) if score is not None else 0.0,
        "detected_at": moment(
            detected or issue.identifiedDateTime or period.end, "the time detected"
        ),
        "steps": steps,
    }
