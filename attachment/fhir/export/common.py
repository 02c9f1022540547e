"""What every resource of one client's bundle shares: its ids and references."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from attachment.fhir import profile


@dataclass(frozen=True)
class BundleIds:
    """Stable resource ids within one clinic (:func:`profile.entry_uuid`)."""

    clinic_slug: str
    client_id: int

    def of(self, record: str, pk: int) -> str:
        return profile.entry_uuid(self.clinic_slug, record, pk)

    def reference(self, record: str, pk: int) -> dict[str, str]:
        return {"reference": profile.full_url(self.of(record, pk))}

    @property
    def patient_id(self) -> str:
        return self.of("clinic.client", self.client_id)

    @property
    def patient(self) -> dict[str, str]:
        return {"reference": profile.full_url(self.patient_id)}


def person(name: str) -> dict[str, str]:
    """A clinician, by name only: the bundle holds no staff records."""
    return {"type": "Practitioner", "display": name or "Unknown"}


def coded(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, str] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def extension(url: str, **value: Any) -> dict[str, Any]:
    """One extension: ``extension(URL, valueBoolean=True)``."""
    return {"url": url, **value}
