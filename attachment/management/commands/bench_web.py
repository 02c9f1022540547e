"""``manage.py bench_web``: how fast the pages people open all day are under
load, against the anonymous sign-in page in the same run.

It builds (or reuses; ``--rebuild`` drops it first) a synthetic clinic
``bench-web`` (attachment/benchmarks/web_data.py), starts gunicorn with the
production settings on a loopback port (attachment/benchmarks/web_server.py:
``DEBUG`` off, ``MFA_REQUIRED=false`` so the synthetic accounts sign in with
a password alone, follow-up work queued on Redis and not run) and drives it
with locust, headless, for ``--seconds`` at each of ``--users`` concurrent
users (attachment/benchmarks/web_load.py): by default each page alone in
turn, or with ``--mode mix`` the roles at once.  For each page it prints
requests, errors, requests per second, p50/p95/p99 in milliseconds and the ratio of
its p95 to the sign-in page's; then the queries of one request of each page
(attachment/benchmarks/web_queries.py).  The clinic is kept for the next run
unless ``--drop``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from attachment.benchmarks.web_data import (
    PASSWORD,
    Size,
    dataset_build,
    dataset_drop,
    dataset_find,
    dataset_people,
)
from attachment.benchmarks.web_queries import PAGES
from attachment.benchmarks.web_server import (
    Server,
    ServerError,
    broker_empty,
    server_env,
)
from attachment.models import Contact, Flag
from clinic.models import Client

SETUP = "setup: "
ORDER = [name for name, *_ in PAGES] + [f"{SETUP}sign-in form", f"{SETUP}sign in"]
FLOOR = ORDER[0]
ROLES = 4  # anonymous, therapist, supervisor, admin: one user each at once


def _users(value: str) -> list[int]:
    counts = [int(part) for part in value.split(",") if part.strip()]
    if not counts or min(counts) < 1:
        raise ValueError(value)
    return counts


class Command(BaseCommand):
    help = "Measure the main pages under load with locust against gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clients", type=int, default=2000)
        parser.add_argument("--therapists", type=int, default=20)
        parser.add_argument("--supervisors", type=int, default=4)
        parser.add_argument(
            "--contacts-per-client",
            type=int,
            default=120,
            help="Mean contacts of a client over the two years.",
        )
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument(
            "--mode",
            choices=["pages", "mix"],
            default="pages",
            help="pages: each page alone in turn, --seconds each; "
            "mix: the roles at once, weighted, --seconds in all.",
        )
        parser.add_argument(
            "--seconds", type=float, default=10, help="Measured load time."
        )
        parser.add_argument(
            "--warmup", type=float, default=5, help="Unmeasured seconds first."
        )
        parser.add_argument("--users", type=_users, default=[1, 20], help="e.g. 1,20")
        parser.add_argument(
            "--rebuild", action="store_true", help="Drop and rebuild the data set."
        )
        parser.add_argument(
            "--drop", action="store_true", help="Drop the data set at the end."
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = self._dataset(options)
        try:
            plan: dict[str, Any] = {
                "password": PASSWORD,
                "people": dataset_people(clinic, now=timezone.now()),
            }
            runs = []
            # As a deployment does: DEBUG off serves the hashed static files,
            # collected with the server's settings (their manifest storage).
            subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
                [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
                env=server_env(),
                cwd=settings.BASE_DIR,
                check=True,
            )
            try:
                server = Server(options["workers"])
            except ServerError as error:
                raise CommandError(str(error)) from error
            try:
                plan["host"] = server.url
                # Unmeasured: each gunicorn worker's first requests import
                # and compile what the later ones reuse.
                plan.update(users=ROLES, seconds=options["warmup"], mode="mix")
                self._module("web_load", plan)
                for users in options["users"]:
                    self.stderr.write(f"load: {users} users, {options['seconds']} s")
                    plan.update(
                        users=users, seconds=options["seconds"], mode=options["mode"]
                    )
                    runs.append((users, self._module("web_load", plan)))
            finally:
                server.stop()
            queries = self._module("web_queries", plan)
            self._report(clinic, options, runs, queries)
        finally:
            broker_empty()
            if options["drop"]:
                dataset_drop(clinic)

    def _dataset(self, options: dict[str, Any]):
        clinic = dataset_find()
        if clinic is not None and options["rebuild"]:
            dataset_drop(clinic)
            clinic = None
        if clinic is not None:
            clients = Client.objects.filter(clinic=clinic).count()
            self.stderr.write(
                f"reusing the bench-web data set of {clients} clients (--rebuild "
                "to build it at the size asked for)"
            )
            return clinic
        size = Size(
            clients=options["clients"],
            therapists=options["therapists"],
            supervisors=options["supervisors"],
            contacts_per_client=options["contacts_per_client"],
        )
        started = time.perf_counter()
        clinic = dataset_build(
            size=size, now=timezone.now(), progress=not options["no_progress"]
        )
        self.stderr.write(
            f"built the data set in {time.perf_counter() - started:.0f} s"
        )
        return clinic

    def _module(self, name: str, plan: dict[str, Any]) -> Any:
        """Run attachment.benchmarks.<name> in a process of its own with the
        server's environment; its JSON answer."""
        done = subprocess.run(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", f"attachment.benchmarks.{name}"],
            input=json.dumps(plan),
            capture_output=True,
            text=True,
            env=server_env(),
            cwd=settings.BASE_DIR,
            check=False,
        )
        if done.returncode != 0:
            raise CommandError(f"{name} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout)

    def _report(
        self,
        clinic: Any,
        options: dict[str, Any],
        runs: list[tuple[int, dict[str, Any]]],
        queries: dict[str, Any],
    ) -> None:
        clients = Client.objects.filter(clinic=clinic).count()
        contacts = Contact.objects.filter(client__clinic=clinic).count()
        flags = Flag.objects.filter(client__clinic=clinic).count()
        write = self.stdout.write
        write(
            f"data set: {clients} clients, {contacts} contacts, {flags} flags; "
            f"gunicorn {options['workers']} workers, DEBUG off, MFA_REQUIRED=false "
            "(synthetic accounts, password only)"
        )
        for users, result in runs:
            pages = result["pages"]
            floor = pages.get(FLOOR, {}).get("p95") or float("nan")
            write("")
            write(
                f"{users} users ({result['mode']}), {options['seconds']:g} s "
                "measured after signing in"
            )
            write(
                f"{'page':<28}{'requests':>9}{'errors':>7}{'req/s':>8}"
                f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'p95/sign-in':>12}"
            )
            for name in sorted(pages, key=ORDER.index):
                row = pages[name]
                ratio = "-" if name.startswith(SETUP) else f"{row['p95'] / floor:.1f}"
                write(
                    f"{name:<28}{row['requests']:>9}{row['errors']:>7}"
                    f"{row['per_second']:>8.1f}{row['p50']:>8.0f}{row['p95']:>8.0f}"
                    f"{row['p99']:>8.0f}{ratio:>12}"
                )
                if row["errors"]:
                    write(f"  first error: {row['error_sample']}")
        write("")
        write("queries per request (one signed-in request, in-process)")
        write(f"{'page':<28}{'queries':>9}")
        for name, count in queries.items():
            write(f"{name:<28}{count:>9}")
