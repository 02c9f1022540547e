"""``manage.py export_flags [--clinic SLUG]``: every flag as CSV on stdout.

Codes, tiers, dates and statuses only: no explanation, no evidence, nothing a
client wrote.  The export is audited like any other.
"""

from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from attachment.models import Flag
from clinic.audit import audit_record
from clinic.models import AuditAction, Clinic

HEADER = (
    "client_code",
    "kind",
    "tier",
    "window_start",
    "window_end",
    "status",
    "detected_at",
)


class Command(BaseCommand):
    help = "Print flags as CSV (no clinical text)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", help="Slug of one clinic (default: all).")

    def handle(self, *args: Any, **options: Any) -> None:
        flags = Flag.objects.order_by("client__clinic_id", "client__code", "pk")
        clinic = None
        if options["clinic"]:
            clinic = Clinic.objects.filter(slug=options["clinic"]).first()
            if clinic is None:
                raise CommandError(f"no clinic with slug {options['clinic']!r}")
            flags = flags.filter(client__clinic=clinic)
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(HEADER)
        rows = flags.values_list(
            "client__code",
            "kind",
            "tier",
            "window_start",
            "window_end",
            "status",
            "detected_at",
        )
        count = 0
        for code, kind, tier, start, end, status, detected_at in rows.iterator():
            writer.writerow(
                [
                    code,
                    kind,
                    tier,
                    start.isoformat(),
                    end.isoformat(),
                    status,
                    detected_at.isoformat(),
                ]
            )
            count += 1
        audit_record(
            actor=None,
            action=AuditAction.EXPORT,
            at=timezone.now(),
            object_type="attachment.flag",
            clinic_id=clinic.pk if clinic else None,
        )
        self.stderr.write(f"{count} flags exported")
