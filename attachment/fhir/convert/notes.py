"""DocumentReferences back to session notes and addenda, Provenances to
who signed them and when."""

from __future__ import annotations

from typing import Any

from attachment.fhir import profile
from attachment.fhir.convert.common import (
    ItemProblem,
    codes,
    display,
    extension_value,
    known,
    moment,
    reference_of,
)
from notes.models import FORMAT_SECTIONS, Attendance, Modality, NoteFormat, RiskLevel


def _attachment_text(content: Any) -> str:
    data = content.attachment.data if content.attachment else None
    if not data:
        raise ItemProblem("a section has no inline text")
    try:
        return data.decode("utf-8") if isinstance(data, bytes) else str(data)
    except UnicodeDecodeError:
        raise ItemProblem("a section is not UTF-8 text") from None


def _sections(document: Any) -> dict[str, str]:
    sections: dict[str, str] = {}
    for content in document.content or []:
        section = content.format.code if content.format else None
        sections[section or ""] = sections.get(section or "", "") + _attachment_text(
            content
        )
    return sections


def is_progress_note(document: Any) -> bool:
    return profile.PROGRESS_NOTE in codes(document.type, profile.LOINC)


def addendum_target(document: Any) -> str | None:
    for relation in document.relatesTo or []:
        if relation.code == "appends":
            return reference_of(relation.target)
    return None


def _note_format(document: Any) -> str:
    """The format Between named; a note from elsewhere is free text."""
    named = extension_value(document, profile.NOTE_FORMAT_EXT, "valueCode")
    if named:
        return known(named, NoteFormat, "the note format")
    return NoteFormat.FREE


def note_fields(document: Any) -> dict[str, Any]:
    sections = _sections(document)
    note_format = _note_format(document)
    if note_format == NoteFormat.FREE and "free_text" not in sections:
        texts = [
            text
            for name, text in sections.items()
            if name != profile.RISK_SUMMARY_SECTION
        ]
        sections = {"free_text": "\n\n".join(texts), **sections}
    fields: dict[str, Any] = {"format": note_format}
    for name in FORMAT_SECTIONS[note_format]:
        if not sections.get(name, "").strip():
            raise ItemProblem("a section of the note's format is empty")
        fields[name] = sections[name]
    period = document.context.period if document.context else None
    start = period.start if period is not None and period.start else document.date
    fields["session_at"] = moment(start, "the session time")
    if period is not None and period.start and period.end:
        minutes = int(
            (
                moment(period.end, "the session end") - fields["session_at"]
            ).total_seconds()
            // 60
        )
        if not 1 <= minutes <= 600:
            raise ItemProblem("the session length is out of range")
        fields["duration_minutes"] = minutes
    fields["signed_at"] = moment(document.date, "the document date")
    modality = extension_value(document, profile.SESSION_MODALITY_EXT, "valueCode")
    attendance = extension_value(document, profile.SESSION_ATTENDANCE_EXT, "valueCode")
    risk = extension_value(document, profile.RISK_LEVEL_EXT, "valueCode")
    fields["modality"] = (
        known(modality, Modality, "the modality") if modality else Modality.IN_PERSON
    )
    fields["attendance"] = (
        known(attendance, Attendance, "the attendance")
        if attendance
        else Attendance.ATTENDED
    )
    fields["risk_level"] = known(risk, RiskLevel, "the risk level") if risk else ""
    fields["risk_summary"] = sections.get(profile.RISK_SUMMARY_SECTION, "")
    if (
        fields["risk_level"] in ("", RiskLevel.NONE)
        and fields["risk_summary"]
        and not risk
    ):
        raise ItemProblem("a risk summary needs a risk level")
    if (
        fields["risk_level"] not in ("", RiskLevel.NONE)
        and not fields["risk_summary"].strip()
    ):
        raise ItemProblem("a risk above none needs its summary")
    fields["author_name"] = display((document.author or [None])[0])
    return fields


def addendum_fields(document: Any) -> dict[str, Any]:
    text = "".join(_sections(document).values()).strip()
    if not text:
        raise ItemProblem("the addendum has no text")
    return {
        "written_at": moment(document.date, "the document date"),
        "text": text,
        "author_name": display((document.author or [None])[0]),
    }


def signature_of(provenance: Any) -> dict[str, Any]:
    """Whose signature a Provenance records, on what, when."""
    targets = [reference_of(target) for target in provenance.target or []]
    kinds = {
        coding.code
        for signature in provenance.signature or []
        for coding in signature.type or []
    }
    roles = {
        c
        for agent in provenance.agent or []
        for c in codes(agent.type, profile.PARTICIPANT_TYPE_SYSTEM)
    }
    cosign = profile.VERIFICATION_SIGNATURE in kinds or "verifier" in roles
    agent = (provenance.agent or [None])[0]
    return {
        "targets": [target for target in targets if target],
        "cosign": cosign,
        "name": display(agent.who if agent is not None else None),
        "at": moment(provenance.recorded, "the time recorded"),
    }
