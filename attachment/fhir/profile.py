"""The names Between gives its FHIR content: one owner for every URL and code.

Between's own definitions live under ``https://between.example/fhir``:

* ``…/StructureDefinition/<name>``: the extensions below (a contact's
  boundary facts, a note's session facts, a flag's review facts);
* ``…/CodeSystem/<name>``: the local code systems (channels, purposes, the
  attachment-measure instrument and its subscales, dependency markers and
  triggers, coping strategies, flag kinds and review statuses, note sections);
* ``…/NamingSystem/<name>``: identifiers (the client's code, a coping plan's
  version).

The codes of a local code system are the values Between stores (the
``TextChoices`` of :mod:`attachment.models` and :mod:`notes.models`), so a
code maps to a record field without a table of its own.  Where a standard
code exists it is used as well: LOINC 11506-3 (progress note) for session
notes, HL7 v3 ParticipationMode for a contact's medium.
"""

from __future__ import annotations

import uuid

BASE = "https://between.example/fhir"
STRUCTURE = f"{BASE}/StructureDefinition"
CODES = f"{BASE}/CodeSystem"
NAMING = f"{BASE}/NamingSystem"

# --- identifiers -------------------------------------------------------------
CLIENT_CODE_SYSTEM = f"{NAMING}/client-code"
COPING_PLAN_VERSION_SYSTEM = f"{NAMING}/coping-plan-version"

# --- the client (Patient) ----------------------------------------------------
CLIENT_STATUS_EXT = f"{STRUCTURE}/client-status"
CLIENT_EPISODE_EXT = f"{STRUCTURE}/client-episode"  # valuePeriod: started/ended

# --- contacts (Communication) ------------------------------------------------
CHANNEL_SYSTEM = f"{CODES}/contact-channel"
PURPOSE_SYSTEM = f"{CODES}/contact-purpose"
PARTICIPATION_MODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
#: The medium's standard code for each channel (and back, for other systems).
CHANNEL_MODES: dict[str, str] = {
    "text": "ONLINEWRIT",
    "email": "EMAILWRIT",
    "phone": "PHONE",
    "voicemail": "VERBAL",
    "portal": "ONLINEWRIT",
    "video": "VIDEOCONF",
    "social": "ONLINEWRIT",
    "in_person": "FACE",
}
MODE_CHANNELS: dict[str, str] = {
    "ONLINEWRIT": "text",
    "EMAILWRIT": "email",
    "PHONE": "phone",
    "VERBAL": "voicemail",
    "VIDEOCONF": "video",
    "FACE": "in_person",
}
#: The boundary facts Between derives when a contact is written, one boolean
#: extension each.  An import derives them again under its own frame.
BOUNDARY_FACT_EXTENSIONS: dict[str, str] = {
    "after_hours": f"{STRUCTURE}/contact-after-hours",
    "outside_agreement": f"{STRUCTURE}/contact-outside-agreement",
    "over_weekly_limit": f"{STRUCTURE}/contact-over-weekly-limit",
    "during_absence": f"{STRUCTURE}/contact-during-absence",
    "after_ending": f"{STRUCTURE}/contact-after-ending",
    "responded_after_hours": f"{STRUCTURE}/contact-responded-after-hours",
}
RESPONDED_AT_EXT = f"{STRUCTURE}/contact-responded-at"  # valueDateTime
RESPONSE_MINUTES_EXT = f"{STRUCTURE}/contact-response-minutes"  # valueInteger
CALL_MINUTES_EXT = f"{STRUCTURE}/contact-call-minutes"  # valueInteger

# --- session notes (DocumentReference, Provenance) ---------------------------
LOINC = "http://loinc.org"
PROGRESS_NOTE = "11506-3"
PROGRESS_NOTE_DISPLAY = "Progress note"
NOTE_SECTION_SYSTEM = f"{CODES}/note-section"
RISK_SUMMARY_SECTION = "risk_summary"
ADDENDUM_SECTION = "addendum"
NOTE_FORMAT_EXT = f"{STRUCTURE}/note-format"  # valueCode
SESSION_MODALITY_EXT = f"{STRUCTURE}/session-modality"  # valueCode
SESSION_ATTENDANCE_EXT = f"{STRUCTURE}/session-attendance"  # valueCode
RISK_LEVEL_EXT = f"{STRUCTURE}/session-risk-level"  # valueCode
SIGNATURE_TYPE_SYSTEM = "urn:iso-astm:E1762-95:2013"
AUTHOR_SIGNATURE = "1.2.840.10065.1.12.1.1"
VERIFICATION_SIGNATURE = "1.2.840.10065.1.12.1.5"
PARTICIPANT_TYPE_SYSTEM = (
    "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
)

