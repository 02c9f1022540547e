"""The demo shows the report as a clinic would use it: DM-002's access report
names every role that opened the client's records."""

from __future__ import annotations

import csv
import io

from django.core.management import call_command


def test_the_demo_clients_report_lists_every_role(db, settings, tmp_path):
    settings.DEBUG = True  # as `make run` seeds it
    settings.AUDIT_ANCHOR_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command(
        "access_report",
        "--client",
        "DM-002",
        "--actor",
        "admin@demo.test",
        stdout=out,
        stderr=io.StringIO(),
    )
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    roles = {row["role"] for row in rows}
    assert {"treating", "supervising", "covering", "break-glass", "admin"} <= roles
    assert {row["client"] for row in rows} == {"DM-002"}
