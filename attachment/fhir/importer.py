"""``import_fhir``: a client's record from a FHIR Bundle, all or nothing.

The bundle is parsed with the fhir.resources R4B models, every entry is
turned into the fields of a record (:mod:`.convert`), and only when no entry
has a problem is anything written, in one transaction
(:mod:`.import_writers`).  Problems are reported as ``item N: reason`` (N the
entry's index; reasons never repeat a value).

Each entry that became a record is remembered in ``ImportedRecord`` by its
source key (its ``fullUrl``, else ``Type/id``), so importing the same bundle
again writes nothing.  The client is created in the therapist's clinic with
the bundle's client code; a client of that code that did not come from this
bundle is refused.  Process notes and reflections have no FHIR form here and
are never read from a bundle.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError as ModelError

from attachment.fhir import convert
from attachment.fhir.import_writers import ImportPlan, plan_write
from attachment.models import ImportedRecord
from clinic import access
from clinic.models import Client, Clinic, Role, User
from clinic.refusals import Refused

#: The resource types Between reads; any other entry is skipped and counted.
READ_TYPES = (
    "Patient",
    "Communication",
    "DocumentReference",
    "Provenance",
    "Observation",
    "CarePlan",
    "DetectedIssue",
)


FIELD_NAME = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]{0,63}\Z")
SOURCE_KEY_MAX = ImportedRecord._meta.get_field("source_key").max_length or 255


class BundleRejected(Refused):
    """The bundle has problems; ``errors`` holds one ``item N: reason`` each."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} problems found; nothing was imported")
        self.errors = errors


@dataclass
class Entry:
    index: int
    key: str
    resource: Any

    @property
    def type(self) -> str:
        return str(self.resource.get_resource_type())


@dataclass
class ImportOutcome:
    client: Client
    created: Counter[str] = field(default_factory=Counter)
    already_imported: int = 0
    skipped: int = 0

    @property
    def changed_nothing(self) -> bool:
        return not self.created


def _parsed(text: str | bytes) -> Bundle:
    try:
        bundle = Bundle.model_validate_json(text)
    except ModelError as error:
        raise BundleRejected(_model_errors(error)) from None
    except (LookupError, TypeError, ValueError):
        # The models look a resource's class up by its ``resourceType``
        # before validating it, and fail outside validation on a bad one.
        raise BundleRejected(_unknown_types(text)) from None
    if bundle.type != "collection" and bundle.type not in (
        "document",
        "transaction",
        "batch",
    ):
        raise BundleRejected(["bundle: not a bundle of records"])
    return bundle


def _field_path(parts: tuple[int | str, ...]) -> str:
    """Where a problem is, by field names and indexes; a name the sender made
    up (an unknown field) is not repeated."""
    return ".".join(
        str(part) if isinstance(part, int) or FIELD_NAME.match(part) else "?"
        for part in parts
    )


def _model_errors(error: ModelError) -> list[str]:
    problems = []
    for detail in error.errors():
        location = detail["loc"]
        if (
            len(location) >= 2
            and location[0] == "entry"
            and isinstance(location[1], int)
        ):
            fields = _field_path(location[3:]) or "the resource"
            problems.append(f"item {location[1]}: {fields} is not valid")
        elif detail["type"] == "json_invalid":
            problems.append("bundle: not valid JSON")
        else:
            where = _field_path(location) or "the bundle"
            problems.append(f"bundle: {where} is not valid")
    return sorted(set(problems), key=problems.index)


def _unknown_types(text: str | bytes) -> list[str]:
    try:
        items = json.loads(text).get("entry") or []
    except (ValueError, AttributeError):
        return ["bundle: not a FHIR bundle"]
    problems = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        resource = item.get("resource") if isinstance(item, dict) else None
        name = resource.get("resourceType") if isinstance(resource, dict) else None
        try:
            get_fhir_model_class(name if isinstance(name, str) else "")
        except (LookupError, ValueError):
            problems.append(f"item {index}: the resource type is not known")
    return problems or ["bundle: not a FHIR bundle"]


