"""The clinic part of the demo: synthetic people (two clinic admins among
them, and a grant of a role awaiting the second), clients, absences and
policies, and a colleague covering the therapist's absence on the seed day
beside a break-glass access already reviewed.

``manage.py seed_demo`` calls :func:`demo_seed`, which builds this part and then
hands a :class:`~clinic.extensions.DemoContext` to every registered demo seeder,
so that the higher apps can add their records without ``clinic`` importing them.

Every row is looked up by a natural key before it is created, so a second run
adds nothing and leaves alone whatever a demo user changed since.  The one
exception is the demo password, which is restored because ``make run`` prints
it.  All names and texts here are invented.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pghistory.models
from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.db.models import Count

from clinic import extensions
from clinic.access import BREAK_GLASS_PAGE, COVER_PAGE
from clinic.audit import audit_record
from clinic.models import (
    BREAK_GLASS_DURATION,
    Absence,
    AuditAction,
    AuditEvent,
    BreakGlassGrant,
    BreakGlassReason,
    BreakGlassVerdict,
    Client,
    ClientStatus,
    Clinic,
    ContactPolicy,
    Membership,
    Role,
    StaffProposal,
    StaffProposalKind,
    Supervision,
    User,
)
from clinic.refusals import Refused

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Practice"
DEMO_TIMEZONE = "Europe/London"
DEMO_SEED = 2026
OPERATOR_EMAIL = "operator@demo.test"

CRISIS_LINES = (
    "Crisis line (a demo number, not a real service): 0800 000 0000, any time.\n"
    "In immediate danger: the emergency services."
)
DEMO_CHANNELS = ["text", "email", "phone", "voicemail", "portal"]
WORKING_HOURS = {str(day): ["09:00", "18:00"] for day in range(5)}

# Names the demo's advisory lock, so that two seed_demo runs started at once
# (two `make run`s) queue instead of both creating the rows that have no
# natural unique constraint (supervision links, absences).
ADVISORY_LOCK_KEY = 20260210


# Published in the README and printed by `make run`, so good for development only.
DEVELOPMENT_PASSWORD = "between-demo-2026"  # noqa: S105 (public by design)


class DemoRefused(Refused):
    """The demo stays out: this is not development, or the database holds
    clinics other than the demo's."""


def demo_password(*, debug: bool, allow_production: bool, password: str) -> str:
    """The demo accounts' password, or a refusal outside development.

    The demo creates an operator superuser and seven clinic staff sharing one
    password; with the published one, on a server, that is an open door.  So
    with ``DEBUG`` off it runs only when asked for explicitly
    (``--allow-production``) and given a password of the operator's own
    (``DEMO_PASSWORD``).
    """
    if debug:
        return password or DEVELOPMENT_PASSWORD
    if not allow_production:
        raise DemoRefused(
            "DEBUG is off: seed_demo creates accounts, a superuser among them, "
            "with a shared password. Run it with DEBUG=true, or pass "
            "--allow-production and set DEMO_PASSWORD. Nothing was written."
        )
    if not password or password == DEVELOPMENT_PASSWORD:
        raise DemoRefused(
            "--allow-production needs DEMO_PASSWORD set to a password of your own, "
            "not the published demo password. Nothing was written."
        )
    return password


@dataclass(frozen=True)
class Person:
    key: str
    email: str
    full_name: str
    roles: tuple[str, ...]


PEOPLE = (
    Person("therapist", "therapist@demo.test", "Maya Lindqvist", (Role.THERAPIST,)),
    Person("trainee", "trainee@demo.test", "Tom Adeyemi", (Role.THERAPIST,)),
    Person("therapist2", "therapist2@demo.test", "Priya Raman", (Role.THERAPIST,)),
    Person(
        "supervisor",
        "supervisor@demo.test",
        "Helen Marsh",
        (Role.THERAPIST, Role.SUPERVISOR),
    ),
    Person("admin", "admin@demo.test", "Daniel Kowalski", (Role.ADMIN,)),
)
# A second clinic admin, so that the changes that take two people (roles
# granted, accounts reactivated, supervision links) can be tried in the demo.
# Kept out of the people handed to the apps' seeders, who have no use for them.
SECOND_ADMIN = Person("admin2", "admin2@demo.test", "Amara Osei", (Role.ADMIN,))
OPERATOR = Person("operator", OPERATOR_EMAIL, "Jordan Ellis", ())
# A therapist with no clients of their own, who covers the therapist's
# absence on the seed day; kept out of the people handed to the seeders too.
COVER = Person("cover", "cover@demo.test", "Sam Okafor", (Role.THERAPIST,))
COVER_NOTE = "Conference"


