"""``manage.py import_contacts FILE.csv [--clinic SLUG]``: all rows or none."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pghistory
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from attachment.records.imports import HEADER, ImportRejected, contacts_import, decode
from clinic.models import Clinic


class Command(BaseCommand):
    help = (
        "Import between-session contacts from a CSV file with the header "
        f"{','.join(HEADER)}. Every row is checked first; if any is bad, each "
        "is reported as 'line N: reason' and nothing is imported. Rows already "
        "imported are skipped, so importing the same file twice adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--clinic", help="Slug of the clinic (needed when there are several)."
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not show a progress bar."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = self._clinic(options["clinic"])
        try:
            data = options["file"].read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read the file: {error.strerror}") from None
        started = time.perf_counter()
        try:
            with pghistory.context(command="import_contacts"):
                result = contacts_import(
                    clinic=clinic,
                    text=decode(data),
                    now=timezone.now(),
                    progress=not options["no_progress"],
                )
        except ImportRejected as rejected:
            for problem in rejected.errors:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(rejected.errors)} problems found; nothing was imported."
            ) from None
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.created} contacts for {len(result.clients)} "
                f"clients; {result.already_recorded} rows were already recorded "
                f"({seconds:.1f} s)."
            )
        )

    def _clinic(self, slug: str | None) -> Clinic:
        if slug:
            clinic = Clinic.objects.filter(slug=slug).first()
            if clinic is None:
                raise CommandError("No clinic has that slug.")
            return clinic
        clinics = list(Clinic.objects.all()[:2])
        if len(clinics) != 1:
            raise CommandError("Give the clinic with --clinic SLUG.")
        return clinics[0]
