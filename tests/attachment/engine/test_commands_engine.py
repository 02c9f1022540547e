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
from tests.factories import ClientFactory


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def flagged(clinic, therapist, now):
    client = ClientFactory(clinic=clinic, therapist=therapist, code="RV-007")
    contacts_at(
        client,
        [now - dt.timedelta(days=d) for d in (1, 2, 3)],
        channel_outside_policy=True,
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


def test_export_flags_prints_codes_and_dates_only_and_is_audited(clinic, flagged, now):
    run("scan_patterns", "--at", now.isoformat())

    rows = list(csv.reader(io.StringIO(run("export_flags", "--clinic", "riverside"))))

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
    assert AuditEvent.objects.filter(action="export", clinic=clinic).count() == 1


def test_bench_scan_prints_its_figures_and_leaves_nothing_behind(db):
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
