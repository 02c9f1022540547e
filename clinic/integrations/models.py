"""Integrations: other systems of the clinic that call the ingestion API.

An integration sees exactly one clinic.  Its token is shown once, when it is
issued; only the token's SHA-256 is stored (as for enrolment links, see
:mod:`clinic.administration.staff.enrolment`), so the row cannot be turned
back into a working token.
"""

from __future__ import annotations

import uuid

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.functions import RandomUUID
from django.db import models
from django.db.models import Q

from clinic.models import Clinic, User


class IntegrationKind(models.TextChoices):
    PRACTICE_SYSTEM = "practice_system", "Practice management system"
    MESSAGING = "messaging", "Messaging service"
    TELEPHONY = "telephony", "Telephone system"
    OTHER = "other", "Other"
    # The adapters: each translates its system's deliveries onto the
    # contacts API (:mod:`attachment.ingestion.adapters`).
    SMS_VOICE_WEBHOOK = "sms_voice_webhook", "SMS and voice webhook (Twilio format)"
    SIGNED_WEBHOOK = "signed_webhook", "Signed JSON webhook"
    MAILBOX = "mailbox", "Practice mailbox (IMAP)"


# Kinds that sign their deliveries with ``Integration.signing_secret``.
SIGNED_KINDS = (IntegrationKind.SMS_VOICE_WEBHOOK, IntegrationKind.SIGNED_WEBHOOK)
RATE_PER_MINUTE_DEFAULT = 120


class Scope(models.TextChoices):
    CONTACTS_WRITE = "contacts:write", "Send contacts"
    CLIENTS_READ = "clients:read", "Read client codes and status"
    RECORDS_READ = "records:read", "Export a client's record (FHIR)"


# Tracked as every model is, but not its last call (that changes on every
# call, and would write a history row each time) nor its signing secret (a
# secret is kept once, not copied into the history).
@pghistory.track(exclude=["last_call_at", "signing_secret"])
class Integration(models.Model):
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="integrations"
    )
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=24, choices=IntegrationKind.choices)
    scopes = ArrayField(models.CharField(max_length=32, choices=Scope.choices))
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rotated_at = models.DateTimeField(null=True, blank=True)
    last_call_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Names the integration in a webhook's URL; not a secret (the signature is).
    # (The database default gives each existing row its own.)
    hook_id = models.UUIDField(
        default=uuid.uuid4, db_default=RandomUUID(), unique=True, editable=False
    )
    # The key a webhook's signature is checked with: the SMS service's auth
    # token (entered by the admin) or one Between issued for a signed webhook.
    # Kept as written, since checking a signature needs it; never shown again
    # and never in the operator's admin.
    signing_secret = models.CharField(max_length=128, blank=True, editable=False)
    rate_per_minute = models.PositiveIntegerField(
        default=RATE_PER_MINUTE_DEFAULT,
        help_text="Calls allowed a minute; more are answered 429.",
    )

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


class IntegrationDay(models.Model):
    """Calls and refusals of one integration on one day (UTC), counted as
    they happen; the admin's integrations page shows them.  Counters, not
    records: not tracked by history."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="days"
    )
    day = models.DateField()
    calls = models.PositiveIntegerField(default=0)
    refusals = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["integration", "-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "day"], name="integration_day_unique"
            )
        ]

    def __str__(self) -> str:
        return f"integration {self.integration_id} on {self.day}"


@pghistory.track()
class MailboxSettings(models.Model):
    """Where a practice-mailbox integration reads its mail.  The credentials
    stay in the environment: the row names the variables that hold them."""

    integration = models.OneToOneField(
        Integration, on_delete=models.CASCADE, related_name="mailbox"
    )
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    use_tls = models.BooleanField(default=True)
    folder = models.CharField(max_length=255, default="INBOX")
    username_env = models.CharField(
        max_length=64, help_text="The environment variable holding the user name."
    )
    password_env = models.CharField(
        max_length=64, help_text="The environment variable holding the password."
    )
    practice_addresses = models.TextField(
        help_text="The practice's own addresses, one a line: mail from them is "
        "from the therapist's side."
    )
    # Where the last poll stopped (IMAP UIDs are valid within one UIDVALIDITY).
    uid_validity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"mailbox of integration {self.integration_id}"
