"""``manage.py import_clients FILE.csv``: bring an existing caseload into a clinic."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

import pghistory
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clinic.imports import HEADER, clients_import_csv
from clinic.models import Clinic


class Command(BaseCommand):
    help = (
        "Import clients from a UTF-8 CSV file with the header "
        + ",".join(HEADER)
        + " (ISO dates; ended_on may be empty).  Every row is checked first; "
        "if any is bad, each is reported as 'line N: reason' and nothing is "
        "imported.  Importing the same file again changes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file")
        parser.add_argument(
            "--clinic",
            metavar="SLUG",
            help="the clinic to import into (needed when there are several)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = self._clinic(options["clinic"])
        try:
            data = options["file"].read_bytes()
        except OSError as error:
            raise CommandError(
                f"Cannot read {options['file']}: {error.strerror}"
            ) from error
        with pghistory.context(command="import_clients"):
            result = clients_import_csv(clinic=clinic, data=data, now=timezone.now())
        if not result.ok:
            for problem in result.errors:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(result.errors)} problem(s) found; nothing was imported."
            )
        self.stdout.write(
            f"Clients imported into '{clinic.slug}': {result.created} created, "
            f"{result.updated} updated, {result.unchanged} unchanged."
        )

    def _clinic(self, slug: str | None) -> Clinic:
        if slug is not None:
            clinic = Clinic.objects.filter(slug=slug).first()
            if clinic is None:
                raise CommandError(f"No clinic has the slug '{slug}'.")
            return clinic
        clinics = list(Clinic.objects.all()[:2])
        if not clinics:
            raise CommandError("There is no clinic yet; create one first.")
        if len(clinics) > 1:
            raise CommandError("There are several clinics; choose one with --clinic.")
        return clinics[0]
