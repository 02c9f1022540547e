"""The demo's stories, one function per client kind (see :mod:`attachment.demo.seed`
for what each story is), keyed in :data:`STORIES` by the demo's story names."""

from __future__ import annotations

import datetime as dt

from attachment.demo.history import (
    HISTORY_WEEKS,
    WEEK,
    History,
    first_plan,
    history_span,
    poisson,
    steady_contacts,
    weeks_between,
)
from attachment.models import RepairAttempt, Rupture
from clinic.models import Absence, Client, Supervision


def stable_history(history: History) -> None:
    rng = history.rng
    start, end = history_span(history.client, history.now)
    # At most one a week, so a stable client never goes over the weekly limit
    # and stays inside the policy, as the story says.
    away = tuple(
        Absence.objects.filter(therapist_id=history.client.therapist_id).values_list(
            "starts_on", "ends_on"
        )
    )
    steady_contacts(
        history,
        start,
        end,
        rng.uniform(0.3, 1.2),
        ["scheduling", "scheduling", "sharing", "reassurance", "other"],
        most_per_week=1,
        away=away,
    )
    first_plan(history, start)
    for week_start in weeks_between(start, end)[2::6]:
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
    start, end = history_span(history.client, history.now)
    weeks = weeks_between(start, end)
    for index, week_start in enumerate(weeks):
        # Reassurance contacts fade over the months; scheduling stays.
        reassurance_rate = 1.2 * (1 - index / len(weeks)) + 0.1
        for purpose, rate in (("scheduling", 0.8), ("reassurance", reassurance_rate)):
            for _ in range(poisson(rng, rate)):
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
    first_plan(history, start)
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


DISTRESS_ANSWERED_AFTER = dt.timedelta(hours=50)


def _rising_contact(history: History) -> None:
    """(b)  Rising contact; a therapist who does more and more, then cuts back."""
    rng = history.rng
    start, end = history_span(history.client, history.now)
    overextended_on, cutback_on = _therapist_phases(history)
    # Weeks ago 0..5, the last 7 days first; the last week's fifth is the
    # unanswered distress text written below.
    recent_counts = [4, 5, 4, 3, 3, 2]
    horizon = HISTORY_WEEKS if start < history.now.date() - WEEK * 20 else 20
    for weeks_ago in range(horizon, -1, -1):
        block_end = history.now - WEEK * weeks_ago
        count = recent_counts[weeks_ago] if weeks_ago < 6 else poisson(rng, 1.0)
        days = sorted(rng.sample(range(7), k=min(count, 7)))
        days += [rng.randrange(7) for _ in range(count - len(days))]
        for day_back in days:
            local = (block_end - dt.timedelta(days=day_back + 1)).astimezone(
                history.zone
            )
            if local.date() < start:
                continue
            late = local.date() >= overextended_on
            hour = rng.uniform(18.5, 22.5) if late else history.daytime()
            when = history.at(local.date(), hour)
            purpose = rng.choice(["distress", "reassurance", "reassurance", "sharing"])
            reply = _overextended_reply(history, when)
            if purpose == "distress" and reply is None:
                # After the cutback a distress text is still answered, late.
                reply = when + DISTRESS_ANSWERED_AFTER
            history.contact(when, "text", "from_client", purpose, responded_at=reply)
    # Late-night texts from the therapist, every week of the overextended
    # phase and more of them towards its end; none after the cutback.
    for index, monday in enumerate(weeks_between(overextended_on, cutback_on - WEEK)):
        for _ in range(2 + (index >= 5)):
            day = monday + dt.timedelta(days=rng.randrange(7))
            if start <= day < cutback_on:
                history.contact(
                    history.at(day, rng.uniform(22, 23.5)),
                    "text",
                    "from_therapist",
                    "reassurance",
                )
    first_plan(history, start)
    reviewed = history.at(history.now.date() - WEEK * 3, 17)
    history.plan(
        reviewed,
        triggers=["session_ending", "therapist_absence"],
        strategies=["journal", "mindfulness", "session_notes"],
        crisis_steps="Call the crisis line.",
    )
    # Reviewed with the plan: one text a day, on weekdays in working hours,
    # answered on the next working day; the phone is for a crisis.  Five a
    # week is more than the clinic's frame allows: the supervisor approved it
    # an hour later, and it is in force from then.
    supervision = Supervision.objects.filter(
        supervisee_id=history.client.therapist_id
    ).first()
    approved = reviewed + dt.timedelta(hours=1)
    history.agreement(
        approved,
        written_at=reviewed,
        wider_than_frame=True,
        approved_by_id=supervision.supervisor_id if supervision else None,
        approved_at=approved if supervision else None,
        allowed_channels=["text", "phone"],
        weekly_limit=5,
        purpose_rules={"phone": ["crisis"]},
        in_our_words="One text a day at most, on weekdays between 9 and 5; "
        "my therapist answers on the next working day.",
    )
    history.safety_plan(
        reviewed,
        warning_signs="Lying awake after midnight; checking my phone for replies; "
        "telling myself nobody would notice if I disappeared.",
        internal_coping="A hot shower; the breathing exercise; writing the "
        "feeling down instead of sending it.",
        distraction="The all-night café on the high street; calling my cousin "
        "to talk about anything else.",
        help_people="My cousin; my friend from the choir.",
        professionals="My therapist on weekdays 9 to 5; the clinic's duty line.",
        environment="Leave the spare medication with my cousin.",
    )
    # The distress text still waiting for a reply (the safety alert's case).
    history.contact(
        history.now - dt.timedelta(hours=27),
        "text",
        "from_client",
        "distress",
        summary="Hard night, feeling alone",
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
    """The therapist's latest absence that is over, else the next one (the
    absence under way on the seed day, which a colleague covers, is not the
    story's vacation)."""
    absences = list(Absence.objects.filter(therapist_id=client.therapist_id))
    past = [a for a in absences if a.ends_on < now.date()]
    if past:
        return max(past, key=lambda absence: absence.starts_on)
    return min(absences, key=lambda absence: absence.starts_on, default=None)


def _life_transition(history: History) -> None:
    """(c)  A new job and a move, then a surge during the therapist's vacation."""
    rng = history.rng
    start, end = history_span(history.client, history.now)
    vacation = _vacation(history.client, history.now)
    quiet = (vacation.starts_on, vacation.ends_on) if vacation else None
    for week_start in weeks_between(start, end):
        for _ in range(poisson(rng, 1.0)):
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
    first_plan(history, start)
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
    start, end = history_span(history.client, history.now)
    steady_contacts(history, start, end, 1.0, ["scheduling", "sharing", "reassurance"])
    first_plan(history, start)
    ended_on = history.client.ended_on
    if ended_on is None:
        return
    history.observe(
        history.at(ended_on - dt.timedelta(days=14), 16),
        ["fear_of_abandonment", "longing"],
        3,
        triggers=["ending_approaching"],
    )
    for week_start in weeks_between(
        ended_on + dt.timedelta(days=1), history.now.date()
    ):
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
