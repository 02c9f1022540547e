"""What the access report calls the rows of a client's audit trail: the kind
of record each one touched, and the role its person acted in.

An audit row names its record by ``object_type``: a model's label
(``attachment.contact``), or the name of a page that is no model of its own.
Those names are constants, so that the pages writing such events and the
report reading them spell them the same way.
"""

from __future__ import annotations

from django.db import models

# Pages that are no model of their own, as their audit events name them: the
# cover pages' names are the access rules' (clinic/access.py).
from clinic.access import BREAK_GLASS_PAGE, COVER_PAGE

ACCESS_REPORT = "access_report"
# Breaking glass itself: the grant's creation, on the client's trail.
BREAK_GLASS_GRANT = "clinic.breakglassgrant"
# The record leaving: a FHIR bundle, or the client's printable copy.
FHIR_EXPORT = "attachment.fhir_export"
CLIENT_COPY = "attachment.client_copy"
# The record arriving from elsewhere (attachment/fhir/), and leaving for good
# (attachment/retention/).
FHIR_IMPORT = "attachment.importedrecord"
LEGAL_HOLD = "attachment.legalhold"
DESTRUCTION = "attachment.clientdestruction"


class AccessRole(models.TextChoices):
    """Why a person could touch the client's records, worked out when the
    report is read (``selectors.role_expression`` holds the rule)."""

    TREATING = "treating", "Treating therapist"
    SUPERVISING = "supervising", "Supervisor"
    COVERING = "covering", "Covering therapist"
    BREAK_GLASS = "break-glass", "Break-glass"
    ADMIN = "admin", "Clinic admin"
    OPERATOR = "operator", "Operator"
    INTEGRATION = "integration", "Integration (no person)"
    OTHER = "other", "Other"


class Kind(models.TextChoices):
    CLIENT = "client", "client record"
    SESSION_NOTE = "session_note", "session note"
    PROCESS_NOTE = "process_note", "process note"
    REFLECTION = "reflection", "reflection"
    AGENDA = "agenda", "next-session agenda"
    CONTACT = "contact", "contact"
    CONTACT_ADDRESS = "contact_address", "contact address"
    UNMATCHED = "unmatched", "unmatched message"
    RUPTURE = "rupture", "rupture"
    OBSERVATION = "observation", "dependency observation"
    MEASURE = "measure", "attachment measure"
    COPING_PLAN = "coping_plan", "coping plan"
    AGREEMENT = "agreement", "between-sessions agreement"
    SAFETY_PLAN = "safety_plan", "safety plan"
    SAFETY_ALERT = "safety_alert", "unanswered-contact alert"
    FLAG = "flag", "flag"
    SUPERVISION = "supervision", "supervision"
    CONTACT_POLICY = "contact_policy", "contact policy"
    MOVE = "move", "move to another therapist"
    COVER_PAGE = "cover_page", "cover page"
    BREAK_GLASS_PAGE = "break_glass_page", "cover page (break-glass)"
    BREAK_GLASS_GRANT = "break_glass_grant", "break-glass grant"
    ACCESS_REPORT = "access_report", "access report"
    RECORD_EXPORT = "record_export", "copy of the record (export)"
    RECORD_IMPORT = "record_import", "record brought in (import)"
    RETENTION = "retention", "retention, legal hold and destruction"


OBJECT_TYPES: dict[Kind, tuple[str, ...]] = {
    Kind.CLIENT: ("clinic.client",),
    Kind.SESSION_NOTE: (
        "notes.sessionnote",
        "notes.sessionnote_list",
        "notes.addendum",
        "notes.notereturn",
    ),
    Kind.PROCESS_NOTE: ("notes.processnote", "notes.processnote_list"),
    Kind.REFLECTION: ("notes.reflection",),
    Kind.AGENDA: ("notes.agenda",),
    Kind.CONTACT: ("attachment.contact",),
    Kind.CONTACT_ADDRESS: ("attachment.clientaddress", "attachment.clientaddress_list"),
    Kind.UNMATCHED: ("attachment.unmatchedmessage",),
    Kind.RUPTURE: ("attachment.rupture", "attachment.repairattempt"),
    Kind.OBSERVATION: ("attachment.dependencyobservation",),
    Kind.MEASURE: ("attachment.attachmentmeasure",),
    Kind.COPING_PLAN: ("attachment.copingplan",),
    Kind.AGREEMENT: ("attachment.contactagreement",),
    Kind.SAFETY_PLAN: ("attachment.safetyplan",),
    Kind.SAFETY_ALERT: ("attachment.safetyalert",),
    Kind.FLAG: (
        "attachment.flag",
        "attachment.flagstatuschange",
        "attachment.flagresponse",
    ),
    Kind.SUPERVISION: (
        "attachment.supervisionsession",
        "attachment.actionitem",
        "attachment.discussedflag",
    ),
    Kind.CONTACT_POLICY: ("clinic.contactpolicy",),
    Kind.MOVE: ("clinic.staffproposal",),
    Kind.COVER_PAGE: (COVER_PAGE,),
    Kind.BREAK_GLASS_PAGE: (BREAK_GLASS_PAGE,),
    Kind.BREAK_GLASS_GRANT: (BREAK_GLASS_GRANT,),
    Kind.ACCESS_REPORT: (ACCESS_REPORT,),
    Kind.RECORD_EXPORT: (FHIR_EXPORT, CLIENT_COPY),
    Kind.RECORD_IMPORT: (FHIR_IMPORT,),
    Kind.RETENTION: (LEGAL_HOLD, DESTRUCTION),
}
KIND_OF_TYPE: dict[str, Kind] = {
    object_type: kind for kind, types in OBJECT_TYPES.items() for object_type in types
}


def kind_label(object_type: str) -> str:
    """The kind's name; an object type no kind claims yet is shown by its own
    last part (``attachment.scanrun`` → "scanrun")."""
    kind = KIND_OF_TYPE.get(object_type)
    if kind is not None:
        return str(kind.label)
    return object_type.rpartition(".")[2].replace("_", " ") or "record"