@dataclass(frozen=True)
class ClientPlan:
    """One demo client, with dates in days before the seed day.

    A negative ``ended_days_ago`` is a planned ending still ahead (status ending).
    """

    code: str
    therapist: str
    preferred_name: str
    status: str
    started_days_ago: int
    ended_days_ago: int | None = None
    story: str | None = None


# Issue 4's stories, all on the supervised therapist's caseload: (a) a rupture
# by text repaired by a call-back, (b) rising contact after sessions, (c) missing
# the therapist through a life transition and a vacation, (d) contact after the
# ending.  They started long enough ago for nine months of notes.
ACTIVE, ENDED = ClientStatus.ACTIVE, ClientStatus.ENDED
STORY_PLANS = (
    ClientPlan("DM-001", "therapist", "Robin", ACTIVE, 430, story="repaired_rupture"),
    ClientPlan("DM-002", "therapist", "Sasha", ACTIVE, 330, story="rising_contact"),
    ClientPlan("DM-003", "therapist", "Jamie", ACTIVE, 380, story="life_transition"),
    ClientPlan("DM-004", "therapist", "Morgan", ENDED, 540, 56, story="after_ending"),
)

# Stable clients per clinician, as a status sequence: A active, E ending, D ended.
STABLE_STATUSES = {
    "therapist": "AAAAAEDD",
    "trainee": "AAAAAAED",
    "therapist2": "AAAAAAAEDD",
}
# The trainee joined about fourteen months ago; the others have older caseloads.
EARLIEST_START = {"therapist": 720, "trainee": 380, "therapist2": 720}

PREFERRED_NAMES = (
    "Alex", "Bailey", "Casey", "Dani", "Eden", "Frankie", "Gabi", "Harper",
    "Indigo", "Jules", "Kit", "Lou", "Marlo", "Noor", "Ollie", "Parker",
    "Quinn", "Remy", "Skye", "Tam", "Uri", "Vic", "Wren", "Yael", "Zuri",
    "Ash",
)  # fmt: skip

STATUS_CODES = {
    "A": ClientStatus.ACTIVE,
    "E": ClientStatus.ENDING,
    "D": ClientStatus.ENDED,
}


