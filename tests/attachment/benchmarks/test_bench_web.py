"""The web benchmark on a tiny clinic: a real gunicorn, a real locust load of
a few seconds, and every page measured without an error."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from attachment.benchmarks.web_data import SLUG
from attachment.benchmarks.web_queries import PAGES
from attachment.models import Contact
from clinic.models import Client, Clinic, User

PAGE_NAMES = [name for name, *_ in PAGES]


def _table(output: str, heading: str) -> dict[str, list[str]]:
    """The rows under ``heading`` up to the next blank line, by page name."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.strip():
            break
        for name in PAGE_NAMES:
            if line.startswith(name):
                rows[name] = line[len(name) :].split()
    return rows


@pytest.mark.django_db(transaction=True)
def test_bench_web_measures_every_page_without_errors():
    out = io.StringIO()
    call_command(
        "bench_web",
        *("--clients", "8", "--therapists", "2", "--supervisors", "1"),
        *("--contacts-per-client", "40", "--workers", "1"),
        *("--mode", "mix", "--seconds", "4", "--warmup", "1", "--users", "4"),
        "--no-progress",
        stdout=out,
        stderr=io.StringIO(),
    )
    output = out.getvalue()

    assert "MFA_REQUIRED=false" in output
    rows = _table(output, "4 users")
    assert sorted(rows) == sorted(PAGE_NAMES)
    for name, (requests, errors, *_) in rows.items():
        assert int(requests) > 0, name
        assert int(errors) == 0, name
    queries = _table(output, "queries per request")
    assert sorted(queries) == sorted(PAGE_NAMES)
    for name, (count,) in queries.items():
        assert int(count) > 0, name
    # Kept for the next run, as a benchmark's data set is.
    assert Clinic.objects.filter(slug=SLUG).exists()


@pytest.mark.django_db(transaction=True)
def test_each_page_alone_then_drop_removes_the_data_set_and_its_people():
    out = io.StringIO()
    call_command(
        "bench_web",
        *("--clients", "4", "--therapists", "1", "--supervisors", "1"),
        *("--contacts-per-client", "10", "--workers", "1"),
        *("--mode", "pages", "--seconds", "0.5", "--warmup", "0", "--users", "1"),
        "--no-progress",
        "--drop",
        stdout=out,
        stderr=io.StringIO(),
    )

    rows = _table(out.getvalue(), "1 users (each page alone)")
    assert sorted(rows) == sorted(PAGE_NAMES)
    assert all(int(requests) > 0 for requests, *_ in rows.values())

    assert not Clinic.objects.filter(slug=SLUG).exists()
    assert not Client.objects.exists()
    assert not Contact.objects.exists()
    assert not User.objects.filter(email__endswith="@bench.invalid").exists()
