"""``manage.py seed_demo``: build the synthetic demo clinic, safely and repeatably."""

from __future__ import annotations

from typing import Any

import pghistory
from django.conf import settings
from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    OutputWrapper,
)
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from clinic import demo


class _BarStream:
    """Lets tqdm draw on the command's stderr without Django adding newlines."""

    def __init__(self, wrapper: OutputWrapper) -> None:
        self._wrapper = wrapper

    def write(self, text: str) -> None:
        self._wrapper.write(text, style_func=str, ending="")

    def flush(self) -> None:
        self._wrapper.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapper, name)


class Command(BaseCommand):
    help = (
        "Build the demo clinic with synthetic people and clients, then every app's "
        "demo records.  Idempotent; refuses a database that holds other clinics, "
        "and runs only with DEBUG on unless --allow-production is given with "
        "DEMO_PASSWORD set."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run with DEBUG off; needs DEMO_PASSWORD set to a password of "
            "your own.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            password = demo.demo_password(
                debug=settings.DEBUG,
                allow_production=options["allow_production"],
                password=settings.DEMO_PASSWORD,
            )
        except demo.DemoRefused as refusal:
            raise CommandError(refusal.message) from refusal
        now = timezone.now()
        total = demo.CLINIC_STEPS + len(demo.demo_seeders_in_order())
        with tqdm(
            total=total,
            file=_BarStream(self.stderr),
            desc="seed_demo",
            unit="step",
            disable=options["verbosity"] == 0,
        ) as bar:

            def advance(label: str) -> None:
                bar.set_postfix_str(label, refresh=False)
                bar.update()

            try:
                with transaction.atomic(), pghistory.context(command="seed_demo"):
                    result = demo.demo_seed(now=now, password=password, advance=advance)
            except demo.DemoRefused as refusal:
                raise CommandError(refusal.message) from refusal
        self._report(result)

    def _report(self, result: demo.DemoResult) -> None:
        new_rows = ", ".join(
            f"{app} {number}" for app, number in sorted(result.new_rows.items())
        )
        self.stdout.write(
            f"Demo clinic '{result.context.clinic.name}' is ready. "
            f"New rows this run: {new_rows or 'none'}."
        )
        for label, number in demo.demo_summary(result.context.clinic).items():
            self.stdout.write(f"  {label}: {number}")
        self.stdout.write(f"  operator for Django admin: {demo.OPERATOR_EMAIL}")
        if result.seeders:
            self.stdout.write(f"  app seeders run: {', '.join(result.seeders)}")
