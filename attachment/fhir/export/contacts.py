"""Contacts as FHIR Communications: medium, direction, purpose and the
boundary facts Between derived when the contact was written."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.communication import Communication

from attachment.fhir import profile
from attachment.fhir.export.common import BundleIds, coded, extension, person
from attachment.models import Contact, Direction, Purpose
from clinic.models import Channel


def _medium(channel: str) -> dict[str, Any]:
    concept = coded(profile.CHANNEL_SYSTEM, channel, Channel(channel).label)
    mode = profile.CHANNEL_MODES.get(channel)
    if mode:
        concept["coding"].append(
            {"system": profile.PARTICIPATION_MODE_SYSTEM, "code": mode}
        )
    return concept


def _facts(contact: Contact) -> list[dict[str, Any]]:
    facts = [
        extension(url, valueBoolean=bool(getattr(contact, name)))
        for name, url in profile.BOUNDARY_FACT_EXTENSIONS.items()
    ]
    if contact.responded_at is not None:
        facts.append(
            extension(profile.RESPONDED_AT_EXT, valueDateTime=contact.responded_at)
        )
    if contact.response_minutes is not None:
        facts.append(
            extension(
                profile.RESPONSE_MINUTES_EXT, valueInteger=contact.response_minutes
            )
        )
    if contact.duration_minutes is not None:
        facts.append(
            extension(profile.CALL_MINUTES_EXT, valueInteger=contact.duration_minutes)
        )
    return facts


def communication_resource(
    contact: Contact, *, ids: BundleIds, therapist_name: str, keep_summary: bool
) -> Communication:
    therapist = person(therapist_name)
    from_client = contact.direction == Direction.FROM_CLIENT
    fields: dict[str, Any] = {
        "id": ids.of("attachment.contact", contact.pk),
        "status": "completed",
        "subject": ids.patient,
        "medium": [_medium(contact.channel)],
        "sent": contact.occurred_at,
        "received": contact.occurred_at,
        "sender": ids.patient if from_client else therapist,
        "recipient": [therapist if from_client else ids.patient],
        "extension": _facts(contact),
    }
    if contact.purpose:
        fields["reasonCode"] = [
            coded(
                profile.PURPOSE_SYSTEM, contact.purpose, Purpose(contact.purpose).label
            )
        ]
    if contact.in_reply_to_id is not None:
        fields["inResponseTo"] = [
            ids.reference("attachment.contact", contact.in_reply_to_id)
        ]
    if keep_summary and contact.summary:
        fields["payload"] = [{"contentString": contact.summary}]
    return Communication.model_validate(fields)
