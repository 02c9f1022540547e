"""What the ingestion API has received: each delivered contact, by the
sender's own id, so that a repeated delivery changes nothing."""

from __future__ import annotations

import pghistory
from django.db import models

from attachment.models.contacts import Contact
from clinic.models import Integration


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
