"""``manage.py import_fhir BUNDLE.json --therapist EMAIL``: one client's
record from a FHIR R4 Bundle into the therapist's clinic, all or nothing.

Problems are listed as ``item N: reason`` and nothing is written; importing
the same bundle again writes nothing and says so
(:mod:`attachment.fhir.importer`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pghistory
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from attachment.fhir.importer import BundleRejected, fhir_import
from clinic.models import User


class Command(BaseCommand):
    help = (
        "Import one client's record from a FHIR R4 Bundle (as export_fhir writes "
        "it) for the therapist of EMAIL. Every entry is checked first; if any is "
        "bad, each is reported as 'item N: reason' and nothing is imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle", type=Path)
        parser.add_argument(
            "--therapist", required=True, help="E-mail of the client's new therapist."
        )
        parser.add_argument(
            "--clinic", help="Slug of the clinic, when the therapist works in several."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        therapist = User.objects.filter(
            email__iexact=options["therapist"].strip()
        ).first()
        if therapist is None:
            raise CommandError("no user with that e-mail")
        try:
            data = options["bundle"].read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read the file: {error.strerror}") from None
        try:
            with pghistory.context(command="import_fhir"):
                outcome = fhir_import(
                    text=data,
                    therapist=therapist,
                    now=timezone.now(),
                    clinic_slug=options["clinic"],
                )
        except BundleRejected as rejected:
            for problem in rejected.errors:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(rejected.errors)} problems found; nothing was imported."
            ) from None
        code = outcome.client.code
        if outcome.changed_nothing:
            self.stdout.write(
                f"Nothing new: the {outcome.already_imported} records of this "
                f"bundle were already imported for {code}."
            )
            return
        counts = ", ".join(
            f"{count} {model.rpartition('.')[2]}"
            for model, count in sorted(outcome.created.items())
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported for {code}: {counts}; {outcome.already_imported} were "
                f"already imported, {outcome.skipped} entries skipped."
            )
        )