def _entries(bundle: Bundle) -> tuple[list[Entry], dict[str, str], int]:
    """The entries Between reads, every alias of each entry's key, and how
    many entries were skipped."""
    entries: list[Entry] = []
    aliases: dict[str, str] = {}
    skipped = 0
    for index, item in enumerate(bundle.entry or []):
        resource = item.resource
        if resource is None or resource.get_resource_type() not in READ_TYPES:
            skipped += 1
            continue
        typed_id = (
            f"{resource.get_resource_type()}/{resource.id}" if resource.id else None
        )
        key = item.fullUrl or typed_id or f"entry/{index}"
        if key in aliases and aliases[key] == key:
            raise BundleRejected([f"item {index}: another entry has the same identity"])
        if len(key) > SOURCE_KEY_MAX:
            raise BundleRejected([f"item {index}: the fullUrl is too long"])
        entries.append(Entry(index=index, key=key, resource=resource))
        aliases[key] = key
        if typed_id:
            aliases.setdefault(typed_id, key)
    return entries, aliases, skipped


def therapist_clinic(therapist: User, *, clinic_slug: str | None = None) -> Clinic:
    """The clinic the client joins: the therapist's (the one named, when the
    therapist works in several)."""
    clinics = Clinic.objects.filter(
        pk__in=access.clinic_ids_with_role(therapist, Role.THERAPIST)
    ).order_by("pk")
    if clinic_slug:
        clinics = clinics.filter(slug=clinic_slug)
    clinic = clinics.first()
    if not therapist.is_active or clinic is None:
        raise BundleRejected(["therapist: not an active therapist of that clinic"])
    return clinic


def _patient(entries: list[Entry]) -> Entry:
    patients = [entry for entry in entries if entry.type == "Patient"]
    if len(patients) != 1:
        raise BundleRejected(["bundle: it must hold exactly one Patient"])
    return patients[0]


def _client(patient: Entry, *, clinic: Clinic, therapist: User) -> tuple[Client, bool]:
    """The client the bundle becomes: new, or the one an earlier import of
    this same bundle made."""
    try:
        fields = convert.client_fields(patient.resource)
    except convert.ItemProblem as problem:
        raise BundleRejected([f"item {patient.index}: {problem.reason}"]) from None
    existing = Client.objects.filter(clinic=clinic, code=fields["code"]).first()
    if existing is not None:
        if (
            existing.therapist_id != therapist.pk
            or not ImportedRecord.objects.filter(
                client=existing, source_key=patient.key
            ).exists()
        ):
            raise BundleRejected(
                [
                    f"item {patient.index}: the clinic already has a client with this code"
                ]
            )
        return existing, False
    if fields["started_on"] is None:
        raise BundleRejected([f"item {patient.index}: the start of therapy is missing"])
    client = Client(clinic=clinic, therapist=therapist, **fields)
    try:
        client.full_clean()
    except ValidationError as error:
        names = ", ".join(sorted(error.message_dict))
        raise BundleRejected(
            [f"item {patient.index}: not a valid client ({names})"]
        ) from None
    client.save()
    return client, True


def fhir_import(
    *,
    text: str | bytes,
    therapist: User,
    now: dt.datetime,
    clinic_slug: str | None = None,
) -> ImportOutcome:
    """Import one client's bundle for ``therapist``: every record or none."""
    with transaction.atomic():
        entries, aliases, skipped = _entries(_parsed(text))
        clinic = therapist_clinic(therapist, clinic_slug=clinic_slug)
        patient = _patient(entries)
        client, is_new = _client(patient, clinic=clinic, therapist=therapist)
        imported = {
            row.source_key: row for row in ImportedRecord.objects.filter(client=client)
        }
        outcome = ImportOutcome(client=client, skipped=skipped)
        fresh = [entry for entry in entries if entry.key not in imported]
        outcome.already_imported = len(entries) - len(fresh)
        # A signature becomes part of its note, not a record of its own.
        if all(entry.type == "Provenance" for entry in fresh):
            return outcome
        plan = ImportPlan(
            client=client,
            clinic=clinic,
            therapist=therapist,
            now=now,
            aliases=aliases,
            imported=imported,
            patient_key=patient.key,
            client_is_new=is_new,
        )
        plan.read([entry for entry in fresh if entry is not patient])
        if plan.errors:
            raise BundleRejected(plan.errors)
        outcome.created = plan_write(plan, patient_key=patient.key if is_new else None)
        outcome.skipped += plan.skipped
        return outcome
