"""The shapes of the API's bodies, for its OpenAPI schema.

The items are checked by the CSV import's rules in
:mod:`attachment.ingestion.services`, item by item, so that one bad item
loses no good one; these serializers describe them and check nothing.
"""

from __future__ import annotations

from rest_framework import serializers

from attachment.ingestion.services import (
    EXTERNAL_ID_MAX,
    MESSAGE_LENGTH_MAX,
    PREVIEW_MAX,
)
from attachment.models import MAX_CALL_MINUTES, SUMMARY_MAX_LENGTH, Direction, Purpose
from clinic.models import Channel, ClientStatus


class ContactItemSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=EXTERNAL_ID_MAX)
    client = serializers.CharField(
        required=False,
        help_text="The client's code; or name the client by `address`.",
    )
    address = serializers.CharField(
        required=False,
        help_text="The phone number or e-mail address the message came from or "
        "went to; an address no client has sends the item to the unmatched inbox.",
    )
    occurred_at = serializers.CharField(help_text="ISO 8601 with a UTC offset.")
    channel = serializers.ChoiceField(choices=Channel.values)
    direction = serializers.ChoiceField(choices=Direction.values)
    purpose = serializers.ChoiceField(
        choices=["", *Purpose.values],
        required=False,
        allow_blank=True,
        help_text="Empty or absent: unclassified until the therapist sets it.",
    )
    duration_minutes = serializers.IntegerField(
        min_value=0, max_value=MAX_CALL_MINUTES, required=False, allow_null=True
    )
    duration_seconds = serializers.IntegerField(
        min_value=0,
        max_value=MAX_CALL_MINUTES * 60,
        required=False,
        allow_null=True,
        help_text="Instead of duration_minutes; rounded up to whole minutes.",
    )
    message_length = serializers.IntegerField(
        min_value=0,
        max_value=MESSAGE_LENGTH_MAX,
        required=False,
        allow_null=True,
        help_text="Characters of the message's body (the body is not sent).",
    )
    summary = serializers.CharField(
        max_length=SUMMARY_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=f"Kept (its first {PREVIEW_MAX} characters) only where the "
        "clinic keeps message previews.",
    )
    responded_at = serializers.CharField(
        required=False, allow_null=True, allow_blank=True
    )


class ItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(
        choices=["created", "duplicate", "rejected", "unmatched"]
    )
    contact_id = serializers.IntegerField(required=False)
    reason = serializers.CharField(required=False)


class IngestResultSerializer(serializers.Serializer):
    results = ItemResultSerializer(many=True)


class ClientCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=ClientStatus.values)


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField()
