"""The web benchmark's data set: a large synthetic clinic (``bench-web``).

Its therapists, supervisors and admin sign in with ``PASSWORD``; contacts go
in through :func:`contacts_bulk_create`, with their facts derived as an import
derives them; signed notes carry the digest :func:`note_sign` would store;
flags come from the real scan.  Rows are written with
``session_replication_role = replica`` (history triggers and foreign-key
checks off, as ``bench_scan`` does), which needs a superuser, as the
development and CI databases have.  Nothing here is, or resembles, real
client data: summaries and note texts are empty or one fixed word.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection, models, transaction
from django.db.models import Count
from django.urls import reverse
from tqdm import tqdm

from attachment.engine.services import clinic_scan
from attachment.models import Direction, Purpose, Rupture
from attachment.records.imports import NewContact, contacts_bulk_create
from attachment.records.timeline import PER_PAGE
from attachment.review.selectors import flags_readable
from clinic.models import (
    Channel,
    Client,
    ClientStatus,
    Clinic,
    Membership,
    Role,
    Supervision,
    User,
)
from notes.models import NoteFormat, NoteStatus, SessionNote
from notes.signature_hashes import note_digest

SLUG = "bench-web"
ZONE = "Europe/London"
# Synthetic accounts of a throw-away clinic; never a real person's password.
PASSWORD = "bench-web-synthetic-password"  # noqa: S105
EMAIL_DOMAIN = "bench.invalid"
EMAIL_PREFIX = "bench-web-"
WEEKS = 104
NOTES_PER_CLIENT = 8
CHUNK_CLIENTS = 200
SUPERVISOR_REACHED = dt.timedelta(days=21)
CHANNELS = [Channel.TEXT] * 4 + [Channel.EMAIL, Channel.PHONE, Channel.PORTAL]
PURPOSES = [p.value for p in Purpose]


@dataclass(frozen=True)
class Size:
    clients: int
    therapists: int
    supervisors: int
    contacts_per_client: int


def email(role: str, number: int) -> str:
    return f"{EMAIL_PREFIX}{role}-{number}@{EMAIL_DOMAIN}"


def dataset_find() -> Clinic | None:
    return Clinic.objects.filter(slug=SLUG).first()


def dataset_build(*, size: Size, now: dt.datetime, progress: bool = True) -> Clinic:
    """Build the clinic, its people, clients, contacts, notes and ruptures,
    then scan it as of three weeks ago and as of ``now``, so that it has
    flags, some of which have reached the supervisors."""
    rng = random.Random(19)  # noqa: S311 (synthetic data)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
        clinic = Clinic.objects.create(name="Web bench", slug=SLUG, timezone=ZONE)
        therapists = _people(clinic, Role.THERAPIST, size.therapists)
        supervisors = _people(clinic, Role.SUPERVISOR, size.supervisors)
        _people(clinic, Role.ADMIN, 1)
        _supervisions(clinic, supervisors, therapists, now)
        clients = _clients(clinic, therapists, size.clients, now)
        bar = tqdm(
            total=len(clients),
            desc="clients",
            unit="client",
            file=sys.stderr,
            disable=not progress,
        )
        for start in range(0, len(clients), CHUNK_CLIENTS):
            chunk = clients[start : start + CHUNK_CLIENTS]
            contacts_bulk_create(
                clinic=clinic,
                contacts=list(_contacts(chunk, size, now, rng)),
            )
            SessionNote.objects.bulk_create(_notes(chunk, now, rng), batch_size=1000)
            Rupture.objects.bulk_create(_ruptures(chunk, now, rng), batch_size=1000)
            bar.update(len(chunk))
        bar.close()
    # Statistics for every table the pages read, as autovacuum would have
    # them by the time a real clinic grew this large.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # Flags found three weeks ago have reached the supervisors by now.
    clinic_scan(clinic=clinic, now=now - SUPERVISOR_REACHED)
    clinic_scan(clinic=clinic, now=now)
    return clinic


def _people(clinic: Clinic, role: str, count: int) -> list[User]:
    # The server's first hasher, whatever this process's settings say (the
    # tests' are faster and unknown to the server).
    hasher = Argon2PasswordHasher()
    people = []
    for number in range(1, count + 1):
        user = User.objects.create_user(
            email=email(role, number), password=None, full_name=f"Bench {role} {number}"
        )
        user.password = hasher.encode(PASSWORD, hasher.salt())
        user.save(update_fields=["password"])
        Membership.objects.create(user=user, clinic=clinic, role=role)
        people.append(user)
    return people


def _supervisions(
    clinic: Clinic, supervisors: list[User], therapists: list[User], now: dt.datetime
) -> None:
    started = (now - dt.timedelta(weeks=WEEKS)).date()
    Supervision.objects.bulk_create(
        Supervision(
            clinic=clinic,
            supervisor=supervisors[number % len(supervisors)],
            supervisee=therapist,
            started_on=started,
            accepted_at=now - dt.timedelta(weeks=WEEKS),
        )
        for number, therapist in enumerate(therapists)
    )


def _clients(
    clinic: Clinic, therapists: list[User], count: int, now: dt.datetime
) -> list[Client]:
    started = (now - dt.timedelta(weeks=WEEKS, days=7)).date()
    return Client.objects.bulk_create(
        (
            Client(
                clinic=clinic,
                therapist=therapists[number % len(therapists)],
                code=f"BW-{number:05d}",
                status=ClientStatus.ACTIVE,
                started_on=started,
            )
            for number in range(1, count + 1)
        ),
        batch_size=1000,
    )


def _contacts(
    clients: list[Client], size: Size, now: dt.datetime, rng: random.Random
) -> Iterator[NewContact]:
    """About ``contacts_per_client`` each (a quarter to one and three
    quarters of it), mostly in the daytime, 70 % from the client, most of
    those answered within two days."""
    span = WEEKS * 7 * 86400
    for client in clients:
        count = max(1, round(size.contacts_per_client * (0.25 + 1.5 * rng.random())))
        for _ in range(count):
            day = now - dt.timedelta(seconds=rng.randint(86400, span))
            hour = rng.randint(9, 17) if rng.random() < 0.9 else rng.randint(0, 23)
            occurred = day.replace(hour=hour, minute=rng.randint(0, 59))
            from_client = rng.random() < 0.7
            responded = None
            if from_client and rng.random() < 0.85:
                answer = occurred + dt.timedelta(minutes=rng.randint(5, 2880))
                responded = min(answer, now)
            yield NewContact(
                client_id=client.pk,
                occurred_at=occurred,
                channel=rng.choice(CHANNELS),
                direction=Direction.FROM_CLIENT
                if from_client
                else Direction.FROM_THERAPIST,
                purpose=rng.choice(PURPOSES),
                responded_at=responded,
            )


def _notes(
    clients: list[Client], now: dt.datetime, rng: random.Random
) -> list[SessionNote]:
    """``NOTES_PER_CLIENT`` signed notes a client, the newest a week or two
    ago, inserted signed with the digest signing would store."""
    notes = []
    for client in clients:
        for number in range(NOTES_PER_CLIENT):
            session_at = now - dt.timedelta(
                weeks=1 + 6 * number, days=rng.randint(0, 4)
            )
            signed_at = session_at + dt.timedelta(hours=rng.randint(2, 30))
            note = SessionNote(
                client=client,
                author_id=client.therapist_id,
                session_at=session_at,
                format=NoteFormat.FREE,
                free_text="Session held.",
                created_at=session_at + dt.timedelta(hours=1),
                updated_at=signed_at,
                status=NoteStatus.SIGNED,
                signed_at=signed_at,
                signed_by_id=client.therapist_id,
            )
            note.content_sha256 = note_digest(note)
            notes.append(note)
    return notes


def _ruptures(
    clients: list[Client], now: dt.datetime, rng: random.Random
) -> list[Rupture]:
    """One in five clients has a rupture in the last two months."""
    return [
        Rupture(
            client=client,
            noticed_at=now - dt.timedelta(days=rng.randint(1, 60)),
            setting="between_sessions",
            channel=Channel.TEXT,
            kind=rng.choice(["withdrawal", "confrontation"]),
        )
        for client in clients
        if rng.random() < 0.2
    ]


# Dropping ---------------------------------------------------------------


def dataset_drop(clinic: Clinic) -> None:
    """Delete every row that belongs to the bench clinic or its people,
    found through the models' foreign keys (rows the benchmark's own
    requests wrote included)."""
    conditions = _ownership()
    order = sorted(conditions, key=lambda model: -conditions[model][1])
    params: dict[str, int | str] = {
        "clinic_id": clinic.pk,
        "emails": f"{EMAIL_PREFIX}%@{EMAIL_DOMAIN}",
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for model in order:
            sql = f"DELETE FROM {model._meta.db_table} WHERE {conditions[model][0]}"  # noqa: S608
            cursor.execute(sql, params)
        cursor.execute("DELETE FROM clinic_user WHERE email LIKE %(emails)s", params)
        cursor.execute("DELETE FROM clinic_clinic WHERE id = %(clinic_id)s", params)


def _ownership() -> dict[type[models.Model], tuple[str, int]]:
    """For each model that points (directly or through other models) at the
    clinic or its users: the SQL condition of its bench rows, and its level
    (one more than the highest of the models its condition reads), so that
    deleting from the highest level down reads no table already emptied."""
    roots = {
        Clinic: "= %(clinic_id)s",
        User: "IN (SELECT id FROM clinic_user WHERE email LIKE %(emails)s)",
    }
    candidates = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model not in roots and not model._meta.proxy
    ]
    found: dict[type[models.Model], tuple[str, int]] = {}
    for _ in range(6):  # chains are at most a few models long
        before = dict(found)
        for model in candidates:
            parts, level = [], 0
            for field in model._meta.concrete_fields:
                target = field.related_model
                if not field.is_relation or not isinstance(target, type):
                    continue
                if target in roots:
                    parts.append(f"{field.column} {roots[target]}")
                    level = max(level, 1)
                elif target in before and target is not model:
                    parent = target._meta
                    # Names from the models' metadata, never from input.
                    inner = f"SELECT {parent.pk.column} FROM {parent.db_table}"  # noqa: S608
                    parts.append(
                        f"{field.column} IN ({inner} WHERE {before[target][0]})"
                    )
                    level = max(level, before[target][1] + 1)
            if parts:
                found[model] = ("(" + " OR ".join(parts) + ")", level)
        if found == before:
            break
    return found


# What the load opens --------------------------------------------------------


def dataset_people(
    clinic: Clinic, *, now: dt.datetime
) -> dict[str, list[dict[str, Any]]]:
    """Each role's people and the paths they open: a therapist's busiest
    client (its timeline's first and a deep page) and a flag of their own; a
    supervisor's flag of a supervisee's client that has reached them."""
    people: dict[str, list[dict[str, Any]]] = {
        "anonymous": [{"email": "", "paths": {}}],
        "admin": [],
        "therapist": [],
        "supervisor": [],
    }
    memberships = Membership.objects.filter(clinic=clinic).select_related("user")
    for membership in memberships.order_by("role", "user_id"):
        user = membership.user
        paths = {"flag_queue": reverse("attachment:flag_queue")}
        if membership.role == Role.THERAPIST:
            paths.update(_therapist_paths(clinic, user, now))
        elif membership.role == Role.SUPERVISOR:
            flags = flags_readable(user=user, now=now).exclude(client__therapist=user)
            paths["flag"] = _flag_path(flags.order_by("pk").values_list("pk").first())
            paths["overview"] = reverse("attachment:overview")
        else:
            paths["clinic_overview"] = reverse("attachment:clinic_overview")
        people[membership.role].append({"email": user.email, "paths": paths})
    return people


def _therapist_paths(clinic: Clinic, user: User, now: dt.datetime) -> dict[str, str]:
    """The busiest client's pages; contacts are logged for the next busiest,
    so that the contacts one run logs (hundreds, all on the next-session
    agenda) do not make the pages the next run reads longer."""
    clients = list(
        Client.objects.filter(clinic=clinic, therapist=user)
        .annotate(contact_count=Count("contacts"))
        .order_by("-contact_count", "pk")[:2]
    )
    if not clients:
        raise ValueError(f"therapist {user.pk} has no clients")
    busiest, logged_for = clients[0], clients[-1]
    deep = max(2, math.ceil(busiest.contact_count / PER_PAGE))
    own = flags_readable(user=user, now=now).filter(client__therapist=user)
    timeline = reverse("attachment:timeline", args=[busiest.pk])
    return {
        "caseload": reverse("clinic:home"),
        "client": reverse("clinic:client", args=[busiest.pk]),
        "timeline": timeline,
        "timeline_deep": f"{timeline}?page={deep}",
        "contact_new": reverse("attachment:contact_new", args=[logged_for.pk]),
        "flag": _flag_path(own.order_by("pk").values_list("pk").first()),
    }


def _flag_path(found: tuple[int] | None) -> str:
    """A flag's page, or the queue when the person has no flag to open."""
    if found is None:
        return reverse("attachment:flag_queue")
    return reverse("attachment:flag_detail", args=[found[0]])
