"""Create an integration from the shell and print its token once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from clinic.integrations.models import IntegrationKind
from clinic.integrations.services import integration_create
from clinic.models import Clinic


class Command(BaseCommand):
    help = "Create an integration of a clinic and print its token (shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", required=True, help="the clinic's slug")
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--kind", default=IntegrationKind.OTHER, choices=IntegrationKind.values
        )
        parser.add_argument(
            "--scopes", required=True, help="comma-separated, e.g. contacts:write"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = Clinic.objects.filter(slug=options["clinic"]).first()
        if clinic is None:
            raise CommandError("No clinic has this slug.")
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        try:
            integration, token = integration_create(
                actor=None,
                clinic=clinic,
                name=options["name"],
                kind=options["kind"],
                scopes=scopes,
                now=timezone.now(),
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            f"Integration {integration.pk} created. Its token, shown this once:\n"
            f"{token}\n"
        )
