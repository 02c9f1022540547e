"""``manage.py seed_demo``: the demo clinic, built repeatably and only where safe."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import Counter

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from clinic import access, extensions
from clinic.models import (
    CRISIS_REPLY_MINUTES_DEFAULT,
    Absence,
    AuditAction,
    AuditEvent,
    BreakGlassGrant,
    BreakGlassVerdict,
    Client,
    ClientStatus,
    Clinic,
    ContactPolicy,
    Membership,
    Role,
    Supervision,
    User,
)
from tests.factories import ClinicFactory

DEMO_EMAILS = {
    "therapist@demo.test": {Role.THERAPIST},
    "trainee@demo.test": {Role.THERAPIST},
    "therapist2@demo.test": {Role.THERAPIST},
    "supervisor@demo.test": {Role.THERAPIST, Role.SUPERVISOR},
    "admin@demo.test": {Role.ADMIN},
    "admin2@demo.test": {Role.ADMIN},
    "cover@demo.test": {Role.THERAPIST},
}


@pytest.fixture(autouse=True)
def development(settings):
    """``make run`` seeds with DEBUG on; the refusal tests turn it off."""
    settings.DEBUG = True
    settings.DEMO_PASSWORD = ""


@pytest.fixture
def clinic_part_only(monkeypatch):
    """Seed without the other apps' seeders, for tests about the clinic part.

    The runs with every seeder are the idempotency and refusal tests; the
    other apps test the content of their own parts.
    """
    monkeypatch.setattr(extensions, "demo_seeders", {})


def seed(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def row_counts() -> dict[str, int]:
    """Rows of every table the project owns, history and audit included."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def new_rows(out: str) -> str:
    return out.split("New rows this run: ", 1)[1].split(".", 1)[0]


def client_rows() -> list[tuple]:
    return list(
        Client.objects.order_by("code").values_list(
            "code",
            "therapist__email",
            "preferred_name",
            "status",
            "started_on",
            "ended_on",
        )
    )


def demo_today() -> dt.date:
    return dt.datetime.now(Clinic.objects.get(slug="demo").zone).date()


def can_sign_in(email: str, password: str) -> bool:
    request = RequestFactory().post("/accounts/login/")
    return authenticate(request, username=email, password=password) is not None


@pytest.mark.django_db
def test_seeding_twice_leaves_exactly_the_same_rows():
    seed()
    counts, clients = row_counts(), client_rows()
    seed()
    assert row_counts() == counts
    assert client_rows() == clients
    # DM-001 … DM-030, and DM-R01, ended long ago, past retention.
    assert counts["clinic.Client"] == 31
    assert counts["clinic.AuditEvent"] > 0


@pytest.mark.django_db
def test_it_refuses_a_database_holding_another_clinic_and_writes_nothing():
    ClinicFactory(slug="hilltop", name="Hilltop Practice")
    counts = row_counts()
    with pytest.raises(CommandError, match="besides the demo clinic"):
        seed()
    assert row_counts() == counts
    assert not Clinic.objects.filter(slug="demo").exists()
    assert not User.objects.filter(email__endswith="@demo.test").exists()


@pytest.mark.django_db
def test_with_debug_off_it_refuses_and_writes_nothing(settings):
    settings.DEBUG = False
    settings.DEMO_PASSWORD = "an-operators-own-demo-secret-7"
    counts = row_counts()
    with pytest.raises(CommandError, match="DEBUG is off.*--allow-production"):
        seed()
    assert row_counts() == counts


@pytest.mark.django_db
def test_allow_production_without_a_demo_password_of_its_own_refuses(settings):
    settings.DEBUG = False
    counts = row_counts()
    for password in ("", "between-demo-2026"):
        settings.DEMO_PASSWORD = password
        with pytest.raises(CommandError, match="needs DEMO_PASSWORD"):
            seed("--allow-production")
    assert row_counts() == counts


@pytest.mark.django_db
@pytest.mark.usefixtures("clinic_part_only")
def test_allow_production_with_a_demo_password_seeds_with_that_password(settings):
    settings.DEBUG = False
    settings.DEMO_PASSWORD = "an-operators-own-demo-secret-7"
    seed("--allow-production")
    assert can_sign_in("operator@demo.test", "an-operators-own-demo-secret-7")
    assert not can_sign_in("operator@demo.test", "between-demo-2026")


@pytest.mark.django_db
def test_it_refuses_even_when_the_demo_is_already_there_beside_another_clinic():
    seed()
    ClinicFactory(slug="hilltop", name="Hilltop Practice")
    Absence.objects.filter(note="Study leave").delete()
    counts = row_counts()
    with pytest.raises(CommandError):
        seed()
    assert row_counts() == counts


