"""The two halves of an import after the client is known: reading every new
entry into record fields (:meth:`ImportPlan.read`, which only collects
problems), then writing them all (:func:`plan_write`).

Contacts go through the CSV import's bulk writer
(:func:`attachment.records.imports.contacts_bulk_create`), so their boundary
facts are derived under this clinic's frame as for any import.  Session
notes and addenda are written as signed by the importing therapist, with the
digests :mod:`notes.signature_hashes` computes, so they pass the signature
checks; the source's signer and times stay in ``ImportedRecord.origin``.
Review steps of flags are written with no person (there is none of theirs
here); their reviewers' names stay in the origin too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction

from attachment.engine.tasks import request_rescan
from attachment.fhir import convert
from attachment.models import (
    AttachmentMeasure,
    Contact,
    CopingPlan,
    DependencyObservation,
    Flag,
    FlagStatusChange,
    ImportedRecord,
    RepairAttempt,
    Rupture,
)
from attachment.records.contact_columns import contact_columns_update
from attachment.records.imports import NewContact, contacts_bulk_create
from clinic.access_report.kinds import FHIR_IMPORT
from clinic.audit import audit_record
from clinic.models import AuditAction, Client, Clinic, User
from notes.models import Addendum, NoteStatus, SessionNote
from notes.signature_hashes import SIGNING_SCHEME, addendum_digest, note_digest

CONTACT = "attachment.contact"
RUPTURE = "attachment.rupture"
NOTE = "notes.sessionnote"
ADDENDUM = "notes.addendum"


@dataclass
class Item:
    """One entry read into the fields of its record."""

    index: int
    key: str
    resource_type: str
    fields: dict[str, Any]


@dataclass
class ImportPlan:
    client: Client
    clinic: Clinic
    therapist: User
    now: dt.datetime
    aliases: dict[str, str]
    imported: dict[str, ImportedRecord]
    patient_key: str
    client_is_new: bool
    errors: list[str] = field(default_factory=list)
    skipped: int = 0
    items: dict[str, list[Item]] = field(default_factory=dict)
    signatures: dict[str, dict[str, Any]] = field(default_factory=dict)

    def key_of(self, reference: str | None) -> str | None:
        return self.aliases.get(reference or "", reference)

    def _add(self, kind: str, entry: Any, fields: dict[str, Any]) -> None:
        self.items.setdefault(kind, []).append(
            Item(entry.index, entry.key, entry.type, fields)
        )

    def read(self, entries: list[Any]) -> None:
        patient_keys = {self.patient_key} | {
            alias for alias, key in self.aliases.items() if key == self.patient_key
        }
        for entry in entries:
            try:
                self._read(entry, patient_keys)
            except convert.ItemProblem as problem:
                self.errors.append(f"item {entry.index}: {problem.reason}")
        if not self.errors:
            self._check_references()

    def _read(self, entry: Any, patient_keys: set[str]) -> None:
        resource = entry.resource
        kind = entry.type
        if kind == "Communication":
            self._add(
                "contact",
                entry,
                convert.contact_fields(resource, patient_keys=patient_keys),
            )
        elif kind == "DocumentReference":
            self._read_document(entry)
        elif kind == "Provenance":
            self._read_signature(resource)
        elif kind == "Observation":
            self._read_observation(entry)
        elif kind == "CarePlan":
            self._add("plan", entry, convert.plan_fields(resource))
        elif kind == "DetectedIssue":
            self._add("flag", entry, convert.flag_fields(resource))

    def _read_signature(self, resource: Any) -> None:
        signature = convert.signature_of(resource)
        role = "cosign" if signature["cosign"] else "sign"
        for target in signature["targets"]:
            self.signatures.setdefault(self.key_of(target) or "", {})[role] = signature

    def _read_observation(self, entry: Any) -> None:
        readers = {
            "measure": convert.measure_fields,
            "observation": convert.observation_fields,
            "rupture": convert.rupture_fields,
            "repair": convert.repair_fields,
        }
        observed = convert.observation_kind(entry.resource)
        if observed is None:
            self.skipped += 1
            return
        self._add(observed, entry, readers[observed](entry.resource))

    def _read_document(self, entry: Any) -> None:
        resource = entry.resource
        if not convert.is_progress_note(resource):
            self.skipped += 1
            return
        target = convert.addendum_target(resource)
        if target is None:
            self._add("note", entry, convert.note_fields(resource))
            return
        fields = convert.addendum_fields(resource)
        fields["note_key"] = self.key_of(target)
        self._add("addendum", entry, fields)

    # --- references between entries ------------------------------------------

    def _check_references(self) -> None:
        self._check_replies()
        self._check_addenda()
        self._check_repairs()
        self._check_unique("measure", AttachmentMeasure, ("measured_on",))
        self._check_unique("flag", Flag, ("kind", "window_start"))
        self._check_plan_versions()

    def _check_replies(self) -> None:
        contacts = {item.key: item for item in self.items.get("contact", [])}
        for item in contacts.values():
            reply_to = item.fields["reply_to"] = self.key_of(item.fields["reply_to"])
            if reply_to is None:
                continue
            target = contacts.get(reply_to)
            if target is None and not self._imported_as(reply_to, CONTACT):
                self.errors.append(
                    f"item {item.index}: the contact it answers is missing"
                )
            elif target is not None and (
                target.fields["direction"] != "from_client"
                or item.fields["direction"] != "from_therapist"
                or target.fields["occurred_at"] > item.fields["occurred_at"]
            ):
                self.errors.append(
                    f"item {item.index}: a reply answers an earlier contact from the client"
                )

    def _check_addenda(self) -> None:
        notes = {item.key for item in self.items.get("note", [])}
        for item in self.items.get("addendum", []):
            note_key = item.fields["note_key"]
            if note_key not in notes and not self._imported_as(note_key, NOTE):
                self.errors.append(f"item {item.index}: the note it amends is missing")

    def _check_repairs(self) -> None:
        ruptures = {item.key: item for item in self.items.get("rupture", [])}
        for item in self.items.get("repair", []):
            key = item.fields["rupture"] = self.key_of(item.fields["rupture"])
            rupture = ruptures.get(key or "")
            if rupture is None and not self._imported_as(key, RUPTURE):
                self.errors.append(f"item {item.index}: its rupture is missing")
            elif (
                rupture is not None
                and item.fields["attempted_at"] < rupture.fields["noticed_at"]
            ):
                self.errors.append(
                    f"item {item.index}: a repair attempt follows its rupture"
                )

    def _imported_as(self, key: str | None, record_model: str) -> bool:
        row = self.imported.get(key or "")
        return row is not None and row.record_model == record_model

    def _check_unique(self, kind: str, model: Any, fields: tuple[str, ...]) -> None:
        """A record the client holds once per ``fields`` (a measure a day, a
        flag per kind and window)."""
        taken: set[tuple[Any, ...]] = set()
        if not self.client_is_new:
            taken = set(model.objects.filter(client=self.client).values_list(*fields))
        for item in self.items.get(kind, []):
            value = tuple(item.fields[name] for name in fields)
            if value in taken:
                self.errors.append(
                    f"item {item.index}: the same {kind} is recorded twice"
                )
            taken.add(value)

    def _check_plan_versions(self) -> None:
        """Versions as the bundle numbers them; a plan without one follows
        the highest so far."""
        used: set[int] = set()
        if not self.client_is_new:
            used = set(
                CopingPlan.objects.filter(client=self.client).values_list(
                    "version", flat=True
                )
            )
        plans = sorted(
            self.items.get("plan", []),
            key=lambda item: (item.fields["version"] or 0, item.fields["written_at"]),
        )
        for item in plans:
            if item.fields["version"] is None:
                item.fields["version"] = max(used, default=0) + 1
            version = item.fields["version"]
            if version in used or version < 1:
                self.errors.append(f"item {item.index}: the plan's version is taken")
            used.add(version)


# --- writing ---------------------------------------------------------------


def _contact_hash(key: str) -> str:
    return hashlib.sha256(f"fhir\x1f{key}".encode()).hexdigest()


def _write_contacts(plan: ImportPlan) -> dict[str, int]:
    items = plan.items.get("contact", [])
    if not items:
        return {}
    hashes = {item.key: _contact_hash(item.key) for item in items}
    contacts_bulk_create(
        clinic=plan.clinic,
        contacts=[
            NewContact(
                client_id=plan.client.pk,
                occurred_at=item.fields["occurred_at"],
                channel=item.fields["channel"],
                direction=item.fields["direction"],
                purpose=item.fields["purpose"],
                summary=item.fields["summary"],
                responded_at=item.fields["responded_at"],
                duration_minutes=item.fields["duration_minutes"],
                row_hash=hashes[item.key],
            )
            for item in items
        ],
    )
    by_hash = dict(
        Contact.objects.filter(
            client=plan.client, row_hash__in=list(hashes.values())
        ).values_list("row_hash", "pk")
    )
    ids = {key: by_hash[row_hash] for key, row_hash in hashes.items()}
    replies = []
    for item in items:
        reply_to = item.fields["reply_to"]
        if reply_to is not None:
            target = ids.get(reply_to) or plan.imported[reply_to].record_id
            replies.append((ids[item.key], target))
    contact_columns_update(replies, ("in_reply_to_id",))
    return ids


def _note_origin(item: Item, signatures: dict[str, Any]) -> dict[str, Any]:
    sign = signatures.get("sign")
    cosign = signatures.get("cosign")
    origin: dict[str, Any] = {
        "author": item.fields["author_name"],
        "signed_by": sign["name"] if sign else item.fields["author_name"],
        "signed_at": (sign["at"] if sign else item.fields["signed_at"]).isoformat(),
    }
    if cosign:
        origin["cosigned_by"] = cosign["name"]
        origin["cosigned_at"] = cosign["at"].isoformat()
    return origin


def _write_notes(
    plan: ImportPlan, origins: dict[str, dict[str, Any]]
) -> dict[str, SessionNote]:
    notes: dict[str, SessionNote] = {}
    for item in plan.items.get("note", []):
        fields = {k: v for k, v in item.fields.items() if k != "author_name"}
        signature = plan.signatures.get(item.key, {})
        if "sign" in signature:
            fields["signed_at"] = signature["sign"]["at"]
        note = SessionNote(
            client=plan.client,
            author=plan.therapist,
            signed_by=plan.therapist,
            status=NoteStatus.SIGNED,
            digest_scheme=SIGNING_SCHEME,
            created_at=plan.now,
            updated_at=plan.now,
            **fields,
        )
        note.content_sha256 = note_digest(note)
        notes[item.key] = note
        origins[item.key] = _note_origin(item, signature)
    SessionNote.objects.bulk_create(notes.values())
    return notes


def _write_addenda(
    plan: ImportPlan, notes: dict[str, SessionNote], origins: dict[str, Any]
) -> dict[str, Addendum]:
    items = plan.items.get("addendum", [])
    earlier_ids = [
        plan.imported[item.fields["note_key"]].record_id
        for item in items
        if item.fields["note_key"] not in notes
    ]
    earlier = SessionNote.objects.in_bulk(earlier_ids)
    addenda: dict[str, Addendum] = {}
    for item in sorted(items, key=lambda item: item.fields["written_at"]):
        note_key = item.fields["note_key"]
        note = notes.get(note_key) or earlier[plan.imported[note_key].record_id]
        addendum = Addendum(
            note=note,
            author=plan.therapist,
            written_at=item.fields["written_at"],
            text=item.fields["text"],
            digest_scheme=SIGNING_SCHEME,
        )
        addendum.content_sha256 = addendum_digest(
            addendum, note_sha256=note.content_sha256
        )
        addenda[item.key] = addendum
        origins[item.key] = {"author": item.fields["author_name"]}
    Addendum.objects.bulk_create(addenda.values())
    return addenda


def _write_simple(plan: ImportPlan, kind: str, model: Any) -> dict[str, Any]:
    rows = {
        item.key: model(client=plan.client, **item.fields)
        for item in plan.items.get(kind, [])
    }
    model.objects.bulk_create(rows.values())
    return rows


def _write_repairs(
    plan: ImportPlan, ruptures: dict[str, Rupture]
) -> dict[str, RepairAttempt]:
    rows = {}
    for item in plan.items.get("repair", []):
        fields = dict(item.fields)
        key = fields.pop("rupture")
        rupture_id = (
            ruptures[key].pk if key in ruptures else plan.imported[key].record_id
        )
        rows[item.key] = RepairAttempt(rupture_id=rupture_id, **fields)
    RepairAttempt.objects.bulk_create(rows.values())
    return rows


def _write_plans(plan: ImportPlan, origins: dict[str, Any]) -> dict[str, CopingPlan]:
    rows = {}
    for item in plan.items.get("plan", []):
        fields = {
            k: v for k, v in item.fields.items() if k not in ("author_name", "replaces")
        }
        rows[item.key] = CopingPlan(client=plan.client, author=plan.therapist, **fields)
        origins[item.key] = {"author": item.fields["author_name"]}
    CopingPlan.objects.bulk_create(rows.values())
    return rows


def _write_flags(plan: ImportPlan, origins: dict[str, Any]) -> dict[str, Flag]:
    flags: dict[str, Flag] = {}
    for item in plan.items.get("flag", []):
        fields = {k: v for k, v in item.fields.items() if k != "steps"}
        flags[item.key] = Flag(
            client=plan.client, therapist=plan.therapist, updated_at=plan.now, **fields
        )
        origins[item.key] = {
            "steps": [
                {"by": step["by"], "usefulness": step["usefulness"]}
                for step in item.fields["steps"]
            ]
        }
    Flag.objects.bulk_create(flags.values())
    FlagStatusChange.objects.bulk_create(
        FlagStatusChange(
            flag=flags[item.key],
            from_status=step["from_status"],
            to_status=step["to_status"],
            changed_at=step["changed_at"],
            reason=step["reason"],
        )
        for item in plan.items.get("flag", [])
        for step in item.fields["steps"]
    )
    return flags


def plan_write(plan: ImportPlan, *, patient_key: str | None) -> Counter[str]:
    """Write every record of ``plan``, remember each by its source key, audit
    the import once and ask for a re-scan of the client on commit."""
    origins: dict[str, dict[str, Any]] = {}
    written: dict[str, tuple[str, str, int]] = {}
    if patient_key is not None:
        written[patient_key] = ("Patient", "clinic.client", plan.client.pk)
    for key, pk in _write_contacts(plan).items():
        written[key] = ("Communication", CONTACT, pk)
    notes = _write_notes(plan, origins)
    ruptures = _write_simple(plan, "rupture", Rupture)
    records: list[tuple[str, str, dict[str, Any]]] = [
        ("DocumentReference", NOTE, notes),
        ("DocumentReference", ADDENDUM, _write_addenda(plan, notes, origins)),
        (
            "Observation",
            "attachment.attachmentmeasure",
            _write_simple(plan, "measure", AttachmentMeasure),
        ),
        (
            "Observation",
            "attachment.dependencyobservation",
            _write_simple(plan, "observation", DependencyObservation),
        ),
        ("Observation", RUPTURE, ruptures),
        ("Observation", "attachment.repairattempt", _write_repairs(plan, ruptures)),
        ("CarePlan", "attachment.copingplan", _write_plans(plan, origins)),
        ("DetectedIssue", "attachment.flag", _write_flags(plan, origins)),
    ]
    for resource_type, record_model, rows in records:
        for key, row in rows.items():
            written[key] = (resource_type, record_model, row.pk)
    ImportedRecord.objects.bulk_create(
        ImportedRecord(
            client=plan.client,
            source_key=key,
            resource_type=resource_type,
            record_model=record_model,
            record_id=pk,
            origin=origins.get(key, {}),
            imported_at=plan.now,
        )
        for key, (resource_type, record_model, pk) in written.items()
    )
    audit_record(
        actor=None,
        action=AuditAction.CREATE,
        obj=plan.client,
        object_type=FHIR_IMPORT,
        at=plan.now,
    )
    transaction.on_commit(partial(request_rescan, plan.client.pk))
    return Counter(record_model for _, record_model, _ in written.values())
