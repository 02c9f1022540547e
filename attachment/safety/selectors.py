"""Reads of the safety plan.  The caller has fetched ``client`` through
:mod:`clinic.access` (reading or writing, as the page needs); a version of
another client's plan is never found through it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from attachment.models import SafetyPlan
from clinic import access
from clinic.models import Client, User
from notes.selectors import LatestRisk, latest_risk_of


def safety_plans_of(*, client: Client) -> QuerySet[SafetyPlan]:
    """Every version, newest first."""
    return (
        SafetyPlan.objects.filter(client=client)
        .select_related("author")
        .order_by("-version")
    )


def current_safety_plan(*, client: Client) -> SafetyPlan | None:
    """The highest version is the plan in force."""
    return safety_plans_of(client=client).first()


def safety_plan_version(*, actor: User, client: Client, version: int) -> SafetyPlan:
    plan = safety_plans_of(client=client).filter(version=version).first()
    if plan is None:
        raise access.not_found(actor, "safety-plan-version", version)
    return plan


@dataclass(frozen=True)
class SafetySummary:
    """What the client page shows of the client's safety: the plan in force
    (its version and date, no text) and the latest risk level a note records."""

    plan: SafetyPlan | None
    risk: LatestRisk | None


def safety_summary_of(*, client: Client) -> SafetySummary:
    plan = (
        SafetyPlan.objects.filter(client=client)
        .only("pk", "client_id", "version", "written_at")
        .order_by("-version")
        .first()
    )
    return SafetySummary(plan=plan, risk=latest_risk_of(client=client))
