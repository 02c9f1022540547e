"""The engine's management commands: scan_patterns, export_flags, bench_scan."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from attachment.models import Flag
from clinic.models import AuditEvent, Clinic
from tests.attachment.engine.test_scan import contacts_at
from tests.attachment.factories import FlagFactory
from tests.factories import ClientFactory, UserFactory


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def flagged(clinic, therapist, now):
    client = ClientFactory(clinic=clinic, therapist=therapist, code="RV-007")
    contacts_at(
        client,
        [now - dt.timedelta(days=d) for d in (1, 2, 3, 4)],
        outside_agreement=True,
        summary="Synthetic text that must never be exported",
    )
    return client


def test_scan_patterns_scans_as_of_the_given_moment_and_prints_counts(
    clinic, flagged, now
):
    output = run("scan_patterns", "--clinic", "riverside", "--at", now.isoformat())

    assert "flags created=1 updated=0 no_longer_active=0" in output
    assert Flag.objects.get(client=flagged).detected_at == now
    assert "flags created=0 updated=0" in run("scan_patterns", "--at", now.isoformat())


def test_scan_patterns_refuses_an_unknown_clinic_or_moment(db):
    with pytest.raises(CommandError, match="no clinic"):
        run("scan_patterns", "--clinic", "nowhere")
    with pytest.raises(CommandError, match="ISO"):
        run("scan_patterns", "--at", "yesterday")


def export(clinic: str = "riverside", actor: str = "admin@example.test") -> str:
    return run("export_flags", "--clinic", clinic, "--actor", actor)


def test_export_flags_prints_codes_and_dates_only_and_is_audited(
    clinic, admin, flagged, now
):
    run("scan_patterns", "--at", now.isoformat())

    rows = list(csv.reader(io.StringIO(export())))

    assert rows[0] == [
        "client_code",
        "kind",
        "tier",
        "window_start",
        "window_end",
        "status",
        "detected_at",
    ]
    assert rows[1][:3] == ["RV-007", "policy_pattern", "yellow"]
    assert rows[1][5:] == ["open", now.isoformat()]
    assert len(rows) == 2
    (event,) = AuditEvent.objects.filter(action="export")
    assert (event.actor, event.clinic, event.object_type) == (
        admin,
        clinic,
        "clinic.client",
    )
    assert event.object_id == event.client_id == flagged.pk


def test_export_flags_exports_only_the_clinic_asked_for_one_event_per_client(
    clinic, other_clinic, admin, therapist, outsider
):
    first = ClientFactory(clinic=clinic, therapist=therapist, code="RV-001")
    second = ClientFactory(clinic=clinic, therapist=therapist, code="RV-002")
    ClientFactory(clinic=clinic, therapist=therapist, code="RV-003")  # no flags
    theirs = ClientFactory(clinic=other_clinic, therapist=outsider, code="HT-001")
    for client, flags in ((first, 3), (second, 1), (theirs, 1)):
        FlagFactory.create_batch(flags, client=client)

    rows = list(csv.reader(io.StringIO(export())))

    assert [row[0] for row in rows[1:]] == ["RV-001"] * 3 + ["RV-002"]
    events = AuditEvent.objects.filter(action="export")
    assert sorted(events.values_list("client_id", "object_id", "actor", "clinic")) == [
        (first.pk, first.pk, admin.pk, clinic.pk),
        (second.pk, second.pk, admin.pk, clinic.pk),
    ]


def test_export_flags_needs_a_clinic_and_an_actor(clinic, admin):
    for args in (("--actor", "admin@example.test"), ("--clinic", "riverside")):
        with pytest.raises(CommandError, match="required"):
            run("export_flags", *args)
    with pytest.raises(CommandError, match="no clinic"):
        export(clinic="nowhere")
    with pytest.raises(CommandError, match="no active user"):
        export(actor="nobody@example.test")
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.parametrize(
    "who", ["therapist", "supervisor", "outsider", "deactivated_admin"]
)
def test_export_flags_refuses_anyone_but_the_clinics_admin_or_a_superuser(
    request, clinic, admin, flagged, who
):
    if who == "deactivated_admin":
        admin.is_active = False
        admin.save(update_fields=["is_active"])
        actor = admin
    else:
        actor = request.getfixturevalue(who)
    FlagFactory(client=flagged)
    with pytest.raises(CommandError, match="may not export|no active user"):
        export(actor=actor.email.upper())
    assert not AuditEvent.objects.filter(action="export").exists()


def test_export_flags_lets_the_operator_export_any_clinic(clinic, flagged):
    operator = UserFactory(email="operator@example.test", is_superuser=True)
    FlagFactory(client=flagged)

    assert "RV-007" in export(actor="operator@example.test")
    assert AuditEvent.objects.get(action="export").actor == operator


def test_bench_scan_prints_its_figures_and_leaves_nothing_behind(as_owner):
    output = run(
        "bench_scan", "--clients", "40", "--contacts", "4000", "--therapists", "4"
    )

    lines = output.strip().splitlines()[-5:]
    assert [line.split("=")[0] for line in lines] == [
        "scan_seconds",
        "floor_seconds",
        "ratio",
        "peak_rss_mb",
        "queries",
    ]
    assert not Clinic.objects.filter(slug="bench-scan").exists()


def test_export_flags_carries_no_process_note_reflection_or_supervision_text(
    clinic, admin, therapist, supervisor, flagged, now
):
    """The flags CSV is one of the ways records leave: the texts kept apart
    never travel with it (as with the FHIR bundle and the client's copy)."""
    from tests.attachment.factories import SupervisionSessionFactory
    from tests.notes.factories import ProcessNoteFactory, ReflectionFactory

    secrets = ("ZQX process text", "ZQX reflection text", "ZQX supervision text")
    ProcessNoteFactory(client=flagged, text=secrets[0])
    ReflectionFactory(client=flagged, text=secrets[1])
    SupervisionSessionFactory(
        supervisor=supervisor, supervisee=therapist, notes=secrets[2]
    )
    run("scan_patterns", "--at", now.isoformat())

    exported = export()

    assert "RV-007" in exported
    assert not any(text in exported for text in secrets)
