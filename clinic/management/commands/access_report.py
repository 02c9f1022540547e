"""``manage.py access_report --client CODE [--clinic SLUG] [--since YYYY-MM-DD]
[--actor EMAIL]``: who read or changed one client's records, as CSV on stdout.

For a request that arrives by letter.  The columns are the report page's
download (``clinic.access_report.exports``): metadata only, formula-safe
cells.  The run is an ``export`` event on the client's trail, written before
any row leaves, naming the person who asked (``--actor``: a clinic admin of
the client's clinic or a superuser, as for ``export_flags``), or nobody when
the operator runs it without one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from clinic import access
from clinic.access_report import exports, selectors, services
from clinic.models import Client, Role, User


def _client(code: str, slug: str | None) -> Client:
    clients = Client.objects.filter(code=code).select_related("clinic")
    if slug is not None:
        clients = clients.filter(clinic__slug=slug)
    found = list(clients[:2])
    if not found:
        where = f" in clinic {slug!r}" if slug is not None else ""
        raise CommandError(f"no client with the code {code!r}{where}")
    if len(found) > 1:
        raise CommandError(
            f"clients with the code {code!r} exist in several clinics: "
            "name one with --clinic"
        )
    return found[0]


def _actor(email: str, client: Client) -> User:
    actor = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if actor is None:
        raise CommandError(f"no active user with the e-mail {email!r}")
    if not (actor.is_superuser or access.has_role(actor, Role.ADMIN, client.clinic)):
        raise CommandError(
            f"{email!r} may not export this client's access report: only a "
            "clinic admin of its clinic or a superuser may"
        )
    return actor


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--since takes a date as YYYY-MM-DD, not {text!r}"
        ) from None


class Command(BaseCommand):
    help = (
        "Print who read or changed one client's records (time in the clinic's "
        "time zone, person, role, action, kind of record, address) as CSV; "
        "never the records' text.  Audited as an export on the client."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client", required=True, help="The client's code.")
        parser.add_argument(
            "--clinic", help="Slug of the client's clinic, when codes repeat."
        )
        parser.add_argument(
            "--since", help="Only rows from this day on (YYYY-MM-DD, clinic time)."
        )
        parser.add_argument(
            "--actor",
            help="E-mail of the clinic admin (or superuser) asking for the report.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        client = _client(options["client"], options["clinic"])
        actor = _actor(options["actor"], client) if options["actor"] else None
        events = selectors.client_trail(client=client)
        if options["since"]:
            events = selectors.trail_since(
                events, day=_day(options["since"]), zone=client.clinic.zone
            )
        services.access_report_export_record(
            actor=actor, client=client, now=timezone.now()
        )
        rows = exports.csv_write(self.stdout, events, client=client)
        self.stderr.write(f"{rows} rows exported")