@pytest.mark.django_db
@pytest.mark.usefixtures("clinic_part_only")
def test_every_demo_login_works_with_the_demo_password_after_two_runs(settings):
    settings.DEMO_PASSWORD = "a-different-demo-secret-42"
    seed()
    seed()
    for email in [*DEMO_EMAILS, "operator@demo.test"]:
        assert can_sign_in(email, "a-different-demo-secret-42"), email
    assert not can_sign_in("therapist@demo.test", "between-demo-2026")


@pytest.mark.django_db
@pytest.mark.usefixtures("clinic_part_only")
def test_a_rerun_restores_a_demo_password_that_was_changed():
    seed()
    user = User.objects.get(email="trainee@demo.test")
    user.set_password("changed-by-someone-77")
    user.save()
    seed()
    assert can_sign_in("trainee@demo.test", "between-demo-2026")


@pytest.mark.django_db
@pytest.mark.usefixtures("clinic_part_only")
def test_roles_and_supervision_links_are_as_specified():
    seed()
    demo = Clinic.objects.get(slug="demo")
    assert (demo.name, demo.timezone) == ("Demo Practice", "Europe/London")
    for email, roles in DEMO_EMAILS.items():
        user = User.objects.get(email=email)
        assert set(user.memberships.values_list("role", flat=True)) == roles, email
        assert user.memberships.filter(clinic=demo).count() == len(roles)
        assert not user.is_staff and not user.is_superuser
        assert user.full_name and "@" not in user.full_name
    links = {
        (link.supervisor.email, link.supervisee.email): link.cosign_required
        for link in Supervision.objects.select_related("supervisor", "supervisee")
    }
    assert links == {
        ("supervisor@demo.test", "therapist@demo.test"): False,
        ("supervisor@demo.test", "trainee@demo.test"): True,
    }
    today = demo_today()
    assert Supervision.objects.current(today).count() == 2
    operator = User.objects.get(email="operator@demo.test")
    assert operator.is_superuser and operator.is_staff
    assert not Membership.objects.filter(user=operator).exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("clinic_part_only")
def test_thirty_clients_are_spread_over_three_clinicians_with_sensible_dates():
    seed()
    clients = list(Client.objects.select_related("therapist"))
    caseloads = Counter(client.therapist.email for client in clients)
    assert caseloads == {
        "therapist@demo.test": 12,
        "trainee@demo.test": 8,
        "therapist2@demo.test": 10,
    }
    today = demo_today()
    statuses = Counter(client.status for client in clients)
    assert set(statuses) == set(ClientStatus)
    for client in clients:
        assert client.code.startswith("DM-")
        assert client.preferred_name
        assert today - dt.timedelta(days=2 * 366) <= client.started_on < today
        if client.status == ClientStatus.ENDED:
            assert client.started_on < client.ended_on < today
        elif client.status == ClientStatus.ENDING:
            assert client.ended_on > today
        else:
            assert client.ended_on is None


@pytest.mark.django_db
@pytest.mark.usefixtures("clinic_part_only")
def test_story_clients_have_fixed_codes_statuses_and_the_absence_they_need():
    seed()
    today = demo_today()
    stories = {
        client.code: client
        for client in Client.objects.filter(
            code__in=["DM-001", "DM-002", "DM-003", "DM-004"]
        ).select_related("therapist")
    }
    assert {client.therapist.email for client in stories.values()} == {
        "therapist@demo.test"
    }
    assert [stories[code].status for code in sorted(stories)] == [
        ClientStatus.ACTIVE,
        ClientStatus.ACTIVE,
        ClientStatus.ACTIVE,
        ClientStatus.ENDED,
    ]
    assert today - stories["DM-004"].ended_on == dt.timedelta(weeks=8)
    vacation = Absence.objects.get(
        therapist__email="therapist@demo.test", note="Annual leave"
    )
    assert vacation.covering_therapist.email == "therapist2@demo.test"
    assert (vacation.ends_on - vacation.starts_on).days == 13
    assert today - vacation.ends_on == dt.timedelta(weeks=6)
    assert vacation.starts_on > stories["DM-003"].started_on
    leave = Absence.objects.get(therapist__email="trainee@demo.test")
    assert leave.starts_on - today == dt.timedelta(weeks=5)


