"""``manage.py enrolment_link``: the first link of a clinic's first admin."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from clinic.administration.staff.services import enrolment_link_from_the_shell
from clinic.models import Clinic, User
from clinic.refusals import Refused


class Command(BaseCommand):
    help = (
        "Print a one-time link through which a clinic member without an "
        "authenticator sets their password (if they have none) and enrols "
        "one. With MFA_REQUIRED on, nobody enrols without such a link; after "
        "the first clinic admin, clinic admins send them from the staff page."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", required=True, help="the clinic's slug")
        parser.add_argument("--email", required=True, help="the member's address")

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = Clinic.objects.filter(slug=options["clinic"]).first()
        if clinic is None:
            raise CommandError(f"No clinic with the slug {options['clinic']!r}.")
        person = User.objects.filter(email__iexact=options["email"]).first()
        if person is None:
            raise CommandError("No account with that address.")
        try:
            url = enrolment_link_from_the_shell(
                clinic=clinic, person=person, now=timezone.now()
            )
        except Refused as refusal:
            raise CommandError(refusal.message) from refusal
        self.stdout.write(
            "Give this link to the person only (it works once, for 7 days):"
        )
        self.stdout.write(url)