def _stable_plan(
    rng: random.Random, *, code: str, therapist: str, name: str, letter: str
) -> ClientPlan:
    earliest = EARLIEST_START[therapist]
    status = STATUS_CODES[letter]
    if status == ClientStatus.ENDED:
        started = rng.randint(earliest // 2 + 60, earliest)
        ended = rng.randint(21, started - 120)
    elif status == ClientStatus.ENDING:
        started = rng.randint(150, earliest - 60)
        ended = -rng.randint(14, 42)
    else:
        started, ended = rng.randint(30, earliest - 20), None
    return ClientPlan(code, therapist, name, status, started, ended)


def client_plans() -> list[ClientPlan]:
    """The 30 demo clients: 12 of the therapist, 8 of the trainee, 10 of therapist2.

    Drawn from a fixed seed, so the plan is the same on every run and machine.
    """
    rng = random.Random(DEMO_SEED)  # noqa: S311 (reproducible demo data, not secrets)
    plans = list(STORY_PLANS)
    names = iter(PREFERRED_NAMES)
    for therapist, letters in STABLE_STATUSES.items():
        for letter in letters:
            code = f"DM-{len(plans) + 1:03d}"
            plans.append(
                _stable_plan(
                    rng, code=code, therapist=therapist, name=next(names), letter=letter
                )
            )
    return plans


@dataclass
class DemoResult:
    context: extensions.DemoContext
    seeders: list[str]
    new_rows: Counter[str]  # per app, this run


class _Seeding:
    """Shared state of one run: the clock, the password and the clinic."""

    def __init__(self, *, now: dt.datetime, password: str) -> None:
        self.now = now
        self.password = password
        self._clinic: Clinic | None = None
        self.today = now.date()

    @property
    def clinic(self) -> Clinic:
        """The demo clinic, which every other step writes into.

        Only :meth:`clinic_ensure` sets it, and it runs first; a step that ran
        before it would write rows without a clinic, so it fails loudly instead.
        """
        if self._clinic is None:
            raise RuntimeError("clinic_ensure() must run before the other steps")
        return self._clinic

    def audit_created(self, obj: models.Model) -> None:
        audit_record(actor=None, action=AuditAction.CREATE, obj=obj, at=self.now)

    def clinic_ensure(self) -> Clinic:
        clinic = Clinic.objects.filter(slug=DEMO_SLUG).first()
        if clinic is None:
            clinic = Clinic.objects.create(
                slug=DEMO_SLUG,
                name=DEMO_NAME,
                timezone=DEMO_TIMEZONE,
                crisis_lines=CRISIS_LINES,
            )
            self.audit_created(clinic)
        self._clinic = clinic
        self.today = self.now.astimezone(clinic.zone).date()
        return clinic

    def user_ensure(self, person: Person, *, operator: bool = False) -> User:
        user = User.objects.filter(email=person.email).first()
        if user is None:
            user = User(
                email=person.email,
                full_name=person.full_name,
                is_staff=operator,
                is_superuser=operator,
            )
            user.set_password(self.password)
            user.save()
            self.audit_created(user)
        elif not user.check_password(self.password):
            user.set_password(self.password)
            user.save(update_fields=["password"])
        return user

    def member_ensure(self, person: Person) -> User:
        user = self.user_ensure(person)
        for role in person.roles:
            membership, created = Membership.objects.get_or_create(
                user=user, clinic=self.clinic, role=role
            )
            if created:
                self.audit_created(membership)
        return user

    def clinical_lead_ensure(self, user: User) -> None:
        """The supervisor is the clinic's clinical lead, who alone changes
        the detectors' thresholds."""
        membership = Membership.objects.get(
            user=user, clinic=self.clinic, role=Role.SUPERVISOR
        )
        if not membership.is_clinical_lead:
            membership.is_clinical_lead = True
            membership.save(update_fields=["is_clinical_lead"])

    def people_ensure(self) -> dict[str, User]:
        people = {person.key: self.member_ensure(person) for person in PEOPLE}
        self.clinical_lead_ensure(people["supervisor"])
        self.member_ensure(SECOND_ADMIN)
        self.member_ensure(COVER)
        self.user_ensure(OPERATOR, operator=True)
        return people

    def role_proposal_ensure(self, *, proposer: User, person: User, role: str) -> None:
        """A grant awaiting the second clinic admin, unless the demo has had
        one for this person (a demo user may have approved or declined it)."""
        if StaffProposal.objects.filter(
            clinic=self.clinic, person=person, kind=StaffProposalKind.GRANT
        ).exists():
            return
        proposal = StaffProposal.objects.create(
            clinic=self.clinic,
            kind=StaffProposalKind.GRANT,
            person=person,
            roles=[role],
            proposed_by=proposer,
            proposed_at=self.now - dt.timedelta(days=1),
        )
        self.audit_created(proposal)

    def supervision_ensure(
        self, *, supervisor: User, supervisee: User, days_ago: int, cosign: bool
    ) -> None:
        link = Supervision.objects.filter(
            clinic=self.clinic, supervisor=supervisor, supervisee=supervisee
        ).first()
        if link is None:
            link = Supervision.objects.create(
                clinic=self.clinic,
                supervisor=supervisor,
                supervisee=supervisee,
                started_on=self.today - dt.timedelta(days=days_ago),
                cosign_required=cosign,
                accepted_at=self.now - dt.timedelta(days=days_ago),
            )
            self.audit_created(link)

    def policy_ensure(self) -> None:
        """The clinic's frame."""
        if ContactPolicy.objects.filter(clinic=self.clinic).exists():
            return
        policy = ContactPolicy.objects.create(
            clinic=self.clinic,
            allowed_channels=DEMO_CHANNELS,
            contact_hours=WORKING_HOURS,
            weekly_limit=3,
            response_window_hours=24,
            after_ending_allowed=False,
        )
        self.audit_created(policy)

    def clients_ensure(self, people: dict[str, User]) -> list[Client]:
        plans = client_plans()
        existing = set(
            Client.objects.filter(
                clinic=self.clinic, code__in=[plan.code for plan in plans]
            ).values_list("code", flat=True)
        )
        for plan in plans:
            if plan.code not in existing:
                self.audit_created(self.client_create(plan, people))
        return list(
            Client.objects.filter(
                clinic=self.clinic, code__in=[plan.code for plan in plans]
            )
            .select_related("therapist")
            .order_by("code")
        )

    def client_create(self, plan: ClientPlan, people: dict[str, User]) -> Client:
        ended_on = None
        if plan.ended_days_ago is not None:
            ended_on = self.today - dt.timedelta(days=plan.ended_days_ago)
        return Client.objects.create(
            clinic=self.clinic,
            therapist=people[plan.therapist],
            code=plan.code,
            preferred_name=plan.preferred_name,
            status=plan.status,
            started_on=self.today - dt.timedelta(days=plan.started_days_ago),
            ended_on=ended_on,
        )

    def absence_ensure(
        self,
        *,
        therapist: User,
        covering: User,
        note: str,
        starts_in: int,
        days: int,
    ) -> None:
        if Absence.objects.filter(
            clinic=self.clinic, therapist=therapist, note=note
        ).exists():
            return
        starts_on = self.today + dt.timedelta(days=starts_in)
        absence = Absence.objects.create(
            clinic=self.clinic,
            therapist=therapist,
            covering_therapist=covering,
            note=note,
            starts_on=starts_on,
            ends_on=starts_on + dt.timedelta(days=days - 1),
        )
        self.audit_created(absence)

    def break_glass_ensure(
        self, *, client: Client, grantee: User, reviewer: User
    ) -> None:
        """One break-glass access of three days ago, already reviewed, with
        its events: the grant, the read it opened, the review."""
        if BreakGlassGrant.objects.filter(clinic=self.clinic).exists():
            return
        granted_at = self.now - dt.timedelta(days=3, hours=2)
        grant = BreakGlassGrant.objects.create(
            clinic=self.clinic,
            client=client,
            grantee=grantee,
            reason=BreakGlassReason.THERAPIST_UNREACHABLE,
            explanation="A distress message came in on a Sunday evening and the "
            "treating therapist was on a flight (synthetic demo).",
            granted_at=granted_at,
            expires_at=granted_at + BREAK_GLASS_DURATION,
            verdict=BreakGlassVerdict.JUSTIFIED,
            review_note="The therapist confirms she could not be reached; the "
            "access was right (synthetic demo).",
            reviewed_by=reviewer,
            reviewed_at=granted_at + dt.timedelta(days=1),
        )
        audit_record(actor=grantee, action=AuditAction.CREATE, obj=grant, at=self.now)
        audit_record(
            actor=grantee,
            action=AuditAction.READ,
            obj=grant,
            object_type=BREAK_GLASS_PAGE,
            at=self.now,
        )
        audit_record(actor=reviewer, action=AuditAction.UPDATE, obj=grant, at=self.now)

    def cover_read_ensure(self, *, absence: Absence, client: Client) -> None:
        """The cover has opened one client's cover page during the absence."""
        if AuditEvent.objects.filter(
            object_type=COVER_PAGE, object_id=absence.pk
        ).exists():
            return
        audit_record(
            actor=absence.covering_therapist,
            action=AuditAction.READ,
            obj=absence,
            object_type=COVER_PAGE,
            client_id=client.pk,
            at=self.now,
        )


def demo_refuse_other_clinics() -> None:
    others = Clinic.objects.exclude(slug=DEMO_SLUG).count()
    if others:
        raise DemoRefused(
            f"The database holds {others} clinic(s) besides the demo clinic; "
            "seed_demo only runs on an empty database or one holding the demo alone. "
            "Nothing was written."
        )


def demo_seeders_in_order() -> list[extensions.DemoSeeder]:
    return sorted(extensions.demo_seeders.values(), key=lambda seeder: seeder.order)


def _relations_ensure(seeding: _Seeding, people: dict[str, User]) -> None:
    links = (("therapist", 700, False), ("trainee", 420, True))
    for supervisee, days_ago, cosign in links:
        seeding.supervision_ensure(
            supervisor=people["supervisor"],
            supervisee=people[supervisee],
            days_ago=days_ago,
            cosign=cosign,
        )
    # The admin proposes that the therapist without a supervisor also
    # supervise; the second admin (admin2@demo.test) may approve it.
    seeding.role_proposal_ensure(
        proposer=people["admin"], person=people["therapist2"], role=Role.SUPERVISOR
    )
    seeding.policy_ensure()


def _absences_ensure(seeding: _Seeding, people: dict[str, User]) -> None:
    # Story (c) needs the therapist's two-week vacation, over six weeks ago.
    seeding.absence_ensure(
        therapist=people["therapist"],
        covering=people["therapist2"],
        note="Annual leave",
        starts_in=-42 - 13,
        days=14,
    )
    seeding.absence_ensure(
        therapist=people["trainee"],
        covering=people["supervisor"],
        note="Study leave",
        starts_in=35,
        days=5,
    )
    # The cover's: the therapist is away from the seed day for four days.
    seeding.absence_ensure(
        therapist=people["therapist"],
        covering=User.objects.get(email=COVER.email),
        note=COVER_NOTE,
        starts_in=0,
        days=4,
    )


def _cover_and_break_glass_ensure(
    seeding: _Seeding, people: dict[str, User], stories: dict[str, Client]
) -> None:
    """The cover has opened the rising-contact client's cover page; a
    colleague broke glass for the same client three days ago, and the clinic
    admin has reviewed it."""
    absence = Absence.objects.get(
        clinic=seeding.clinic, therapist=people["therapist"], note=COVER_NOTE
    )
    client = stories["rising_contact"]
    seeding.cover_read_ensure(absence=absence, client=client)
    seeding.break_glass_ensure(
        client=client, grantee=people["therapist2"], reviewer=people["admin"]
    )


# The steps before the seeders, so that the progress bar knows its length.
CLINIC_STEPS = 6


def demo_seed(
    *, now: dt.datetime, password: str, advance: Callable[[str], None]
) -> DemoResult:
    """Build or complete the demo clinic, then run every app's demo seeder.

    Must run inside a transaction: it takes a transaction-scoped advisory lock
    and refuses (raising :class:`DemoRefused`) before writing anything when the
    database holds another clinic.  ``advance(label)`` is called after each step.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("demo_seed must run inside transaction.atomic()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
    demo_refuse_other_clinics()
    rows_before = project_row_counts()
    seeding = _Seeding(now=now, password=password)
    clinic = seeding.clinic_ensure()
    advance("clinic")
    people = seeding.people_ensure()
    advance("people")
    _relations_ensure(seeding, people)
    advance("supervision and policy")
    clients = seeding.clients_ensure(people)
    advance("clients")
    by_code = {client.code: client for client in clients}
    stories = {
        plan.story: by_code[plan.code] for plan in STORY_PLANS if plan.story is not None
    }
    _absences_ensure(seeding, people)
    advance("absences")
    _cover_and_break_glass_ensure(seeding, people, stories)
    advance("cover and break-glass")
    context = extensions.DemoContext(
        clinic=clinic,
        people=people,
        clients=clients,
        stories=stories,
        stable=[client for client in clients if client not in stories.values()],
        now=now,
        rng=random.Random(DEMO_SEED),  # noqa: S311 (reproducible demo data)
    )
    ran = []
    for seeder in demo_seeders_in_order():
        seeder.seed(context)
        ran.append(seeder.key)
        advance(seeder.key)
    new_rows = project_row_counts()
    new_rows.subtract(rows_before)
    return DemoResult(context=context, seeders=ran, new_rows=new_rows)


def project_row_counts() -> Counter[str]:
    """Rows per app of this project, change history left out.

    Read through the app registry so that ``clinic`` reports what the higher
    apps' seeders wrote without importing them.
    """
    counts: Counter[str] = Counter()
    for config in apps.get_app_configs():
        if Path(config.path).parent != settings.BASE_DIR:
            continue
        for model in config.get_models():
            if model._meta.proxy or issubclass(model, pghistory.models.Event):
                continue
            counts[config.label] += model._default_manager.count()
    return counts


def demo_summary(clinic: Clinic) -> dict[str, int]:
    """Counts of what the demo clinic holds: ids and numbers, never clinical text."""
    statuses = dict(
        Client.objects.filter(clinic=clinic)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {
        "accounts": User.objects.filter(memberships__clinic=clinic).distinct().count(),
        "clients": sum(statuses.values()),
        **{
            f"{status.label.lower()} clients": statuses.get(status, 0)
            for status in ClientStatus
        },
        "supervision links": Supervision.objects.filter(clinic=clinic).count(),
        "absences": Absence.objects.filter(clinic=clinic).count(),
        "contact policies": ContactPolicy.objects.filter(clinic=clinic).count(),
    }