@pytest.mark.django_db
@pytest.mark.usefixtures("clinic_part_only")
def test_the_cover_covers_an_absence_of_the_therapist_on_the_seed_day():
    seed()
    today = demo_today()
    cover = User.objects.get(email="cover@demo.test")
    assert not Client.objects.filter(therapist=cover).exists()
    absence = Absence.objects.get(covering_therapist=cover)
    assert absence.therapist.email == "therapist@demo.test"
    assert absence.starts_on <= today <= absence.ends_on
    dm_002 = Client.objects.get(code="DM-002")
    assert access.client_for_cover(cover, dm_002.pk, now=timezone.now()).absence
    assert AuditEvent.objects.filter(
        actor=cover,
        action=AuditAction.READ,
        object_type=access.COVER_PAGE,
        object_id=absence.pk,
        client_id=dm_002.pk,
    ).exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("clinic_part_only")
def test_one_break_glass_access_is_already_reviewed_by_the_admin():
    seed()
    grant = BreakGlassGrant.objects.select_related("client", "grantee").get()
    assert (grant.client.code, grant.grantee.email) == (
        "DM-002",
        "therapist2@demo.test",
    )
    assert grant.verdict == BreakGlassVerdict.JUSTIFIED
    assert grant.reviewed_by.email == "admin@demo.test"
    assert grant.expires_at < timezone.now()
    assert set(
        AuditEvent.objects.filter(
            object_id=grant.pk,
            client_id=grant.client_id,
            actor__in=[grant.grantee, grant.reviewed_by],
        ).values_list("action", "object_type")
    ) == {
        (AuditAction.CREATE, "clinic.breakglassgrant"),
        (AuditAction.READ, access.BREAK_GLASS_PAGE),
        (AuditAction.UPDATE, "clinic.breakglassgrant"),
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("clinic_part_only")
def test_the_clinics_frame_and_crisis_lines_are_set():
    """Per-client terms are agreements, seeded by the records' demo part."""
    seed()
    frame = ContactPolicy.objects.get(clinic__slug="demo")
    assert frame.allowed_channels == ["text", "email", "phone", "voicemail", "portal"]
    assert [frame.hours_on(day) for day in range(7)] == [
        (dt.time(9), dt.time(18))
    ] * 5 + [None, None]
    assert frame.weekly_limit == 3
    assert frame.response_window_hours == 24
    assert not frame.after_ending_allowed
    assert frame.crisis_reply_minutes == CRISIS_REPLY_MINUTES_DEFAULT
    assert "not a real service" in frame.clinic.crisis_lines
    assert ContactPolicy.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("clinic_part_only")
def test_registered_demo_seeders_run_in_order_with_the_demo_context():
    calls: list[tuple[str, extensions.DemoContext, tuple]] = []

    def recorder(key: str):
        def seed_part(demo: extensions.DemoContext) -> None:
            calls.append((key, demo, demo.rng.getstate()))

        return seed_part

    probes = [
        extensions.DemoSeeder(key="test-late", order=-999_998, seed=recorder("late")),
        extensions.DemoSeeder(key="test-early", order=-999_999, seed=recorder("early")),
    ]
    for probe in probes:
        extensions.register_demo_seeder(probe)
    try:
        out, _ = seed()
    finally:
        for probe in probes:
            extensions.demo_seeders.pop(probe.key)
    assert [key for key, _, _ in calls[:2]] == ["early", "late"]
    _, demo, rng_state = calls[0]
    assert demo.clinic.slug == "demo"
    assert {key: user.email for key, user in demo.people.items()} == {
        "therapist": "therapist@demo.test",
        "trainee": "trainee@demo.test",
        "therapist2": "therapist2@demo.test",
        "supervisor": "supervisor@demo.test",
        "admin": "admin@demo.test",
    }
    assert {key: client.code for key, client in demo.stories.items()} == {
        "repaired_rupture": "DM-001",
        "rising_contact": "DM-002",
        "life_transition": "DM-003",
        "after_ending": "DM-004",
    }
    assert len(demo.clients) == 30
    assert len(demo.stable) == 26
    assert not set(demo.stable) & set(demo.stories.values())
    assert demo.now.tzinfo is not None
    assert rng_state == random.Random(2026).getstate()
    assert "app seeders run: test-early, test-late" in out


@pytest.mark.django_db
@pytest.mark.usefixtures("clinic_part_only")
def test_it_shows_a_progress_bar_and_reports_counts_without_names():
    out, err = seed()
    assert "100%" in err
    assert "clients: 30" in out
    # 55 rows, an audit event for each but the break-glass grant, the grant's
    # three (opened, read, reviewed) and the cover's read.
    assert "clinic 113" in new_rows(out)
    names = set(Client.objects.values_list("preferred_name", flat=True))
    assert not any(name in out for name in names)
    out_again, _ = seed()
    assert "clinic 0" in new_rows(out_again)
    assert all(part.endswith(" 0") for part in new_rows(out_again).split(", "))