# --- measures and observations (Observation) ---------------------------------
INSTRUMENT_SYSTEM = f"{CODES}/attachment-instrument"
ATTACHMENT_MEASURE = "client-attachment-to-therapist"
SUBSCALE_SYSTEM = f"{CODES}/attachment-subscale"
SUBSCALES: tuple[str, ...] = ("secure", "avoidant_fearful", "preoccupied_merger")
OBSERVATION_SYSTEM = f"{CODES}/observation-kind"
DEPENDENCY_OBSERVATION = "dependency-observation"
MARKER_COMPONENT = "marker"
TRIGGER_COMPONENT = "trigger"
MARKER_SYSTEM = f"{CODES}/dependency-marker"
TRIGGER_SYSTEM = f"{CODES}/dependency-trigger"

#: Ruptures and repair attempts are Observations of their own kinds; a
#: repair names its rupture in ``derivedFrom``.  Their facts are components,
#: each coded by the component kind and valued in the code system below.
RUPTURE = "rupture"
REPAIR_ATTEMPT = "repair-attempt"
RUPTURE_COMPONENTS: dict[str, str] = {
    "setting": f"{CODES}/rupture-setting",
    "channel": CHANNEL_SYSTEM,
    "marker": f"{CODES}/rupture-marker",
    "status": f"{CODES}/rupture-status",
}
RUPTURE_KIND_SYSTEM = f"{CODES}/rupture-kind"
RUPTURE_NUMBERS: tuple[str, ...] = ("severity", "priority")
REPAIR_COMPONENTS: dict[str, str] = {
    "setting": f"{CODES}/rupture-setting",
    "strategy": f"{CODES}/repair-strategy",
    "outcome": f"{CODES}/repair-outcome",
}

# --- coping plans (CarePlan) -------------------------------------------------
STRATEGY_SYSTEM = f"{CODES}/coping-strategy"
COPING_TRIGGER_EXT = f"{STRUCTURE}/coping-trigger"  # valueCodeableConcept
COPING_REVIEW_EXT = f"{STRUCTURE}/coping-review-on"  # valueDate
COPING_PART_EXT = f"{STRUCTURE}/coping-plan-part"  # on a note: valueCode
COPING_TEXT_PARTS: tuple[str, ...] = (
    "trigger_details",
    "other_strategies",
    "supports",
    "crisis_steps",
)

# --- flags (DetectedIssue) ---------------------------------------------------
FLAG_KIND_SYSTEM = f"{CODES}/flag-kind"
FLAG_EVIDENCE_SYSTEM = f"{CODES}/flag-evidence"
FLAG_REVIEW_SYSTEM = f"{CODES}/flag-review-status"
FLAG_STATUS_EXT = f"{STRUCTURE}/flag-review-status"  # valueCode
FLAG_ACTIVE_EXT = f"{STRUCTURE}/flag-active"  # valueBoolean
FLAG_SCORE_EXT = f"{STRUCTURE}/flag-score"  # valueDecimal
FLAG_DETECTED_EXT = f"{STRUCTURE}/flag-detected-at"  # valueDateTime
FLAG_USEFULNESS_EXT = f"{STRUCTURE}/flag-review-usefulness"  # valueCode
#: The tier is how strong the statistics are; FHIR's severity is the nearest.
TIER_SEVERITY: dict[str, str] = {"yellow": "moderate", "red": "high"}
SEVERITY_TIER: dict[str, str] = {value: key for key, value in TIER_SEVERITY.items()}

# --- entry identity ----------------------------------------------------------
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE)


def entry_uuid(clinic_slug: str, record: str, pk: int) -> str:
    """The stable id of one record's resource: the same record gives the same
    id on every export, so that importing a bundle twice adds nothing."""
    return str(uuid.uuid5(_NAMESPACE, f"{clinic_slug}/{record}/{pk}"))


def full_url(resource_id: str) -> str:
    return f"urn:uuid:{resource_id}"
