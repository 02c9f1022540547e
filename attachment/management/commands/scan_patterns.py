"""``manage.py scan_patterns [--clinic SLUG] [--at ISO-DATETIME]``: a full
scan in this process, with a progress bar.

``--at`` scans as of that moment, as if the clock read it: records after it are
ignored and new flags are detected at it (for audits and evaluation).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from attachment.engine.scan import ScanCounts
from attachment.engine.services import ScanAlreadyRunning, clinic_scan_exclusive
from clinic.models import Clinic


def parse_moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--at is not an ISO date-time: {text!r}") from error
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return moment


class Command(BaseCommand):
    help = "Scan for between-session patterns now (or as of --at) and write flags."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", help="Slug of one clinic (default: all).")
        parser.add_argument(
            "--at", help="Scan as of this ISO date-time (UTC if no offset)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_moment(options["at"]) if options["at"] else timezone.now()
        clinics = Clinic.objects.order_by("pk")
        if options["clinic"]:
            clinics = clinics.filter(slug=options["clinic"])
            if not clinics.exists():
                raise CommandError(f"no clinic with slug {options['clinic']!r}")
        total = ScanCounts()
        for clinic in clinics:
            with tqdm(
                total=clinic.clients.count(),
                desc=f"scan {clinic.slug}",
                unit="client",
                file=self.stderr,
                disable=options["verbosity"] == 0,
            ) as bar:
                try:
                    counts = clinic_scan_exclusive(
                        clinic=clinic, now=now, progress=bar.update
                    )
                except ScanAlreadyRunning as refusal:
                    raise CommandError(str(refusal)) from refusal
            total.add(counts)
            self.stdout.write(f"{clinic.slug}: {counts}")
        self.stdout.write(
            f"flags created={total.created} updated={total.updated} "
            f"no_longer_active={total.deactivated}"
        )
