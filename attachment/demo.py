"""This app's part of the demo: a believable between-session history for every
demo client, with the four stories the pattern engine must find.

* (a) ``repaired_rupture``: mostly scheduling texts; a joke read as a rebuff,
  a voicemail, a call back within the hour and a complete repair; later a
  vulnerable e-mail; fewer reassurance contacts and rising internalised
  security over the months.
* (b) ``rising_contact``: about one client-initiated contact a week, then
  2, 3, 3, 4, 5, 5 in the last six weeks, with longing, panic and anger at
  unavailability; the therapist answers faster and later at night for nine
  weeks, then cuts back abruptly for the last three complete calendar weeks
  (and the current one), so that a scan three weeks ago sees the overextension
  and a scan now sees the withdrawal.
* (c) ``life_transition``: a new job and a move, then a surge of contacts
  during the therapist's vacation (an ``Absence`` already in the database),
  with fear of abandonment observed before it.
* (d) ``after_ending``: contacts keep coming after the ending date.

Stable clients contact at their own Poisson rate with no trend, inside their
policy.  Contacts go through the same fact derivation as the import.  All
data is synthetic; the seeder adds nothing if the clinic already has contacts.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from clinic.extensions import DemoContext
from clinic.models import Absence, Client
from notes.models import SessionNote

from .flag_services import clinic_scan
from .imports import contacts_bulk_create
from .models import (
    AttachmentMeasure,
    Contact,
    CopingPlan,
    DependencyObservation,
    Flag,
    RepairAttempt,
    Rupture,
)

HISTORY_WEEKS = 39
WEEK = dt.timedelta(days=7)
DAYTIME_CHANNELS = ["text"] * 6 + ["email"] * 2 + ["phone", "voicemail", "portal"]


def _poisson(rng: random.Random, rate: float) -> int:
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


def _weeks(start: dt.date, end: dt.date) -> list[dt.date]:
    first = start - dt.timedelta(days=start.weekday())
    return [first + WEEK * n for n in range((end - first).days // 7 + 1)]


def _span(client: Client, now: dt.datetime) -> tuple[dt.date, dt.date]:
    start = max(client.started_on, now.date() - WEEK * HISTORY_WEEKS)
    end = min(now.date(), client.ended_on) if client.ended_on else now.date()
    return start, end


def _steady_contacts(
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
    for week_start in _weeks(start, end):
        count = _poisson(rng, rate)
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


def _first_plan(history: History, start: dt.date) -> None:
    history.plan(
        history.at(start + dt.timedelta(days=14), 15),
        triggers=["session_ending"],
        strategies=["journal", "reach_friend", "mindfulness"],
        supports="A close friend; a sibling.",
        contact_agreement="Texts for scheduling on weekdays 9 to 5; "
        "anything else waits for the session.",
        crisis_steps="Call the crisis line or go to the emergency department.",
        review_on=start + dt.timedelta(days=90),
    )


def _stable(history: History) -> None:
    rng = history.rng
    start, end = _span(history.client, history.now)
    # At most one a week, so a stable client never goes over the weekly limit
    # and stays inside the policy, as the story says.
    away = tuple(
        Absence.objects.filter(therapist_id=history.client.therapist_id).values_list(
            "starts_on", "ends_on"
        )
    )
    _steady_contacts(
        history,
        start,
        end,
        rng.uniform(0.3, 1.2),
        ["scheduling", "scheduling", "sharing", "reassurance", "other"],
        most_per_week=1,
        away=away,
    )
    _first_plan(history, start)
    for week_start in _weeks(start, end)[2::6]:
        history.observe(
            history.at(history.weekday(week_start), 17),
            [rng.choice(["longing", "reassurance_seeking", "rumination", "shame"])],
            rng.randrange(0, 3),
        )
    if rng.random() < 0.4 and (end - start).days > 60:
        noticed = history.at(start + dt.timedelta(days=rng.randrange(30, 60)), 11)
        rupture = Rupture(
            client_id=history.client.pk,
            noticed_at=noticed,
            setting="in_session",
            kind="withdrawal",
            markers=["topic_shift", "minimal_response"],
            severity=1,
            status="resolved",
        )
        repair = RepairAttempt(
            attempted_at=noticed + dt.timedelta(days=7),
            setting="in_session",
            strategy="explore",
            outcome="complete",
        )
        history.ruptures.append((rupture, [repair]))


def _repaired_rupture(history: History) -> None:
    """(a)  Scheduling texts, a joke read as a rebuff, a repair within the hour."""
    rng = history.rng
    start, end = _span(history.client, history.now)
    weeks = _weeks(start, end)
    for index, week_start in enumerate(weeks):
        # Reassurance contacts fade over the months; scheduling stays.
        reassurance_rate = 1.2 * (1 - index / len(weeks)) + 0.1
        for purpose, rate in (("scheduling", 0.8), ("reassurance", reassurance_rate)):
            for _ in range(_poisson(rng, rate)):
                when = history.at(history.weekday(week_start), history.daytime())
                history.contact(
                    when,
                    "text",
                    "from_client",
                    purpose,
                    responded_at=history.replied(when),
                )
    joke_day = history.now.date() - WEEK * 10
    joke_day -= dt.timedelta(days=joke_day.weekday() - 1)  # a Tuesday
    joke = history.at(joke_day, 10)
    history.contact(joke, "text", "from_therapist", "scheduling", summary="Time change")
    hurt = joke + dt.timedelta(minutes=25)
    history.contact(hurt, "text", "from_client", "rupture", summary="Felt brushed off")
    message = joke + dt.timedelta(minutes=40)
    callback = message + dt.timedelta(minutes=45)
    history.contact(
        message, "voicemail", "from_client", "rupture", responded_at=callback
    )
    history.contact(callback, "phone", "from_therapist", "rupture", duration_minutes=15)
    rupture = Rupture(
        client_id=history.client.pk,
        noticed_at=message,
        setting="between_sessions",
        channel="text",
        kind="confrontation",
        markers=["complaint_therapist"],
        severity=2,
        priority=3,
        status="resolved",
        description="Read a joke in a scheduling text as a rebuff.",
    )
    repair = RepairAttempt(
        attempted_at=callback,
        setting="between_sessions",
        strategy="clarify",
        outcome="complete",
        client_response="Relieved; laughed about it.",
    )
    history.ruptures.append((rupture, [repair]))
    vulnerable = history.at(history.now.date() - WEEK * 5, 19.5)
    history.contact(
        vulnerable,
        "email",
        "from_client",
        "sharing",
        summary="Wrote about an old loss",
        responded_at=history.replied(vulnerable),
    )
    _first_plan(history, start)
    for index, week_start in enumerate(weeks[1::4]):
        late = index >= len(weeks[1::4]) // 2
        markers = (
            ["internalised_security"] if late else ["reassurance_seeking", "longing"]
        )
        history.observe(
            history.at(week_start + dt.timedelta(days=1), 17),
            markers,
            max(0, 3 - index // 2),
        )
    history.measure(start + dt.timedelta(days=21), "3.20", "2.90", "3.80")
    history.measure(history.now.date() - WEEK * 3, "4.50", "2.10", "2.60")


def _therapist_phases(history: History) -> tuple[dt.date, dt.date]:
    """(b)'s therapist: from ``overextended_on`` on faster and at night; from
    ``cutback_on`` (the Monday three complete calendar weeks back, so the
    engine's weekly windows see the whole cutback) days late or never."""
    today = history.now.astimezone(history.zone).date()
    cutback_on = today - dt.timedelta(days=today.weekday()) - WEEK * 3
    return cutback_on - WEEK * 9, cutback_on


def _rising_contact(history: History) -> None:
    """(b)  Rising contact; a therapist who does more and more, then cuts back."""
    rng = history.rng
    start, end = _span(history.client, history.now)
    overextended_on, cutback_on = _therapist_phases(history)
    recent_counts = [5, 5, 4, 3, 3, 2]  # weeks ago 0..5, the last 7 days first
    horizon = HISTORY_WEEKS if start < history.now.date() - WEEK * 20 else 20
    for weeks_ago in range(horizon, -1, -1):
        block_end = history.now - WEEK * weeks_ago
        count = recent_counts[weeks_ago] if weeks_ago < 6 else _poisson(rng, 1.0)
        days = sorted(rng.sample(range(7), k=min(count, 7)))
        days += [rng.randrange(7) for _ in range(count - len(days))]
        for day_back in days:
            day = (block_end - dt.timedelta(days=day_back + 1)).astimezone(history.zone)
            if day.date() < start:
                continue
            late = day.date() >= overextended_on
            hour = rng.uniform(18.5, 22.5) if late else history.daytime()
            when = history.at(day.date(), hour)
            purpose = rng.choice(["distress", "reassurance", "reassurance", "sharing"])
            history.contact(
                when,
                "text",
                "from_client",
                purpose,
                responded_at=_overextended_reply(history, when),
            )
    # Late-night texts from the therapist, every week of the overextended
    # phase and more of them towards its end; none after the cutback.
    for index, monday in enumerate(_weeks(overextended_on, cutback_on - WEEK)):
        for _ in range(2 + (index >= 5)):
            day = monday + dt.timedelta(days=rng.randrange(7))
            if start <= day < cutback_on:
                history.contact(
                    history.at(day, rng.uniform(22, 23.5)),
                    "text",
                    "from_therapist",
                    "reassurance",
                )
    _first_plan(history, start)
    history.plan(
        history.at(history.now.date() - WEEK * 3, 17),
        triggers=["session_ending", "therapist_absence"],
        strategies=["journal", "mindfulness", "session_notes"],
        contact_agreement="One text a day at most, answered on the next working day.",
        crisis_steps="Call the crisis line.",
    )
    markers = ["longing", "panic", "anger_unavailability", "fear_of_abandonment"]
    for index, (weeks_ago, intensity) in enumerate(
        zip(range(12, 0, -2), [1, 1, 2, 3, 3, 4], strict=True)
    ):
        history.observe(
            history.at(history.now.date() - WEEK * weeks_ago, 17.5),
            markers[: 1 + index // 2],
            intensity,
            triggers=["session_ending"],
        )
    history.measure(history.now.date() - WEEK * 20, "3.60", "2.40", "3.00")
    history.measure(history.now.date() - WEEK * 2, "3.10", "2.70", "4.60")
    history.ruptures.append(
        (
            Rupture(
                client_id=history.client.pk,
                noticed_at=history.at(history.now.date() - dt.timedelta(days=9), 19.5),
                setting="between_sessions",
                channel="text",
                kind="confrontation",
                markers=["complaint_parameters", "controlling"],
                severity=2,
                priority=3,
                status="open",
                description="Angry that replies have become slow.",
            ),
            [],
        )
    )


def _overextended_reply(history: History, when: dt.datetime) -> dt.datetime | None:
    """Slow and in working hours long ago; in the overextended phase within
    minutes, faster week by week; after the cutback mostly never, and the
    few replies days late."""
    rng = history.rng
    overextended_on, cutback_on = _therapist_phases(history)
    day = when.astimezone(history.zone).date()
    if day < overextended_on:
        return history.replied(when)
    if day < cutback_on:
        weeks_left = (cutback_on - day).days / 7
        return when + dt.timedelta(minutes=10 + weeks_left * 25 + rng.uniform(0, 20))
    if rng.random() < 0.75:
        return None
    return when + dt.timedelta(hours=rng.uniform(48, 96))


def _vacation(client: Client, now: dt.datetime) -> Absence | None:
    absences = list(Absence.objects.filter(therapist_id=client.therapist_id))
    past = [a for a in absences if a.starts_on <= now.date()]
    if past:
        return max(past, key=lambda absence: absence.starts_on)
    return min(absences, key=lambda absence: absence.starts_on, default=None)


def _life_transition(history: History) -> None:
    """(c)  A new job and a move, then a surge during the therapist's vacation."""
    rng = history.rng
    start, end = _span(history.client, history.now)
    vacation = _vacation(history.client, history.now)
    quiet = (vacation.starts_on, vacation.ends_on) if vacation else None
    for week_start in _weeks(start, end):
        for _ in range(_poisson(rng, 1.0)):
            day = history.weekday(week_start)
            if (quiet and quiet[0] <= day <= quiet[1]) or not start <= day <= end:
                continue
            when = history.at(day, history.daytime())
            history.contact(
                when,
                "text",
                "from_client",
                rng.choice(["scheduling", "sharing"]),
                responded_at=history.replied(when),
            )
    _first_plan(history, start)
    if vacation is None:
        return
    move = vacation.starts_on - dt.timedelta(days=35)
    history.observe(
        history.at(move, 16),
        ["longing", "rumination"],
        2,
        triggers=["life_transition"],
        note="New job and a move across town.",
    )
    history.observe(
        history.at(vacation.starts_on - dt.timedelta(days=6), 16),
        ["fear_of_abandonment", "panic"],
        4,
        triggers=["therapist_absence", "life_transition"],
    )
    history.plan(
        history.at(vacation.starts_on - dt.timedelta(days=6), 17),
        triggers=["therapist_absence", "life_transition"],
        strategies=["journal", "reach_friend", "review_progress"],
        supports="The covering therapist; a friend from the old neighbourhood.",
        contact_agreement="During the vacation, the covering therapist answers.",
        crisis_steps="Call the covering therapist or the crisis line.",
    )
    day = vacation.starts_on
    while day <= min(vacation.ends_on, end):
        for _ in range(rng.choice([0, 1, 1, 1, 2])):
            history.contact(
                history.at(day, rng.uniform(8, 22)),
                rng.choice(["text", "text", "voicemail", "email"]),
                "from_client",
                rng.choice(["reassurance", "distress", "sharing"]),
            )
        day += dt.timedelta(days=1)
    history.observe(
        history.at(vacation.ends_on + dt.timedelta(days=3), 11),
        ["longing", "anger_unavailability"],
        3,
        triggers=["therapist_absence"],
    )


def _after_ending(history: History) -> None:
    """(d)  Contact that goes on after the ending date."""
    rng = history.rng
    start, end = _span(history.client, history.now)
    _steady_contacts(history, start, end, 1.0, ["scheduling", "sharing", "reassurance"])
    _first_plan(history, start)
    ended_on = history.client.ended_on
    if ended_on is None:
        return
    history.observe(
        history.at(ended_on - dt.timedelta(days=14), 16),
        ["fear_of_abandonment", "longing"],
        3,
        triggers=["ending_approaching"],
    )
    for week_start in _weeks(ended_on + dt.timedelta(days=1), history.now.date()):
        for _ in range(1 + (rng.random() < 0.5)):
            day = week_start + dt.timedelta(days=rng.randrange(7))
            if day > ended_on:
                history.contact(
                    history.at(day, rng.uniform(9, 21)),
                    rng.choice(["text", "email", "social"]),
                    "from_client",
                    rng.choice(["sharing", "reassurance", "other"]),
                )


STORIES = {
    "repaired_rupture": _repaired_rupture,
    "rising_contact": _rising_contact,
    "life_transition": _life_transition,
    "after_ending": _after_ending,
}


def _link_to_notes(contacts: list[Contact]) -> None:
    """Contacts before a session count as discussed in its note, as if the
    therapist had ticked them; those since the last note stay on the agenda."""
    client_ids = {contact.client_id for contact in contacts}
    sessions: dict[int, list[tuple[dt.datetime, int]]] = {}
    for client_id, session_at, pk in (
        SessionNote.objects.filter(client_id__in=client_ids)
        .order_by("session_at")
        .values_list("client_id", "session_at", "pk")
    ):
        sessions.setdefault(client_id, []).append((session_at, pk))
    for contact in contacts:
        notes = sessions.get(contact.client_id, [])
        index = bisect.bisect_right(notes, (contact.occurred_at, math.inf))
        if index < len(notes):
            contact.discussed_in_id = notes[index][1]


def seed(demo: DemoContext) -> None:
    """Give every demo client a history; nothing if the clinic has contacts."""
    if Contact.objects.filter(client__clinic=demo.clinic).exists():
        return
    story_of = {client.pk: key for key, client in demo.stories.items()}
    histories = []
    for client in demo.clients:
        history = History(client, demo.clinic.zone, demo.now, demo.rng)
        STORIES.get(story_of.get(client.pk, ""), _stable)(history)
        histories.append(history)
    contacts = [contact for history in histories for contact in history.contacts]
    _link_to_notes(contacts)
    contacts_bulk_create(clinic=demo.clinic, contacts=contacts)
    ruptures = [pair for history in histories for pair in history.ruptures]
    Rupture.objects.bulk_create([rupture for rupture, _ in ruptures])
    attempts = []
    for rupture, repairs in ruptures:
        for repair in repairs:
            repair.rupture = rupture
            attempts.append(repair)
    RepairAttempt.objects.bulk_create(attempts)
    for model, name in (
        (DependencyObservation, "observations"),
        (AttachmentMeasure, "measures"),
        (CopingPlan, "plans"),
    ):
        model.objects.bulk_create(
            [row for history in histories for row in getattr(history, name)]
        )


def scan(demo: DemoContext) -> None:
    """Run the pattern scan over the demo clinic, three weeks ago and now, so
    the demo opens with the flags its stories imply (the overextension that
    comes before the withdrawal is seen by the earlier scan).  Once the clinic
    has flags, seeding again leaves them (and their history) as they are."""
    if Flag.objects.filter(client__clinic=demo.clinic).exists():
        return
    clinic_scan(clinic=demo.clinic, now=demo.now - dt.timedelta(days=21))
    clinic_scan(clinic=demo.clinic, now=demo.now)
