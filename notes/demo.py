"""The notes part of the demo: nine months of weekly-ish session notes.

All text is synthetic, assembled from the phrase banks below.  Signed rows are
inserted already signed (the lock triggers guard updates, not inserts), with
their digests computed exactly as :func:`notes.services.note_sign` would, so
the integrity check passes on every demo note.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from clinic.extensions import DemoContext
from clinic.models import ClientStatus
from notes.models import (
    FORMAT_SECTIONS,
    Addendum,
    Attendance,
    Modality,
    NoteFormat,
    NotePreference,
    NoteStatus,
    ProcessNote,
    Reflection,
    RiskLevel,
    SessionNote,
)
from notes.signature_hashes import addendum_digest, note_digest, text_digest

HISTORY_DAYS = 270

SECTION_PHRASES: dict[str, list[str]] = {
    "subjective": [
        "Reported a steadier week with better sleep.",
        "Described feeling unsettled after the last session ended.",
        "Talked about a difficult conversation with a family member.",
        "Said the week felt long and that they had thought about the sessions.",
        "Reported using the coping plan twice, with some relief.",
        "Described work stress and a sense of being on their own with it.",
    ],
    "objective": [
        "Arrived on time, engaged, affect congruent with content.",
        "Appeared tired; speech slower than usual; good eye contact.",
        "Restless at the start, settling as the session went on.",
        "Tearful when describing the weekend; able to stay with the feeling.",
        "Animated and warm; laughed at several points.",
    ],
    "assessment": [
        "Working alliance feels solid; client is able to name needs directly.",
        "Distress between sessions remains high but more contained.",
        "Some progress in holding the relationship in mind between sessions.",
        "Themes of abandonment active this week; no risk indicators.",
        "Gradual consolidation of gains; coping strategies used independently.",
    ],
    "plan": [
        "Continue weekly sessions; revisit the contact agreement next time.",
        "Client to keep a brief journal of between-session urges to make contact.",
        "Review coping plan next session.",
        "Prepare for the upcoming break: name dates and cover arrangements.",
        "Continue current focus; no change to frequency.",
    ],
    "data": [
        "Client spoke about the week and a tense exchange at work.",
        "Session focused on the gap between sessions and what helps.",
        "Client brought a dream and linked it to feeling left out.",
        "Reviewed the past month together; client noticed fewer low days.",
        "Client described reaching for a friend instead of texting.",
    ],
    "behaviour": [
        "Client arrived early and was keen to start.",
        "Client was quiet at first and looked at the clock often.",
        "Client brought notes to the session and referred to them.",
        "Client expressed irritation about a rescheduled appointment.",
    ],
    "intervention": [
        "Explored the rupture around scheduling and acknowledged my part.",
        "Validated the longing and linked it to earlier experiences.",
        "Practised a grounding exercise for evenings.",
        "Gave a rationale for the contact agreement and invited disagreement.",
    ],
    "response": [
        "Client softened and said it helped to hear it named.",
        "Client engaged with the exercise and agreed to try it at home.",
        "Client was ambivalent but willing to keep talking about it.",
        "Client reported feeling understood; mood lifted by the end.",
    ],
    "free_text": [
        "Check-in session. Client reported a mixed week and we reviewed the "
        "coping plan together. No risk concerns. Plan to continue weekly.",
        "Session spent on the upcoming break. Client named worry about being "
        "forgotten; we agreed how contact will work while I am away.",
        "Reviewed progress so far. Client noticed they could wait until the "
        "session to bring something up, which felt new.",
    ],
}

STORY_LINES: dict[str, str] = {
    "repaired_rupture": "Returned to the scheduling text that felt like a rebuff.",
    "rising_contact": "Talked about the texts between sessions and the panic behind them.",
    "life_transition": "The move and the new job are taking a lot of energy.",
    "after_ending": "We talked about how ending will feel and what comes after.",
}

ADDENDUM_TEXTS = [
    "Late entry: client mentioned after the session that the GP has changed "
    "their medication; no effect on the plan.",
    "Correction: the homework agreed was a daily journal, not a weekly one.",
    "Late entry: client phoned the next day to confirm the next appointment.",
    "Correction: the break discussed starts a week later than written above.",
]

REFLECTION_TEXTS = [
    "A breakthrough to build on: they named the wish for contact without acting on it.",
    "I noticed I felt rushed at the end; worth slowing the ending down next time.",
    "Setback to watch: the old pattern of apologising for needing anything.",
    "Revisit the grounding technique; it seemed to land.",
    "Wonder whether my lateness last week was felt as a small rupture.",
    "Bring the coping plan back in; it has not been mentioned for a while.",
    "They seemed lighter this week. Ask what changed, without rushing to credit it.",
    "I was more directive than usual; check how that felt for them.",
    "The silence near the end felt important; name it next time.",
    "Link the Sunday-evening texts to the weekend gap, gently.",
]

FORMAT_MIX = {
    "therapist": [NoteFormat.SOAP] * 6 + [NoteFormat.FREE, NoteFormat.DAP],
    "trainee": [NoteFormat.DAP] * 6 + [NoteFormat.SOAP, NoteFormat.BIRP],
    "therapist2": [NoteFormat.BIRP] * 5 + [NoteFormat.FREE, NoteFormat.SOAP],
}


@dataclass
class _Plan:
    notes: list[SessionNote] = field(default_factory=list)
    reflections: list[tuple[Reflection, bool]] = field(default_factory=list)


def _sections(
    rng: random.Random, note_format: str, story: str | None
) -> dict[str, str]:
    texts = {}
    for name in FORMAT_SECTIONS[note_format]:
        count = 1 if name == "free_text" else rng.choice((1, 2))
        texts[name] = " ".join(rng.sample(SECTION_PHRASES[name], count))
    first = FORMAT_SECTIONS[note_format][0]
    if story and rng.random() < 0.4:
        texts[first] = f"{texts[first]} {STORY_LINES[story]}"
    return texts


def _session_days(client: Any, demo: DemoContext) -> list[dt.date]:
    start = max(client.started_on, (demo.now - dt.timedelta(days=HISTORY_DAYS)).date())
    end = min(client.ended_on or demo.now.date(), demo.now.date())
    day = start + dt.timedelta(days=demo.rng.randrange(7))
    while day.weekday() >= 5:  # sessions fall on weekdays
        day += dt.timedelta(days=1)
    days = []
    while day <= end - dt.timedelta(days=1):
        if demo.rng.random() > 0.12:  # breaks, illness, holidays
            days.append(day)
        day += dt.timedelta(days=7)
    return days


def _role_of(therapist: Any, demo: DemoContext) -> str:
    for key in ("trainee", "therapist2", "therapist"):
        person = demo.people.get(key)
        if person is not None and person.pk == therapist.pk:
            return key
    return "therapist"


def _story_of(client: Any, demo: DemoContext) -> str | None:
    for key, story_client in demo.stories.items():
        if story_client is not None and story_client.pk == client.pk:
            return key
    return None


LOW_RISK_SENTENCES = [
    "Low mood at times this week; no thoughts of harm; coping plan in use.",
    "Some hopelessness after a setback; no thoughts of harm; supports in place.",
]
# The rising-contact story's latest sessions: distress between sessions has
# risen, and the therapist records it and writes a safety plan with the client.
MODERATE_RISK_SENTENCE = (
    "Distress between sessions has risen; fleeting thoughts of not wanting to "
    "be here at night, with no plan or intent; safety plan written together."
)
MODERATE_RISK_SESSIONS = 3


def _risk(rng: random.Random, story: str | None, sessions_left: int) -> tuple[str, str]:
    """The risk section of one demo note (synthetic)."""
    if story == "rising_contact" and sessions_left < MODERATE_RISK_SESSIONS:
        return RiskLevel.MODERATE, MODERATE_RISK_SENTENCE
    if rng.random() < 0.15:
        return RiskLevel.LOW, rng.choice(LOW_RISK_SENTENCES)
    return RiskLevel.NONE, ""


def _signed(note: SessionNote, *, signed_at: dt.datetime, status: str) -> None:
    note.signed_at = signed_at
    note.signed_by_id = note.author_id
    note.status = status
    note.content_sha256 = note_digest(note)


def _plan_client(client: Any, demo: DemoContext, plan: _Plan) -> None:
    rng = demo.rng
    role = _role_of(client.therapist, demo)
    story = _story_of(client, demo)
    zone = demo.clinic.zone
    hour = rng.choice((9, 10, 11, 14, 15, 16, 17))
    days = _session_days(client, demo)
    # Its own stream, so that the risk sections leave the rest of the demo
    # (drawn from the shared one) as it was.
    risk_rng = random.Random(f"risk {client.code}")  # noqa: S311 (demo data)
    still_seeing = client.status != ClientStatus.ENDED
    draft_last = still_seeing and rng.random() < 0.35
    # A trainee's newest signed note waits for the supervisor; older ones
    # were co-signed along the way.
    awaiting_from = len(days) - (2 if draft_last else 1) if still_seeing else len(days)
    supervisor = demo.people.get("supervisor")
    for index, day in enumerate(days):
        session_at = dt.datetime.combine(day, dt.time(hour), tzinfo=zone)
        note_format = rng.choice(FORMAT_MIX[role])
        attendance = rng.choices(
            [Attendance.ATTENDED, Attendance.CANCELLED_LATE, Attendance.NO_SHOW],
            weights=[92, 5, 3],
        )[0]
        note = SessionNote(
            client=client,
            author=client.therapist,
            session_at=session_at,
            duration_minutes=50 if attendance == Attendance.ATTENDED else 10,
            modality=rng.choices(
                [Modality.IN_PERSON, Modality.VIDEO, Modality.PHONE], [70, 25, 5]
            )[0],
            attendance=attendance,
            format=note_format,
            created_at=session_at + dt.timedelta(hours=1),
            **_sections(rng, note_format, story),
        )
        note.risk_level, note.risk_summary = _risk(
            risk_rng, story, len(days) - 1 - index
        )
        note.updated_at = note.created_at
        is_last = index == len(days) - 1
        if not (is_last and draft_last):
            signed_at = session_at + dt.timedelta(hours=rng.randint(2, 30))
            signed_at = min(signed_at, demo.now)
            if role == "trainee" and index >= awaiting_from:
                _signed(note, signed_at=signed_at, status=NoteStatus.AWAITING_COSIGN)
            elif role == "trainee" and supervisor is not None:
                _signed(note, signed_at=signed_at, status=NoteStatus.AWAITING_COSIGN)
                note.status = NoteStatus.COSIGNED
                note.cosigned_by_id = supervisor.pk
                note.cosigned_at = min(
                    signed_at + dt.timedelta(days=rng.randint(1, 4)), demo.now
                )
            else:
                _signed(note, signed_at=signed_at, status=NoteStatus.SIGNED)
            note.updated_at = note.cosigned_at or signed_at
        plan.notes.append(note)
        if rng.random() < 0.3 or (is_last and still_seeing):
            written_at = session_at + dt.timedelta(days=rng.randint(1, 5), hours=3)
            if is_last:  # the newest stays on the agenda: it must be in the past
                written_at = min(written_at, demo.now - dt.timedelta(hours=1))
            if session_at < written_at < demo.now:
                reflection = Reflection(
                    client=client,
                    author=client.therapist,
                    written_at=written_at,
                    text=rng.choice(REFLECTION_TEXTS),
                    bring_to_next_session=rng.random() < 0.6 or is_last,
                )
                plan.reflections.append((reflection, not is_last))


def _plan_addenda(notes: list[SessionNote], demo: DemoContext) -> list[Addendum]:
    addenda = []
    for note in notes:
        settled = note.status in (NoteStatus.SIGNED, NoteStatus.COSIGNED)
        if not settled or demo.rng.random() > 0.04:
            continue
        settled_at = note.cosigned_at or note.signed_at
        if settled_at is None:  # a settled note always has a signing time
            continue
        written_at = settled_at + dt.timedelta(days=demo.rng.randint(1, 7))
        if written_at >= demo.now:
            continue
        addendum = Addendum(
            note=note,
            author_id=note.author_id,
            written_at=written_at,
            text=demo.rng.choice(ADDENDUM_TEXTS),
        )
        addendum.content_sha256 = addendum_digest(
            addendum, note_sha256=note.content_sha256
        )
        addenda.append(addendum)
    return addenda


def _link_reflections(plan: _Plan) -> list[Reflection]:
    """A reflection marked for the next session is brought into the first
    note after it, unless it is the newest (left on the agenda)."""
    by_client: dict[int, list[SessionNote]] = {}
    for note in plan.notes:
        by_client.setdefault(note.client_id, []).append(note)
    reflections = []
    for reflection, may_be_brought in plan.reflections:
        if reflection.bring_to_next_session and may_be_brought:
            later = [
                note
                for note in by_client.get(reflection.client_id, [])
                if note.session_at > reflection.written_at
            ]
            reflection.brought_in = later[0] if later else None
        reflections.append(reflection)
    return reflections


def _preferences(demo: DemoContext) -> list[NotePreference]:
    defaults = {
        "therapist": NoteFormat.SOAP,
        "trainee": NoteFormat.DAP,
        "therapist2": NoteFormat.BIRP,
    }
    return [
        NotePreference(user=demo.people[key], default_format=code)
        for key, code in defaults.items()
        if demo.people.get(key) is not None
    ]


@transaction.atomic
def seed_notes(demo: DemoContext) -> None:
    """Idempotent: does nothing once the demo clinic has any session note."""
    if SessionNote.objects.filter(client__clinic=demo.clinic).exists():
        return
    plan = _Plan()
    for client in sorted(demo.clients, key=lambda client: client.pk):
        _plan_client(client, demo, plan)
    plan.notes.sort(key=lambda note: (note.client_id, note.session_at))
    SessionNote.objects.bulk_create(plan.notes, batch_size=500)
    Addendum.objects.bulk_create(_plan_addenda(plan.notes, demo), batch_size=500)
    Reflection.objects.bulk_create(_link_reflections(plan), batch_size=500)
    NotePreference.objects.bulk_create(_preferences(demo), ignore_conflicts=True)
    ProcessNote.objects.bulk_create(_process_notes(demo))


PROCESS_NOTE = (
    "I noticed I hurried the ending of the session and felt relieved when it "
    "was over. Worth looking at in my own supervision before the next session."
)


def _process_notes(demo: DemoContext) -> list[ProcessNote]:
    """One private process note of the therapist's, so that the private pages
    have something to show."""
    therapist = demo.people.get("therapist")
    if therapist is None:
        return []
    own = [client for client in demo.clients if client.therapist_id == therapist.pk]
    if not own:
        return []
    written = demo.now - dt.timedelta(days=3)
    return [
        ProcessNote(
            client=min(own, key=lambda client: client.pk),
            author=therapist,
            written_at=written,
            updated_at=written,
            text=PROCESS_NOTE,
            text_sha256=text_digest(PROCESS_NOTE),
        )
    ]
