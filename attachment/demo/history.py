"""Building blocks of the demo's between-session histories: one client's
:class:`History` (what is about to be written for them) and the steady
patterns that the stories of :mod:`attachment.demo.stories` start from.
All data is synthetic."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from attachment.models import (
    Acknowledgement,
    AttachmentMeasure,
    Contact,
    ContactAgreement,
    CopingPlan,
    DependencyObservation,
    RepairAttempt,
    Rupture,
    SafetyPlan,
)
from clinic.models import Client

HISTORY_WEEKS = 39
WEEKDAYS_9_TO_5 = {str(day): ["09:00", "17:00"] for day in range(5)}
# Every demo client's first agreement, inside the clinic's frame (synthetic).
AGREEMENT_TERMS: dict[str, Any] = {
    "allowed_channels": ["text", "email", "phone", "voicemail", "portal"],
    "contact_hours": WEEKDAYS_9_TO_5,
    "weekly_limit": 3,
    "reply_hours": 24,
    "in_our_words": "Texts or e-mails about appointments and short check-ins "
    "on weekdays 9 to 5; anything longer waits for our next session.",
    "break_arrangements": "When my therapist is away, the covering therapist "
    "named in the away message answers.",
    "crisis_route": "In a crisis I call the crisis line on my safety plan, or "
    "the emergency services if I am in immediate danger.",
    "after_ending": "After our work ends, I can write once to let my therapist "
    "know how I am; for new help I contact the clinic.",
}
WEEK = dt.timedelta(days=7)
DAYTIME_CHANNELS = ["text"] * 6 + ["email"] * 2 + ["phone", "voicemail", "portal"]


def poisson(rng: random.Random, rate: float) -> int:
    limit, count, product = math.exp(-rate), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


@dataclass
class History:
    """What one client's story adds; written in bulk at the end."""

    client: Client
    zone: Any
    now: dt.datetime
    rng: random.Random
    contacts: list[Contact] = field(default_factory=list)
    ruptures: list[tuple[Rupture, list[RepairAttempt]]] = field(default_factory=list)
    observations: list[DependencyObservation] = field(default_factory=list)
    measures: list[AttachmentMeasure] = field(default_factory=list)
    plans: list[CopingPlan] = field(default_factory=list)
    agreements: list[ContactAgreement] = field(default_factory=list)
    safety_plans: list[SafetyPlan] = field(default_factory=list)

    def at(self, day: dt.date, hour: float) -> dt.datetime:
        minutes = int(hour * 60)
        local = dt.datetime.combine(day, dt.time(minutes // 60 % 24, minutes % 60))
        return local.replace(tzinfo=self.zone).astimezone(dt.UTC)

    def contact(
        self,
        when: dt.datetime,
        channel: str,
        direction: str,
        purpose: str,
        **extra: Any,
    ) -> Contact | None:
        if when > self.now:
            return None
        responded_at = extra.pop("responded_at", None)
        if responded_at is not None and responded_at > self.now:
            responded_at = None
        contact = Contact(
            client_id=self.client.pk,
            occurred_at=when,
            channel=channel,
            direction=direction,
            purpose=purpose,
            responded_at=responded_at,
            **extra,
        )
        self.contacts.append(contact)
        return contact

    def observe(self, when: dt.datetime, markers: list[str], intensity: int, **extra):
        if when <= self.now:
            self.observations.append(
                DependencyObservation(
                    client_id=self.client.pk,
                    observed_at=when,
                    markers=markers,
                    intensity=intensity,
                    **extra,
                )
            )

    def measure(self, on: dt.date, secure: str, avoidant: str, preoccupied: str):
        if on <= self.now.date():
            self.measures.append(
                AttachmentMeasure(
                    client_id=self.client.pk,
                    measured_on=on,
                    secure=Decimal(secure),
                    avoidant_fearful=Decimal(avoidant),
                    preoccupied_merger=Decimal(preoccupied),
                )
            )

    def agreement(
        self, when: dt.datetime, *, written_at: dt.datetime | None = None, **terms: Any
    ) -> None:
        """A version of the between-sessions agreement, in force from
        ``when`` (written then, or at ``written_at``), made in session and
        acknowledged there."""
        if when <= self.now:
            values = {**AGREEMENT_TERMS, **terms}
            self.agreements.append(
                ContactAgreement(
                    client_id=self.client.pk,
                    version=len(self.agreements) + 1,
                    effective_from=when,
                    written_at=written_at or when,
                    author_id=self.client.therapist_id,
                    acknowledged_on=when.astimezone(self.zone).date(),
                    acknowledged_how=Acknowledgement.IN_SESSION,
                    client_told_of_logging=True,
                    **values,
                )
            )

    def safety_plan(self, when: dt.datetime, **sections: str) -> None:
        if when <= self.now:
            self.safety_plans.append(
                SafetyPlan(
                    client_id=self.client.pk,
                    version=len(self.safety_plans) + 1,
                    written_at=when,
                    author_id=self.client.therapist_id,
                    **sections,
                )
            )

    def plan(self, when: dt.datetime, **values: Any) -> None:
        if when <= self.now:
            self.plans.append(
                CopingPlan(
                    client_id=self.client.pk,
                    version=len(self.plans) + 1,
                    written_at=when,
                    author_id=self.client.therapist_id,
                    **values,
                )
            )

    def weekday(self, week_start: dt.date) -> dt.date:
        return week_start + dt.timedelta(days=self.rng.randrange(5))

    def daytime(self) -> float:
        return self.rng.uniform(9.25, 16.5)

    def replied(self, when: dt.datetime) -> dt.datetime:
        """A steady therapist: answers within the working day or the next."""
        local = when.astimezone(self.zone)
        day = local.date() if local.hour < 15 else local.date() + dt.timedelta(days=1)
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        answer = self.at(day, self.rng.uniform(max(local.hour + 1, 10), 16.75))
        return max(answer, when + dt.timedelta(minutes=20))


def weeks_between(start: dt.date, end: dt.date) -> list[dt.date]:
    first = start - dt.timedelta(days=start.weekday())
    return [first + WEEK * n for n in range((end - first).days // 7 + 1)]


def history_span(client: Client, now: dt.datetime) -> tuple[dt.date, dt.date]:
    start = max(client.started_on, now.date() - WEEK * HISTORY_WEEKS)
    end = min(now.date(), client.ended_on) if client.ended_on else now.date()
    return start, end


def steady_contacts(
    history: History,
    start: dt.date,
    end: dt.date,
    rate: float,
    purposes: list[str],
    *,
    most_per_week: int | None = None,
    away: tuple[tuple[dt.date, dt.date], ...] = (),
) -> None:
    """Client-initiated contacts at ``rate`` a week in working hours, answered
    steadily, and an occasional scheduling text from the therapist.  At most
    ``most_per_week`` a calendar week if given; half as many while the
    therapist is ``away``."""
    rng = history.rng
    for week_start in weeks_between(start, end):
        count = poisson(rng, rate)
        if most_per_week is not None:
            count = min(count, most_per_week)
        for _ in range(count):
            day = history.weekday(week_start)
            if not start <= day <= end:
                continue
            if any(first <= day <= last for first, last in away) and rng.random() < 0.5:
                continue
            when = history.at(day, history.daytime())
            history.contact(
                when,
                rng.choice(DAYTIME_CHANNELS),
                "from_client",
                rng.choice(purposes),
                responded_at=history.replied(when),
            )
        if rng.random() < 0.3:
            day = history.weekday(week_start)
            if start <= day <= end:
                history.contact(
                    history.at(day, history.daytime()),
                    "text",
                    "from_therapist",
                    "scheduling",
                )


def first_plan(history: History, start: dt.date) -> None:
    history.agreement(history.at(start + dt.timedelta(days=14), 15))
    history.plan(
        history.at(start + dt.timedelta(days=14), 15),
        triggers=["session_ending"],
        strategies=["journal", "reach_friend", "mindfulness"],
        supports="A close friend; a sibling.",
        crisis_steps="Call the crisis line or go to the emergency department.",
        review_on=start + dt.timedelta(days=90),
    )
