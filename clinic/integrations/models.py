"""Integrations: other systems of the clinic that call the ingestion API.

An integration sees exactly one clinic.  Its token is shown once, when it is
issued; only the token's SHA-256 is stored (as for enrolment links, see
:mod:`clinic.administration.staff.enrolment`), so the row cannot be turned
back into a working token.
"""

from __future__ import annotations

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from clinic.models import Clinic, User


class IntegrationKind(models.TextChoices):
    PRACTICE_SYSTEM = "practice_system", "Practice management system"
    MESSAGING = "messaging", "Messaging service"
    TELEPHONY = "telephony", "Telephone system"
    OTHER = "other", "Other"


class Scope(models.TextChoices):
    CONTACTS_WRITE = "contacts:write", "Send contacts"
    CLIENTS_READ = "clients:read", "Read client codes and status"


# Tracked as every model is, but not its last call: that changes on every
# call, and would write a history row each time.
@pghistory.track(exclude=["last_call_at"])
class Integration(models.Model):
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="integrations"
    )
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=16, choices=IntegrationKind.choices)
    scopes = ArrayField(models.CharField(max_length=32, choices=Scope.choices))
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rotated_at = models.DateTimeField(null=True, blank=True)
    last_call_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "name"], name="integration_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(scopes__contained_by=Scope.values),
                name="integration_scopes_known",
            ),
            models.CheckConstraint(
                condition=Q(token_sha256__regex=r"^[0-9a-f]{64}$"),  # noqa: S106
                name="integration_token_digest_is_hex",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
