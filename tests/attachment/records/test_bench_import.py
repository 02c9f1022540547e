"""The import benchmark: it times a real import, proves the second import adds
nothing, and leaves the database as it found it."""

from __future__ import annotations

import io

from django.core.management import call_command

from attachment.models import Contact
from clinic.models import Client, Clinic, User


def test_bench_import_prints_its_figures_and_leaves_nothing_behind(as_owner):
    out = io.StringIO()
    call_command(
        "bench_import",
        "--rows",
        "300",
        "--clients",
        "5",
        "--repeat",
        "2",
        stdout=out,
        stderr=io.StringIO(),
    )

    printed = dict(line.split("=", 1) for line in out.getvalue().split())
    figures = dict(line.split("=", 1) for line in out.getvalue().split()[-4:])
    assert set(figures) == {
        "runs",
        "import_seconds",
        "rows_per_second",
        "reimport_seconds",
    }
    assert figures["runs"] == "2"
    # The floor and the re-scan, each on a line of its own before them.
    for name in ("parse_seconds", "copy_seconds", "rescan_seconds"):
        assert float(printed[name]) >= 0, name
    assert float(printed["import_over_copy"]) >= 0
    assert float(figures["import_seconds"]) > 0
    assert not Clinic.objects.filter(slug="bench-import").exists()
    assert not Client.objects.filter(code__startswith="BI-").exists()
    assert not User.objects.filter(email__endswith="@bench.invalid").exists()
    assert Contact.objects.count() == 0
