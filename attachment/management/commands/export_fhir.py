"""``manage.py export_fhir --client CODE [--clinic SLUG] [--output FILE]``:
one client's record as a FHIR R4 Bundle, streamed to stdout or a file.

An operator's command: the export is on the client's audit trail with no
person (:func:`attachment.fhir.services.fhir_export_by_operator`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, BinaryIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from attachment.fhir import selectors, services
from clinic.models import Client


def _client(code: str, clinic_slug: str | None) -> Client:
    clients = selectors.operator_client(code=code, clinic_slug=clinic_slug)
    if not clients:
        raise CommandError("no client with that code")
    if len(clients) > 1:
        raise CommandError(
            "several clinics have a client with that code: name one with --clinic"
        )
    return clients[0]


class Command(BaseCommand):
    help = (
        "Write one client's record as a FHIR R4 Bundle (JSON). Process notes, "
        "reflections and supervision notes are never included. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client", required=True, help="The client's code.")
        parser.add_argument("--clinic", help="Slug of the clinic.")
        parser.add_argument(
            "--output", type=Path, help="File to write (default: stdout)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        client = _client(options["client"], options["clinic"])
        chunks = services.fhir_export_by_operator(client=client, now=timezone.now())
        output: Path | None = options["output"]
        if output is None:
            self._write(chunks, getattr(self.stdout, "_out", sys.stdout))
            return
        try:
            with output.open("wb") as stream:
                for chunk in chunks:
                    stream.write(chunk)
        except OSError as error:
            raise CommandError(f"cannot write the file: {error.strerror}") from None
        self.stderr.write(f"Wrote the bundle of {client.code} to {output}.")

    @staticmethod
    def _write(chunks: Any, stream: Any) -> None:
        binary: BinaryIO | None = getattr(stream, "buffer", None)
        for chunk in chunks:
            if binary is not None:
                binary.write(chunk)
            else:
                stream.write(chunk.decode("utf-8"))
        stream.flush()
