"""``manage.py export_flags --clinic SLUG --actor EMAIL``: one clinic's flags
as CSV on stdout.

Codes, tiers, dates and statuses only: no explanation, no evidence, nothing a
client wrote.  The export names who asked for it: a clinic admin of that
clinic, or a superuser (the operator).  A supervisor alone may not, because a
supervisor reads only current supervisees' clients and the export covers the
whole clinic.  Each exported client gets an ``export`` event on its audit
trail, written before any row leaves, so that an export that fails half-way
is still on record.  Cells go through :mod:`clinic.csv_safety`.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from attachment.models import Flag
from clinic import access
from clinic.audit import audit_records
from clinic.csv_safety import csv_writer
from clinic.models import AuditAction, Client, Clinic, Role, User

HEADER = (
    "client_code",
    "kind",
    "tier",
    "window_start",
    "window_end",
    "status",
    "detected_at",
)


def _clinic(slug: str) -> Clinic:
    clinic = Clinic.objects.filter(slug=slug).first()
    if clinic is None:
        raise CommandError(f"no clinic with slug {slug!r}")
    return clinic


def _actor(email: str, clinic: Clinic) -> User:
    actor = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if actor is None:
        raise CommandError(f"no active user with the e-mail {email!r}")
    if not (actor.is_superuser or access.has_role(actor, Role.ADMIN, clinic)):
        raise CommandError(
            f"{email!r} may not export {clinic.slug!r}: only a clinic admin of "
            "that clinic or a superuser may"
        )
    return actor


def _audit_export(*, actor: User, client_ids: set[int], clinic: Clinic) -> None:
    """One ``export`` event per client, on that client's trail."""
    clients = Client.objects.filter(pk__in=client_ids).only("pk", "clinic_id")
    audit_records(
        actor=actor,
        action=AuditAction.EXPORT,
        at=timezone.now(),
        objs=list(clients.order_by("pk")),
        clinic_id=clinic.pk,
    )


class Command(BaseCommand):
    help = "Print one clinic's flags as CSV (no clinical text); audited per client."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", required=True, help="Slug of the clinic.")
        parser.add_argument(
            "--actor",
            required=True,
            help="E-mail of the clinic admin (or superuser) asking for the export.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = _clinic(options["clinic"])
        actor = _actor(options["actor"], clinic)
        rows = list(
            Flag.objects.filter(client__clinic=clinic)
            .order_by("client__code", "pk")
            .values_list(
                "client_id",
                "client__code",
                "kind",
                "tier",
                "window_start",
                "window_end",
                "status",
                "detected_at",
            )
        )
        _audit_export(actor=actor, client_ids={row[0] for row in rows}, clinic=clinic)
        writer = csv_writer(self.stdout, lineterminator="\n")
        writer.writerow(HEADER)
        for _, code, kind, tier, start, end, status, detected_at in rows:
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
        self.stderr.write(f"{len(rows)} flags exported")
