"""The shapes of the API's bodies, for its OpenAPI schema.

The items are checked by the CSV import's rules in
:mod:`attachment.ingestion.services`, item by item, so that one bad item
loses no good one; these serializers describe them and check nothing.
"""

from __future__ import annotations

from rest_framework import serializers

from attachment.ingestion.services import EXTERNAL_ID_MAX
from attachment.models import MAX_CALL_MINUTES, SUMMARY_MAX_LENGTH, Direction, Purpose
from clinic.models import Channel, ClientStatus


class ContactItemSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=EXTERNAL_ID_MAX)
    client = serializers.CharField(help_text="The client's code.")
    occurred_at = serializers.CharField(help_text="ISO 8601 with a UTC offset.")
    channel = serializers.ChoiceField(choices=Channel.values)
    direction = serializers.ChoiceField(choices=Direction.values)
    purpose = serializers.ChoiceField(
        choices=["", *Purpose.values], required=False, allow_blank=True
    )
    duration_minutes = serializers.IntegerField(
        min_value=0, max_value=MAX_CALL_MINUTES, required=False, allow_null=True
    )
    summary = serializers.CharField(
        max_length=SUMMARY_MAX_LENGTH, required=False, allow_blank=True
    )
    responded_at = serializers.CharField(
        required=False, allow_null=True, allow_blank=True
    )


class ItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "duplicate", "rejected"])
    contact_id = serializers.IntegerField(required=False)
    reason = serializers.CharField(required=False)


class IngestResultSerializer(serializers.Serializer):
    results = ItemResultSerializer(many=True)


class ClientCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=ClientStatus.values)


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField()
