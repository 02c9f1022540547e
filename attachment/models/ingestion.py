"""What the ingestion API has received: each delivered contact, by the
sender's own id, so that a repeated delivery changes nothing; the clients'
contact addresses that name a client in a delivery; and the unmatched inbox,
where a message from or to an address nobody has waits to be assigned.

Addresses are normalised before they are stored (:mod:`attachment.ingestion.addresses`):
phone numbers in E.164, e-mail addresses lower-cased.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q

from attachment.models.contacts import MAX_CALL_MINUTES, Contact, Direction
from clinic.models import Channel, Client, Clinic, Integration


class AddressKind(models.TextChoices):
    PHONE = "phone", "Phone number"
    EMAIL = "email", "E-mail address"


@pghistory.track()
class ClientAddress(models.Model):
    """A phone number or e-mail address of a client.  Unique within the
    clinic among addresses in use; an ended client's address is released
    (``released_at``) when another client's record claims it."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="addresses"
    )
    kind = models.CharField(max_length=8, choices=AddressKind.choices)
    value = models.CharField(max_length=254)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "value"],
                condition=Q(released_at__isnull=True),
                name="client_address_unique_in_use_per_clinic",
            ),
            models.CheckConstraint(
                condition=(Q(kind="phone") & Q(value__regex=r"^\+[1-9][0-9]{6,14}$"))
                | (Q(kind="email") & Q(value__regex=r"^[^@\sA-Z]+@[^@\sA-Z]+$")),
                name="client_address_normalised",
            ),
        ]
        indexes = [models.Index(fields=["client"], name="client_address_client")]

    def __str__(self) -> str:
        return f"address #{self.pk} of client {self.client_id}"


class UnmatchedResolution(models.TextChoices):
    ASSIGNED = "assigned", "Assigned to a client"
    DISCARDED = "discarded", "Discarded"


# The history leaves out the address: the row itself is deleted when the
# retention ends, and the address must not outlive it there.
@pghistory.track(exclude=["address"])
class UnmatchedMessage(models.Model):
    """A delivered message whose address no current client has: metadata
    only, never a body.  Assigned, it becomes a contact with its own time;
    discarded, it is kept as a decision until the retention ends.  Deleted
    ``Clinic.unmatched_retention_days`` after it arrived."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    integration = models.ForeignKey(
        Integration, on_delete=models.PROTECT, related_name="unmatched"
    )
    external_id = models.CharField(max_length=128)
    address = models.CharField(max_length=254)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    direction = models.CharField(max_length=16, choices=Direction.choices)
    occurred_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    message_length = models.PositiveIntegerField(null=True, blank=True)
    received_at = models.DateTimeField()
    resolution = models.CharField(
        max_length=16, choices=UnmatchedResolution.choices, blank=True
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    contact = models.OneToOneField(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="unmatched_origin",
    )

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "external_id"],
                name="unmatched_message_unique_per_integration",
            ),
            models.CheckConstraint(
                condition=(
                    Q(resolution="", resolved_at__isnull=True, contact__isnull=True)
                    | Q(resolution="discarded", resolved_at__isnull=False)
                    | Q(resolution="assigned", resolved_at__isnull=False)
                ),
                name="unmatched_message_resolution_complete",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True)
                | Q(duration_minutes__lte=MAX_CALL_MINUTES),
                name="unmatched_message_duration_at_most_a_day",
            ),
        ]
        indexes = [
            models.Index(
                fields=["clinic", "received_at"], name="unmatched_clinic_received"
            )
        ]

    def __str__(self) -> str:
        return f"unmatched message #{self.pk}"


@pghistory.track()
class ContactDelivery(models.Model):
    integration = models.ForeignKey(
        Integration, on_delete=models.PROTECT, related_name="deliveries"
    )
    external_id = models.CharField(max_length=128)
    contact = models.OneToOneField(
        Contact, on_delete=models.PROTECT, related_name="delivery"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "external_id"],
                name="contact_delivery_unique_per_integration",
            )
        ]

    def __str__(self) -> str:
        return f"delivery #{self.pk} of integration {self.integration_id}"
