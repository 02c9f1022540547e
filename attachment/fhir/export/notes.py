"""Signed session notes and addenda as FHIR DocumentReferences (LOINC
11506-3, progress note), each signature and co-signature as a Provenance.

A note that came in through an import keeps its source's signer: the names
and times in its ``ImportedRecord.origin`` are the ones exported."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.provenance import Provenance

from attachment.fhir import profile
from attachment.fhir.export.common import BundleIds, coded, extension, person
from notes.models import Addendum, SessionNote

NOTE = "notes.sessionnote"
ADDENDUM = "notes.addendum"
PROGRESS_NOTE_TYPE = coded(
    profile.LOINC, profile.PROGRESS_NOTE, profile.PROGRESS_NOTE_DISPLAY
)


def _text(title: str, section: str, text: str) -> dict[str, Any]:
    return {
        "attachment": {
            "contentType": "text/plain; charset=utf-8",
            "title": title,
            "data": base64.b64encode(text.encode("utf-8")).decode("ascii"),
        },
        "format": {"system": profile.NOTE_SECTION_SYSTEM, "code": section},
    }


def _origin(record: SessionNote | Addendum) -> dict[str, Any]:
    return getattr(record, "origin", None) or {}


def _session_facts(note: SessionNote) -> list[dict[str, Any]]:
    facts = [
        extension(profile.NOTE_FORMAT_EXT, valueCode=note.format),
        extension(profile.SESSION_MODALITY_EXT, valueCode=note.modality),
        extension(profile.SESSION_ATTENDANCE_EXT, valueCode=note.attendance),
    ]
    if note.risk_level:
        facts.append(extension(profile.RISK_LEVEL_EXT, valueCode=note.risk_level))
    return facts


def note_resource(note: SessionNote, *, ids: BundleIds) -> DocumentReference:
    origin = _origin(note)
    content = [_text(label, name, text) for name, label, text in note.sections]
    if note.risk_summary:
        content.append(_text("Risk", profile.RISK_SUMMARY_SECTION, note.risk_summary))
    ends = note.session_at + dt.timedelta(minutes=note.duration_minutes)
    return DocumentReference.model_validate(
        dict(
            id=ids.of(NOTE, note.pk),
            status="current",
            docStatus="final",
            type=PROGRESS_NOTE_TYPE,
            subject=ids.patient,
            date=note.signed_at,
            author=[person(origin.get("author") or note.author.full_name)],
            content=content,
            context={"period": {"start": note.session_at, "end": ends}},
            extension=_session_facts(note),
        )
    )


def addendum_resource(addendum: Addendum, *, ids: BundleIds) -> DocumentReference:
    origin = _origin(addendum)
    return DocumentReference.model_validate(
        dict(
            id=ids.of(ADDENDUM, addendum.pk),
            status="current",
            docStatus="final",
            type=PROGRESS_NOTE_TYPE,
            subject=ids.patient,
            date=addendum.written_at,
            author=[person(origin.get("author") or addendum.author.full_name)],
            content=[_text("Addendum", profile.ADDENDUM_SECTION, addendum.text)],
            relatesTo=[
                {"code": "appends", "target": ids.reference(NOTE, addendum.note_id)}
            ],
        )
    )


def _provenance(
    *, resource_id: str, target: dict[str, str], name: str, at: Any, cosign: bool
) -> Provenance:
    role = "verifier" if cosign else "author"
    signature_type = (
        profile.VERIFICATION_SIGNATURE if cosign else profile.AUTHOR_SIGNATURE
    )
    who = person(name)
    return Provenance.model_validate(
        dict(
            id=resource_id,
            target=[target],
            recorded=at,
            agent=[{"type": coded(profile.PARTICIPANT_TYPE_SYSTEM, role), "who": who}],
            signature=[
                {
                    "type": [
                        {
                            "system": profile.SIGNATURE_TYPE_SYSTEM,
                            "code": signature_type,
                        }
                    ],
                    "when": at,
                    "who": who,
                }
            ],
        )
    )


def note_signatures(note: SessionNote, *, ids: BundleIds) -> list[Provenance]:
    """The signature, and the co-signature when there is one."""
    origin = _origin(note)
    target = ids.reference(NOTE, note.pk)
    signed_by = origin.get("signed_by") or (
        note.signed_by.full_name if note.signed_by else ""
    )
    provenances = [
        _provenance(
            resource_id=ids.of("notes.sessionnote.signature", note.pk),
            target=target,
            name=signed_by,
            at=origin.get("signed_at") or note.signed_at,
            cosign=False,
        )
    ]
    cosigned_at = origin.get("cosigned_at") or note.cosigned_at
    if cosigned_at:
        cosigner = origin.get("cosigned_by") or (
            note.cosigned_by.full_name if note.cosigned_by else ""
        )
        provenances.append(
            _provenance(
                resource_id=ids.of("notes.sessionnote.cosignature", note.pk),
                target=target,
                name=cosigner,
                at=cosigned_at,
                cosign=True,
            )
        )
    return provenances


def addendum_signature(addendum: Addendum, *, ids: BundleIds) -> Provenance:
    origin = _origin(addendum)
    return _provenance(
        resource_id=ids.of("notes.addendum.signature", addendum.pk),
        target=ids.reference(ADDENDUM, addendum.pk),
        name=origin.get("author") or addendum.author.full_name,
        at=addendum.written_at,
        cosign=False,
    )
