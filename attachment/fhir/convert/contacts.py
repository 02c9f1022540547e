"""A Patient back to the client's fields, a Communication to a contact's."""

from __future__ import annotations

from typing import Any

from attachment.fhir import profile
from attachment.fhir.convert.common import (
    ItemProblem,
    code,
    day,
    extension_value,
    known,
    moment,
    reference_of,
)
from attachment.models import SUMMARY_MAX_LENGTH, Direction, Purpose
from clinic.models import Channel, ClientStatus


def client_fields(patient: Any) -> dict[str, Any]:
    identifiers = patient.identifier or []
    ours = [i for i in identifiers if i.system == profile.CLIENT_CODE_SYSTEM]
    chosen = (ours or identifiers or [None])[0]
    if chosen is None or not chosen.value:
        raise ItemProblem("the Patient has no identifier to use as the client code")
    status = extension_value(patient, profile.CLIENT_STATUS_EXT, "valueCode")
    if status is None:
        status = (
            ClientStatus.ACTIVE if patient.active is not False else ClientStatus.ENDED
        )
    episode = extension_value(patient, profile.CLIENT_EPISODE_EXT, "valuePeriod")
    started = episode.start if episode is not None else None
    ended = episode.end if episode is not None else None
    return {
        "code": chosen.value,
        "status": known(status, ClientStatus, "the client's status"),
        "started_on": day(started, "the start of therapy") if started else None,
        "ended_on": day(ended, "the ending date") if ended else None,
    }


# --- contacts ----------------------------------------------------------------


def _channel(communication: Any) -> str:
    for medium in communication.medium or []:
        channel = code(medium, profile.CHANNEL_SYSTEM)
        if channel:
            return known(channel, Channel, "the medium")
        mode = code(medium, profile.PARTICIPATION_MODE_SYSTEM)
        if mode in profile.MODE_CHANNELS:
            return profile.MODE_CHANNELS[mode]
    return Channel.OTHER


def _direction(communication: Any) -> str:
    sender = communication.sender
    if sender is None:
        raise ItemProblem("the sender is missing")
    is_patient = sender.type == "Patient" or (sender.reference or "").startswith(
        "Patient/"
    )
    return Direction.FROM_CLIENT if is_patient else Direction.FROM_THERAPIST


def contact_fields(communication: Any, *, patient_keys: set[str]) -> dict[str, Any]:
    sender = reference_of(communication.sender)
    direction = (
        Direction.FROM_CLIENT
        if sender is not None and sender in patient_keys
        else _direction(communication)
    )
    occurred = communication.sent or communication.received
    purpose = ""
    for concept in communication.reasonCode or []:
        purpose = code(concept, profile.PURPOSE_SYSTEM) or purpose
    if purpose:
        known(purpose, Purpose, "the reason")
    summary = ""
    for payload in communication.payload or []:
        if payload.contentString:
            summary = payload.contentString
    if len(summary) > SUMMARY_MAX_LENGTH:
        raise ItemProblem("the payload is longer than a contact's summary may be")
    responded = extension_value(
        communication, profile.RESPONDED_AT_EXT, "valueDateTime"
    )
    minutes = extension_value(communication, profile.CALL_MINUTES_EXT, "valueInteger")
    fields = {
        "occurred_at": moment(occurred, "the time sent"),
        "channel": _channel(communication),
        "direction": direction,
        "purpose": purpose,
        "summary": summary,
        "responded_at": moment(responded, "the response time") if responded else None,
        "duration_minutes": minutes,
        "reply_to": reference_of((communication.inResponseTo or [None])[0]),
    }
    if fields["responded_at"] is not None and (
        direction != Direction.FROM_CLIENT
        or fields["responded_at"] < fields["occurred_at"]
    ):
        raise ItemProblem("the response time must follow a contact from the client")
    if minutes is not None and not 0 <= minutes <= 24 * 60:
        raise ItemProblem("the call length is out of range")
    return fields
